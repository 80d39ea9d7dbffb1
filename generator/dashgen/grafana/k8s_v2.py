"""Schema v2 dashboards on ``/apis`` (grafana-apis.md §1.3, §7.1, §9): which version's path
each dashboard is read and written on, and Grafana 13.0.x's broken v2 path.

- A v2 dashboard (``BuiltDashboard.schema``: ``v2``, ``v2beta1``, ``v2alpha1``) is read and
  written on ``/apis/dashboard.grafana.app/<schema>/...`` when the server serves that
  version (discovery); the publisher refuses it before any write otherwise
  (``dashgen.publish.schemas``). Nothing is converted between v1 and v2.
- A read that the server answers with a failed conversion (``status.conversion.failed``:
  a v2-stored dashboard read on the v1 path, or the reverse) is read again on the path of
  the version it is stored in, so that it is compared as stored (§7.1: "the caller should
  instead fetch the stored version"). When the server does not serve that version the
  original payload it includes (``status.conversion.source``, #109912) is taken instead.
- Grafana 13.0.x answers every request on the v2 path with 500 ``no kind "Dashboard" is
  registered for version dashboard.grafana.app/v2`` (gcx#598): that is not a transient
  error but a server that cannot hold v2 dashboards (``V2UnusableError``): the dashboard
  fails with that sentence, the others go on, and no later request is sent on that path.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from dashgen.errors import GrafanaError, ServerError

V1 = "v1"
UNREGISTERED = "is registered for version"  # the 13.0.x scheme error, §7.1


def is_v2(version: str) -> bool:
    return version.startswith("v2")


def same_family(a: str, b: str) -> bool:
    return is_v2(a) == is_v2(b)


class V2UnusableError(GrafanaError):
    """This Grafana lists a v2 version but cannot store or read v2 dashboards on it."""

    @classmethod
    def of(cls, url: str, version: str, error: ServerError) -> V2UnusableError:
        said = error.grafana_message or "no kind Dashboard is registered"
        return cls(
            f"Grafana at {url} cannot use schema {version} dashboards: it answers 500 "
            f"({said}) on /apis/dashboard.grafana.app/{version}, the known failure of Grafana "
            "13.0.x (grafana/gcx#598); not sent: upgrade Grafana, or keep this dashboard in "
            "schema v1 until then"
        )


def is_unregistered(error: ServerError) -> bool:
    """The 500 of a Grafana whose scheme lacks the v2 Dashboard kind (not transient)."""
    text = f"{error.grafana_message or ''} {error.answer or ''}"
    return error.status == 500 and UNREGISTERED in text and "Dashboard" in text


def conversion_source(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The stored spec a failed conversion carries (``status.conversion.source``)."""
    status = item.get("status")
    conversion = status.get("conversion") if isinstance(status, Mapping) else None
    source = conversion.get("source") if isinstance(conversion, Mapping) else None
    return dict(source) if isinstance(source, Mapping) else None


def with_stored_spec(item: Mapping[str, Any], stored: str) -> dict[str, Any] | None:
    """``item`` as if read in its ``stored`` version, from the source the failed
    conversion carries; None when it carries none."""
    source = conversion_source(item)
    if source is None:
        return None
    return {**item, "spec": source, "status": {"conversion": {"storedVersion": stored}}}


class SchemaPaths:
    """Which version's path each dashboard of one namespace is read and written on: the
    backend's ``version`` (classic model), or a v2 dashboard's own version; and which v2
    versions this server turned out not to be able to use."""

    def __init__(self, group: str, namespace: str, version: str, served: tuple[str, ...]):
        self.group = group
        self.namespace = namespace
        self.version = version
        self.served = served or (version,)
        self._guard = threading.Lock()
        self._schemas: dict[str, str] = {}  # uid → the v2 version it is read and written in
        self._unusable: dict[str, V2UnusableError] = {}  # v2 version → why it cannot be used

    def base(self, version: str) -> str:
        return f"/apis/{self.group}/{version}/namespaces/{self.namespace}/dashboards"

    def path(self, uid: str, version: str) -> str:
        return f"{self.base(version)}/{quote(uid, safe='')}"

    def version_of(self, uid: str) -> str:
        with self._guard:
            return self._schemas.get(uid, self.version)

    def is_routed(self, uid: str) -> bool:
        with self._guard:
            return uid in self._schemas

    def expect(self, schemas: Mapping[str, str]) -> None:
        with self._guard:
            for uid, schema in schemas.items():
                if is_v2(schema):
                    self._schemas[uid] = schema
                else:
                    self._schemas.pop(uid, None)

    def accepts(self, schema: str) -> bool:
        return schema in self.served if is_v2(schema) else True

    def check_usable(self, version: str) -> None:
        with self._guard:
            known = self._unusable.get(version)
        if known is not None:
            raise known

    def unusable(self, url: str, version: str, error: ServerError) -> GrafanaError:
        """The error to raise for ``error`` met on ``version``'s path: ``V2UnusableError``
        (remembered: no later request on that path) for 13.0.x's scheme failure."""
        if not (is_v2(version) and is_unregistered(error)):
            return error
        with self._guard:
            return self._unusable.setdefault(version, V2UnusableError.of(url, version, error))

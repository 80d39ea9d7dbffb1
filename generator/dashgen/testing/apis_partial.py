"""Content negotiation (``Accept``) of a GET or LIST, as k8s.io/apiserver's generic handlers do
it, and the metadata-only answers (``PartialObjectMetadata``, ``PartialObjectMetadataList``).

The contract (grafana-apis.md §4.1, §4.2) is silent on it. Kubernetes apiservers transform an
answer when the client asks with ``Accept: application/json;as=<Kind>;g=meta.k8s.io;v=v1``
(``staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go``, ``doTransformObject``;
the negotiation is ``handlers/negotiation/negotiate.go``, ``NegotiateMediaTypeOptions`` with
the ``RequestScope``'s ``AllowsMediaTypeTransform``). Grafana's /apis is built on those
handlers, but that it serves these transforms for dashboards is **UNCONFIRMED for Grafana**
(no Grafana test or doc read shows it; grafana/grafanactl#252, an open PR, adds a
``get-meta`` command on it): dashgen sends plain ``application/json`` as a fallback in the
same header and checks the answer's ``kind``.

Rules emulated (12.0 and 13.0 modes), for every GET and LIST of dashboards, their history and
folders:

- clauses are tried in ``q`` order (stable; ``q=0`` refuses a clause); a clause of
  ``application/json``, ``application/*`` or ``*/*`` without ``as`` is the full answer;
- ``as=PartialObjectMetadata``, ``PartialObjectMetadataList`` or ``Table`` with
  ``g=meta.k8s.io`` and ``v=v1`` or ``v1beta1`` is chosen whatever the endpoint (the scope
  allows them all); then the transform answers 406 when the kind does not fit: ``you
  requested PartialObjectMetadata, but the requested object is a list (*v1.DashboardList)``
  or ``… PartialObjectMetadataList, but the requested object is not a list (*v1.Dashboard)``;
- any other ``as`` or media type is skipped; when no clause is served: 406 ``NotAcceptable``,
  k8s's ``NewNotAcceptableError`` wording;
- no ``Accept`` at all: the full answer; a clause's ``pretty=1`` pretty-prints (``k8s_wire``).

The Table itself is ``apis_table``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashgen.testing import gojson
from dashgen.testing.k8s_status import status_error
from dashgen.testing.wire import ApiError, Response

FULL = "full"
META_GROUP = "meta.k8s.io"
META_VERSIONS = ("v1", "v1beta1")
PARTIAL = "PartialObjectMetadata"
PARTIAL_LIST = "PartialObjectMetadataList"
TABLE = "Table"
TRANSFORMS = (PARTIAL, PARTIAL_LIST, TABLE)
# negotiation.MediaTypesForSerializer(metainternalversionscheme.Codecs), as k8s lists them
ACCEPTED = "application/json, application/yaml, application/vnd.kubernetes.protobuf"
_JSON_TYPES = ("application/json", "application/*", "*/*")


@dataclass(frozen=True)
class Clause:
    media: str
    params: dict[str, str]
    q: float


@dataclass(frozen=True)
class Target:
    """What a GET or LIST answers: ``kind`` None (the full object or list) or one of
    ``TRANSFORMS`` in ``meta.k8s.io/<version>``."""

    kind: str | None = None
    version: str = ""

    @property
    def full(self) -> bool:
        return self.kind is None


FULL_TARGET = Target()


def not_acceptable(text: str | None = None) -> ApiError:
    return status_error(
        406, "NotAcceptable", text or f"only the following media types are accepted: {ACCEPTED}"
    )


def clauses(accept: str | None) -> list[Clause]:
    """``goautoneg.ParseAccept``: the clauses of ``accept``, highest ``q`` first."""
    found = []
    for raw in (accept or "").split(","):
        parts = [part.strip() for part in raw.split(";")]
        if not parts[0]:
            continue
        params: dict[str, str] = {}
        q = 1.0
        for part in parts[1:]:
            key, _, value = part.partition("=")
            key, value = key.strip().lower(), value.strip()
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
            else:
                params[key] = value
        found.append(Clause(parts[0].lower(), params, q))
    return sorted(found, key=lambda clause: -clause.q)


def _transform(clause: Clause) -> Target | None:
    """The clause's target when the endpoint's scope allows it, else None."""
    wanted = clause.params.get("as")
    if wanted is None and "g" not in clause.params and "v" not in clause.params:
        return FULL_TARGET
    if (
        wanted in TRANSFORMS
        and clause.params.get("g") == META_GROUP
        and clause.params.get("v") in META_VERSIONS
    ):
        return Target(wanted, clause.params["v"])
    return None


def chosen(accept: str | None, transforms: bool = True) -> tuple[Target, Clause | None] | None:
    """The target and clause negotiation picks; None when no clause is served.
    ``transforms`` False: ``DefaultEndpointRestrictions`` (an error's Status), which
    allows no ``as=``."""
    if not accept or not accept.strip():
        return FULL_TARGET, None
    for clause in clauses(accept):
        if clause.q <= 0 or clause.media not in _JSON_TYPES:
            continue
        target = _transform(clause)
        if target is None or (not transforms and not target.full):
            continue
        return target, clause
    return None


def negotiated(accept: str | None, mode: str = "served") -> Target:
    """The target of a GET or LIST; raises the 406 ``ApiError`` when no clause is served
    (``check_fits`` is the transform's own 406). ``mode``: the profile's
    ``apis_metadata_lists`` ("ignored": ``as=`` is not looked at; "refused": an ``as=`` in
    any clause is 406, even with a plain clause after it)."""
    if mode == "ignored":
        return FULL_TARGET
    if mode == "refused" and "as=" in (accept or "").replace(" ", ""):
        raise not_acceptable()
    found = chosen(accept)
    if found is None:
        raise not_acceptable()
    return found[0]


def check_fits(target: Target, go_type: str, listing: bool) -> None:
    """``asPartialObjectMetadata``/``asPartialObjectMetadataList``: the 406 when the kind asked
    for does not fit the answer; ``go_type`` is the ``%T`` of Grafana's typed object."""
    if target.kind == PARTIAL and listing:
        raise not_acceptable(
            f"you requested {PARTIAL}, but the requested object is a list ({go_type})"
        )
    if target.kind == PARTIAL_LIST and not listing:
        raise not_acceptable(
            f"you requested {PARTIAL_LIST}, but the requested object is not a list ({go_type})"
        )


def partial_object(meta_version: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """``meta.AsPartialObjectMetadata``: the object's ``metadata`` only."""
    return {"kind": PARTIAL, "apiVersion": f"{META_GROUP}/{meta_version}", "metadata": metadata}


def partial_list(meta_version: str, metadata: dict[str, Any], items: list[bytes]) -> Response:
    """The ``PartialObjectMetadataList`` of ``items`` (each ``{"metadata": …}`` encoded,
    ``apis_objects.encoded_metadata``) with the list's ``metadata``."""
    head = f'{{"kind":"{PARTIAL_LIST}","apiVersion":"{META_GROUP}/{meta_version}"'.encode()
    item_head = f'{{"kind":"{PARTIAL}","apiVersion":"{META_GROUP}/{meta_version}",'
    prefix = item_head.encode()
    raw = b"".join(
        (
            head,
            b',"metadata":',
            gojson.dumps(metadata),
            b',"items":[',
            b",".join(prefix + item[1:] for item in items),
            b"]}",
        )
    )
    return Response(200, headers={"Content-Type": "application/json"}, raw=raw)

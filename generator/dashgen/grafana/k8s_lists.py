"""The LISTs of ``/apis`` dashboards (grafana-apis.md §4.2, §6) and what a LIST read is kept
for: the planner's ``get`` of each listed dashboard sends nothing (``K8sDashboards``).

Paged (``limit`` 500, ``continue``). ``list_metadata`` asks for metadata only, as any
Kubernetes apiserver serves it (``Accept: application/json;as=PartialObjectMetadataList;
g=meta.k8s.io;v=v1``, k8s.io/apiserver ``handlers/response.go``: ``asPartialObjectMetadataList``)
with plain ``application/json`` as the fallback in the same header. That Grafana serves the
transform is **UNCONFIRMED** (``dashgen.testing.apis_partial``), so the answer's ``kind``
decides: a ``PartialObjectMetadataList`` keeps metadata-only dashboards (``partial``), a
``DashboardList`` (a server that ignores the ``as``) is used as the full LIST is, and a 406
NotAcceptable is followed by the full LIST. A metadata-only dashboard is handed out by
``get`` only once ``complete`` was told it is proven unchanged by its metadata
(``dashgen.publish.stamped``); the others are read in full (one GET each, or the full LIST
when many).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from dashgen.errors import GrafanaAPIError, NotFoundError
from dashgen.grafana.backend import LiveDashboard, VersionRecord
from dashgen.grafana.client import GrafanaClient
from dashgen.grafana.k8s_shapes import (
    HISTORY_SELECTOR,
    LIST,
    failed_conversion,
    generation,
    slug,
    version_record,
)
from dashgen.grafana.k8s_v2 import SchemaPaths

LIST_LIMIT = 500  # objects per LIST page
META_KIND = "PartialObjectMetadataList"
META_ACCEPT = f"application/json;as={META_KIND};g=meta.k8s.io;v=v1, application/json"
# More unproven metadata-only dashboards than this: one full LIST rather than a GET each.
FULL_LIST_FROM = 40


class Listed:
    """Paged LISTs of one namespace's dashboards, and the objects the last one read."""

    def __init__(
        self,
        client: GrafanaClient,
        paths: SchemaPaths,
        base: str,
        remember: Callable[[Mapping[str, Any], str], LiveDashboard],
        remember_partial: Callable[[Mapping[str, Any]], LiveDashboard],
    ) -> None:
        self.client = client
        self.paths = paths
        self.base = base
        self._remember = remember
        self._remember_partial = remember_partial
        self._guard = threading.Lock()
        self._kept: dict[str, LiveDashboard] = {}  # read by a LIST, not handed out yet
        self._proven: set[str] = set()  # metadata-only ones ``get`` may hand out
        self.folders: set[str] = set()  # folders that listed dashboards are in

    def pages(
        self,
        params: Mapping[str, Any],
        limit: int | None = None,
        base: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[list[Mapping], bool]:
        """Every item of a LIST (all pages, or the first ``limit`` items), and whether
        they are metadata only (every page a ``PartialObjectMetadataList``)."""
        items: list[Mapping] = []
        token = ""
        partial = headers is not None
        while True:
            page_size = LIST_LIMIT if limit is None else min(LIST_LIMIT, limit - len(items))
            query = {**params, "limit": page_size}
            if token:
                query["continue"] = token
            answer = self.client.get(
                base or self.base,
                params=query,
                expect=LIST,
                headers=headers,
            )
            partial = partial and answer.get("kind") == META_KIND
            items.extend(answer.get("items") or [])
            token = str((answer.get("metadata") or {}).get("continue") or "")
            if not token or (limit is not None and len(items) >= limit):
                return items, partial

    def history(self, uid: str, limit: int | None) -> list[Mapping]:
        params = {"labelSelector": HISTORY_SELECTOR, "fieldSelector": f"metadata.name={uid}"}
        version = self.paths.version_of(uid)
        self.paths.check_usable(version)
        return self.pages(params, limit, self.paths.base(version))[0]

    def record(self, uid: str, version: int) -> VersionRecord | None:
        """The record of one version (its message and saver); None when missing."""
        for item in self.history(uid, None):
            if generation(item) == int(version):
                return version_record(item)
        return None

    def records(self, uid: str, limit: int) -> list[VersionRecord]:
        """The newest ``limit`` versions, newest first ([] when the dashboard is gone)."""
        try:
            items = self.history(uid, int(limit))
        except NotFoundError:
            return []
        records = sorted((version_record(item) for item in items), key=lambda r: -r.version)
        return records[: int(limit)]

    # -- what the last LIST read -------------------------------------------------------

    def forget(self) -> None:
        with self._guard:
            self._kept.clear()
            self._proven.clear()
            self.folders.clear()

    def take(self, uid: str) -> LiveDashboard | None:
        """The listed object of ``uid`` (once), unless it is metadata only and not proven."""
        with self._guard:
            kept = self._kept.pop(uid, None)
            proven = uid in self._proven
        return None if kept is None or (kept.partial and not proven) else kept

    def peek(self, uid: str) -> LiveDashboard | None:
        return self._kept.get(uid)

    def proven(self, uid: str) -> bool:
        """A metadata-only dashboard proven unchanged is kept: planning it sends nothing."""
        return uid in self._proven and uid in self._kept

    def drop(self, uid: str) -> None:
        with self._guard:
            self._kept.pop(uid, None)

    def all(self) -> list[LiveDashboard]:
        """One full LIST: every object, kept for ``take``."""
        items, _ = self.pages({})
        return self._keep(items, partial=False)

    def metadata(self) -> list[LiveDashboard]:
        """One metadata LIST (see the module): every dashboard, metadata only when the
        server serves that, kept for ``take``."""
        try:
            items, partial = self.pages({}, headers={"Accept": META_ACCEPT})
        except GrafanaAPIError as error:
            if error.status != 406:  # NotAcceptable: the server serves no such transform
                raise
            items, partial = self.pages({})
        return self._keep(items, partial=partial)

    def _keep(self, items: list[Mapping], *, partial: bool) -> list[LiveDashboard]:
        if partial:
            found = [self._remember_partial(item) for item in items]
            kept = {live.uid: live for live in found if not self.paths.is_routed(live.uid)}
        else:
            found = [self._remember(item, "") for item in items]
            # One the server could not convert to this version (§7.1) is read again, in
            # the version it is stored in, when asked for.
            kept = {
                live.uid: live
                for live, item in zip(found, items, strict=True)
                if failed_conversion(item) is None and not self.paths.is_routed(live.uid)
            }
        with self._guard:
            self._kept = kept
            self._proven.clear()
            self.folders = {live.folder_uid for live in found if live.folder_uid}
        return found

    def complete(self, proven: Mapping[str, str]) -> None:
        """After ``metadata``: the metadata-only dashboards of ``proven`` (uid → the
        build's title, which a proven one has) are handed out as they are; the others
        are read in full, by one full LIST when there are many, else one GET each."""
        with self._guard:
            unproven = [
                uid for uid, live in self._kept.items() if live.partial and uid not in proven
            ]
            for uid in proven:
                live = self._kept.get(uid)
                if live is not None and live.partial:
                    self._kept[uid] = replace(live, url=f"/d/{uid}/{slug(proven[uid])}")
                    self._proven.add(uid)
        if len(unproven) >= FULL_LIST_FROM:
            self.all()  # (every object in full: the proven ones too)
        else:
            with self._guard:
                for uid in unproven:
                    self._kept.pop(uid, None)  # ``get`` reads it (one GET)

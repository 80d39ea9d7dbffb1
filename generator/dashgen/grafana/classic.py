"""The classic dashboard API (``/api/dashboards/db``, versions, folders, search; grafana-api.md
§2-§5), behind the backend calls the publisher uses (``dashgen.grafana.backend``).

Everything specific to this API lives here: the save body (``id`` null, the live
``version`` with ``overwrite: false``), what its 412/409 answers mean, that a missing
version answers 500, that search pages stop at 5000, that an update without ``folderUid``
moves a dashboard to General, that the version list rewrites the messages of first
versions and restores, that a provisioned dashboard says so in ``meta.provisioned``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from dashgen.errors import (
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
    ServerError,
    VersionConflictError,
)
from dashgen.grafana import admin
from dashgen.grafana.backend import (
    FolderInfo,
    LiveDashboard,
    Manager,
    SaveResult,
    SearchHit,
    VersionRecord,
)
from dashgen.grafana.client import NO_RETRY, GrafanaClient
from dashgen.grafana.datasources import Datasource, list_datasources
from dashgen.grafana.server import ServerInfo, read_server_info

SEARCH_PAGE_LIMIT = 5000  # Grafana's maximum (§4); above it answers 422
VERSIONS_LIMIT = 100  # how far back ``versions`` looks by default
# 412/409 statuses that mean something other than "the version moved".
NOT_A_VERSION_CONFLICT = frozenset({"name-exists", "plugin-dashboard"})


def _uid_path(uid: str) -> str:
    return quote(uid, safe="")


class ClassicDashboards:
    """One org's dashboards and folders through the classic API (the client's token's org)."""

    name = "classic"

    def __init__(self, client: GrafanaClient) -> None:
        self.client = client

    @property
    def display_url(self) -> str:
        return self.client.display_url

    def current_org(self) -> admin.Org:
        """``GET /api/org``: the org the token acts in."""
        return admin.current_org(self.client)

    def server_info(self) -> ServerInfo:
        """The Grafana version and ``min_refresh_interval`` (one request; never raises)."""
        return read_server_info(self.client)

    # -- folders ----------------------------------------------------------------------------

    def get_folder(self, uid: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.get(f"/api/folders/{_uid_path(uid)}"))
        except NotFoundError:
            return None

    def create_folder(self, uid: str, title: str) -> None:
        """Create the folder; fine when a concurrent (or lost-answer) create made it already.

        A fixed uid makes the create idempotent in effect (a repeat answers 409), so the
        client's normal retries are safe here.
        """
        try:
            self.client.post("/api/folders", json={"uid": uid, "title": title})
        except ConflictError:
            # Fine if the folder is there now; otherwise (e.g. same title in General on
            # Grafana <= 11.2) the 409 is the answer.
            if self.get_folder(uid) is None:
                raise

    # -- dashboards -------------------------------------------------------------------------

    def get(self, uid: str) -> LiveDashboard | None:
        try:
            body = self.client.get(f"/api/dashboards/uid/{_uid_path(uid)}")
        except NotFoundError:
            return None
        dashboard = dict(body.get("dashboard") or {})
        meta = dict(body.get("meta") or {})
        return LiveDashboard(
            dashboard=dashboard,
            version=int(meta.get("version") or dashboard.get("version") or 0),
            # General is reported as "" (or missing) depending on the version.
            folder_uid=meta.get("folderUid") or None,
            updated_by=str(meta.get("updatedBy") or ""),
            url=str(meta.get("url") or ""),
            manager=_manager(meta),
        )

    def existing_uids(self) -> set[str]:
        """Every dashboard uid the search index knows in the org (all pages).

        The 12.x index is eventually consistent: use the answer to save work, never to
        decide that a dashboard does not exist.
        """
        uids: set[str] = set()
        page = 1
        while True:
            hits = self.client.get(
                "/api/search",
                params={"type": "dash-db", "limit": SEARCH_PAGE_LIMIT, "page": page},
            )
            hits = hits or []
            uids.update(str(hit["uid"]) for hit in hits if hit.get("uid"))
            if len(hits) < SEARCH_PAGE_LIMIT:
                return uids
            page += 1

    def search_dashboards(self, folder_uids: list[str] | None = None) -> list[SearchHit]:
        """Every dashboard the search finds in the org (all pages), or only those directly in
        ``folder_uids`` ("" or "general": General). Eventually consistent on 12.x (§4)."""
        hits: list[SearchHit] = []
        params: dict[str, Any] = {"type": "dash-db", "limit": SEARCH_PAGE_LIMIT}
        if folder_uids is not None:
            params["folderUIDs"] = list(folder_uids)
        page = 1
        while True:
            answer = self.client.get("/api/search", params={**params, "page": page}) or []
            hits.extend(
                SearchHit(
                    uid=str(hit["uid"]),
                    title=str(hit.get("title") or ""),
                    folder_uid=str(hit.get("folderUid") or "") or None,
                    folder_title=str(hit.get("folderTitle") or "") or None,
                )
                for hit in answer
                if isinstance(hit, Mapping) and hit.get("uid")
            )
            if len(answer) < SEARCH_PAGE_LIMIT:
                return hits
            page += 1

    def library_element(self, uid: str) -> dict[str, Any] | None:
        """``GET /api/library-elements/:uid``: the element (``model``, ``name``, ``kind`` ...),
        None when the org has no such element."""
        try:
            body = self.client.get(f"/api/library-elements/{_uid_path(uid)}")
        except NotFoundError:
            return None
        result = body.get("result") if isinstance(body, Mapping) else None
        return dict(result) if isinstance(result, Mapping) else None

    def history(self, uid: str, version: int) -> VersionRecord | None:
        """The record of one version, with the message it was saved with; None when missing.

        The single-version route, not the list: the list shows "Initial save" for a first
        version and "Restored from version N" for restores, whatever message was saved
        (Grafana's handler rewrites them); the single-version route returns the stored one.
        """
        path = f"/api/dashboards/uid/{_uid_path(uid)}/versions/{int(version)}"
        try:
            record = self.client.get(path)
        except NotFoundError:
            return None
        except ServerError as error:
            # Grafana answers a missing version with 500 "Dashboard version N not found".
            if "not found" in error.grafana_message.lower():
                return None
            raise
        if not isinstance(record, Mapping):
            return None
        return VersionRecord(
            version=int(record.get("version") or 0),
            message=str(record.get("message") or ""),
            created_by=str(record.get("createdBy") or ""),
        )

    def versions(self, uid: str, limit: int = VERSIONS_LIMIT) -> list[VersionRecord]:
        """The newest ``limit`` versions, newest first, each with the message it was saved
        with ([] when the dashboard is gone).

        The list route shows "Initial save" for a first version and "Restored from version
        N" for a restore, whatever was saved: those entries are read one by one.
        """
        path = f"/api/dashboards/uid/{_uid_path(uid)}/versions"
        try:
            answer = self.client.get(path, params={"limit": int(limit)})
        except NotFoundError:
            return []
        if isinstance(answer, Mapping):  # 12.x: {"continueToken", "versions"}
            answer = answer.get("versions")
        records: list[VersionRecord] = []
        for item in answer if isinstance(answer, list) else []:
            if not isinstance(item, Mapping):
                continue
            version = int(item.get("version") or 0)
            if item.get("parentVersion") == 0 or item.get("restoredFrom") or version == 1:
                stored = self.history(uid, version)
                if stored is not None:
                    records.append(stored)
                continue
            records.append(
                VersionRecord(
                    version=version,
                    message=str(item.get("message") or ""),
                    created_by=str(item.get("createdBy") or ""),
                )
            )
        return records

    def delete(self, uid: str) -> bool:
        """``DELETE /api/dashboards/uid/:uid``, never retried here (the caller reads the
        dashboard again after a lost answer). False when it was not there (404)."""
        try:
            self.client.delete(f"/api/dashboards/uid/{_uid_path(uid)}", retry=NO_RETRY)
        except NotFoundError:
            return False
        return True

    def folder_info(self, uid: str) -> FolderInfo | None:
        folder = self.get_folder(uid)
        if folder is None:
            return None
        return FolderInfo(
            uid=str(folder.get("uid") or uid),
            title=str(folder.get("title") or ""),
            created_by=str(folder.get("createdBy") or ""),
            managed=bool(folder.get("managedBy")),
        )

    def folder_is_empty(self, uid: str) -> bool:
        """No dashboard, subfolder, library panel or alert rule below the folder (deleting a
        folder deletes all of it). ``GET /api/folders/:uid/counts`` (the database's counts);
        a Grafana without that route is asked through search (dashboards and subfolders)."""
        try:
            counts = self.client.get(f"/api/folders/{_uid_path(uid)}/counts")
        except NotFoundError:
            counts = None
        if isinstance(counts, Mapping):
            return not any(isinstance(n, int) and n > 0 for n in counts.values())
        hits = self.client.get("/api/search", params={"folderUIDs": uid, "limit": 1})
        return not hits

    def delete_folder(self, uid: str) -> bool:
        """``DELETE /api/folders/:uid``, never retried here. False when it was not there."""
        try:
            self.client.delete(f"/api/folders/{_uid_path(uid)}", retry=NO_RETRY)
        except NotFoundError:
            return False
        return True

    def datasources(self) -> list[Datasource]:
        """The org's datasources (``GET /api/datasources``)."""
        return list_datasources(self.client)

    def save(
        self,
        document: Mapping[str, Any],
        *,
        uid: str,
        base_version: int | None,
        folder_uid: str | None,
        message: str,
        overwrite: bool = False,
    ) -> SaveResult:
        """``POST /api/dashboards/db`` of ``document`` as the successor of ``base_version``
        (None: a new dashboard). Never retried here: every success adds a version.

        Raises ``VersionConflictError`` when the live version is no longer ``base_version``
        (412 version-mismatch; 409 on Grafana 13); a 412 that means something else
        (``name-exists``, ``plugin-dashboard``) is raised as it is.
        """
        body: dict[str, Any] = {
            "dashboard": _save_model(document, uid, base_version),
            "overwrite": overwrite,
            "message": message,
            # An update without folderUid moves the dashboard to General (§2), so always
            # send it; "" addresses General.
            "folderUid": folder_uid or "",
        }
        try:
            answer = self.client.post("/api/dashboards/db", json=body, retry=NO_RETRY)
        except (PreconditionFailedError, ConflictError) as error:
            if error.status_text in NOT_A_VERSION_CONFLICT:
                raise
            raise VersionConflictError.of(error) from None
        return SaveResult(
            uid=str(answer.get("uid") or uid),
            version=int(answer.get("version") or 0),
            url=str(answer.get("url") or ""),
        )


def _save_model(document: Mapping[str, Any], uid: str, version: int | None) -> dict[str, Any]:
    """The dashboard as POSTed: id null, our uid, the live version we compared (none: new)."""
    model = {key: value for key, value in document.items() if key != "version"}
    model.update(id=None, uid=uid)
    if version is not None:
        model["version"] = version
    return model


def _manager(meta: Mapping[str, Any]) -> Manager | None:
    """File-provisioned (and, on 12.x, repository-managed) dashboards say ``provisioned``."""
    if not meta.get("provisioned"):
        return None
    return Manager(kind="provisioned", identity=str(meta.get("provisionedExternalId") or ""))

"""The classic dashboard API (``/api/dashboards/db``, versions, folders, search; grafana-api.md
§2-§5), behind the backend calls the publisher uses (``dashgen.grafana.backend``).

Everything specific to this API lives here: the save body (``id`` null, the live
``version`` with ``overwrite: false``), what its 412/409 answers mean, that a missing
version answers 500, that search pages stop at 5000, that an update without ``folderUid``
moves a dashboard to General, that the version list rewrites the messages of first
versions and restores, that a provisioned dashboard says so in ``meta.provisioned``. The
folder calls are in ``dashgen.grafana.classic_folders``, the answers' shapes in
``dashgen.grafana.classic_shapes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dashgen.errors import (
    ConflictError,
    GrafanaError,
    NotFoundError,
    PreconditionFailedError,
    ServerError,
    VersionConflictError,
)
from dashgen.grafana import admin
from dashgen.grafana.backend import LiveDashboard, Manager, SaveResult, SearchHit, VersionRecord
from dashgen.grafana.classic_folders import ClassicFolders, uid_path
from dashgen.grafana.classic_shapes import (
    DASHBOARD,
    DELETED,
    LIBRARY,
    SAVED,
    SEARCH_HITS,
    VERSION,
    VERSIONS,
)
from dashgen.grafana.client import NO_RETRY, GrafanaClient
from dashgen.grafana.datasources import Datasource, list_datasources
from dashgen.grafana.read_ahead import NotReadAhead, ReadAhead
from dashgen.grafana.server import ServerInfo, read_server_info

SEARCH_PAGE_LIMIT = 5000  # Grafana's maximum (§4); above it answers 422
VERSIONS_LIMIT = 100  # how far back ``versions`` looks by default
# 412/409 statuses that mean something other than "the version moved".
NOT_A_VERSION_CONFLICT = frozenset({"name-exists", "plugin-dashboard"})


class ClassicDashboards(ClassicFolders):
    """One org's dashboards and folders through the classic API (the client's token's org)."""

    name = "classic"
    validates_writes = False  # the classic API has no dry run

    def __init__(self, client: GrafanaClient, server_info: ServerInfo | None = None) -> None:
        self.client = client
        self._server_info = server_info  # already read (the choice of API): not asked again

    def describe(self) -> str:
        return "the classic API (/api/dashboards)"

    def forget(self) -> None:
        """Nothing is kept between reads here."""

    def expect_schemas(self, schemas: Mapping[str, str]) -> None:
        """Nothing to route: every dashboard here is a classic (v1) one."""

    def accepts_schema(self, schema: str) -> bool:
        """Only the classic model: /api cannot store a schema v2 dashboard."""
        return schema == "v1"

    def would_store(self, document: Mapping[str, Any], **_: Any) -> dict[str, Any] | None:
        """None: the classic save stores what it is sent (its refresh rewrite aside, which
        the publisher applies itself)."""
        return None

    @property
    def display_url(self) -> str:
        return self.client.display_url

    def current_org(self) -> admin.Org:
        """``GET /api/org``: the org the token acts in."""
        return admin.current_org(self.client)

    def server_info(self) -> ServerInfo:
        """The Grafana version and ``min_refresh_interval`` (one request; never raises)."""
        info, self._server_info = self._server_info, None
        return info if info is not None else read_server_info(self.client)

    def current_login(self) -> str | None:
        """``GET /api/user``: the login Grafana shows as the saver of this token's writes
        (a service account's); None when the token is not a user (a legacy API key) or
        when that cannot be told (then the history decides)."""
        try:
            return admin.current_user(self.client).login or None
        except GrafanaError:
            return None

    def server_date(self) -> str | None:
        """The Date header of Grafana's latest answer (its clock, to the second)."""
        return self.client.server_date

    # -- dashboards -------------------------------------------------------------------------

    def get(self, uid: str) -> LiveDashboard | None:
        try:
            body = self.client.get(_dashboard_path(uid), expect=DASHBOARD)
        except NotFoundError:
            return None
        return _live(body)

    def login_ahead(self) -> LoginAhead | None:
        """``current_login``'s read sent now, ahead of any sent after it (None when it
        cannot go out that way)."""
        ahead = self.client.read_ahead([admin.USER_PATH], expect=admin.USER)
        return None if ahead is None else LoginAhead(ahead, self.current_login)

    def read_ahead(self, uids: Sequence[str]) -> DashboardsAhead | None:
        """Send the GET of each of ``uids`` now, together (``dashgen.grafana.read_ahead``)."""
        paths = {uid: _dashboard_path(uid) for uid in uids}
        ahead = self.client.read_ahead(list(paths.values()), expect=DASHBOARD)
        return None if ahead is None else DashboardsAhead(ahead, paths)

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
                expect=SEARCH_HITS,
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
            answer = (
                self.client.get("/api/search", params={**params, "page": page}, expect=SEARCH_HITS)
                or []
            )
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
            body = self.client.get(f"/api/library-elements/{uid_path(uid)}", expect=LIBRARY)
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
        path = f"/api/dashboards/uid/{uid_path(uid)}/versions/{int(version)}"
        try:
            record = self.client.get(path, expect=VERSION)
        except NotFoundError:
            return None
        except ServerError as error:
            # Grafana answers a missing version with 500 "Dashboard version N not found".
            if "not found" in error.grafana_message.lower():
                return None
            raise
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
        path = f"/api/dashboards/uid/{uid_path(uid)}/versions"
        try:
            answer = self.client.get(path, params={"limit": int(limit)}, expect=VERSIONS)
        except NotFoundError:
            return []
        if isinstance(answer, Mapping):  # 12.x: {"continueToken", "versions"}
            answer = answer["versions"]
        records: list[VersionRecord] = []
        for item in answer:
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
            self.client.delete(
                f"/api/dashboards/uid/{uid_path(uid)}", retry=NO_RETRY, expect=DELETED
            )
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
        dry_run: bool = False,
        build_hash: str | None = None,
    ) -> SaveResult:
        """``POST /api/dashboards/db`` of ``document`` as the successor of ``base_version``
        (None: a new dashboard). Never retried here: every success adds a version.

        Raises ``VersionConflictError`` when the live version is no longer ``base_version``
        (412 version-mismatch; 409 on Grafana 13); a 412 that means something else
        (``name-exists``, ``plugin-dashboard``) is raised as it is.
        """
        if dry_run:
            raise ValueError("the classic API has no dry run (validates_writes is False)")
        body: dict[str, Any] = {
            "dashboard": _save_model(document, uid, base_version),
            "overwrite": overwrite,
            "message": message,
            # An update without folderUid moves the dashboard to General (§2), so always
            # send it; "" addresses General.
            "folderUid": folder_uid or "",
        }
        try:
            answer = self.client.post("/api/dashboards/db", json=body, retry=NO_RETRY, expect=SAVED)
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


class DashboardsAhead:
    """The dashboards read ahead: each taken once (``NotReadAhead``: read it yourself)."""

    def __init__(self, ahead: ReadAhead, paths: Mapping[str, str]) -> None:
        self._ahead = ahead
        self._paths = paths  # uid → the path it was read ahead at

    def take(self, uid: str) -> LiveDashboard | None:
        try:
            body = self._ahead.take(self._paths.get(uid) or _dashboard_path(uid))
        except NotFoundError:
            return None
        return _live(body)

    def close(self) -> None:
        self._ahead.close()


class LoginAhead:
    """``current_login``'s answer, read ahead: taken once (asked again as ``current_login``
    would when the read ahead failed as a retry would)."""

    def __init__(self, ahead: ReadAhead, ask: Callable[[], str | None]) -> None:
        self._ahead = ahead
        self._ask = ask

    def take(self) -> str | None:
        try:
            return admin.user_from(self._ahead.take(admin.USER_PATH)).login or None
        except NotReadAhead:
            return self._ask()
        except GrafanaError:
            return None  # (as ``current_login``: the history decides)

    def close(self) -> None:
        self._ahead.close()


def _dashboard_path(uid: str) -> str:
    return f"/api/dashboards/uid/{uid_path(uid)}"


def _live(body: Mapping[str, Any]) -> LiveDashboard:
    dashboard = dict(body.get("dashboard") or {})
    meta = dict(body.get("meta") or {})
    return LiveDashboard(
        dashboard=dashboard,
        version=int(meta.get("version") or dashboard.get("version") or 0),
        # General is reported as "" (or missing) depending on the version.
        folder_uid=meta.get("folderUid") or None,
        updated_by=str(meta.get("updatedBy") or ""),
        url=str(meta.get("url") or ""),
        updated=str(meta.get("updated") or ""),
        manager=_manager(meta),
    )

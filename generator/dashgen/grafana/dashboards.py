"""Dashboard, folder, search and version-history endpoints (see grafana-api.md §2-§5).

Thin typed wrappers over ``GrafanaClient``: they build paths and bodies and turn
"not found" into ``None`` where absence is an ordinary answer. Retrying policy is
the caller's choice (``retry=``); the save is never retried blindly by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from dashgen.errors import NotFoundError, ServerError
from dashgen.grafana.client import NO_RETRY, GrafanaClient, RetryPolicy

SEARCH_PAGE_LIMIT = 5000  # Grafana's maximum (§4); above it answers 422


@dataclass(frozen=True)
class LiveDashboard:
    """A dashboard as GET /api/dashboards/uid/:uid returns it."""

    dashboard: dict[str, Any]
    meta: dict[str, Any]

    @property
    def version(self) -> int:
        return int(self.meta.get("version") or self.dashboard.get("version") or 0)

    @property
    def folder_uid(self) -> str | None:
        # General is reported as "" (or missing) depending on the version.
        return self.meta.get("folderUid") or None

    @property
    def updated_by(self) -> str:
        return str(self.meta.get("updatedBy") or "")

    @property
    def url(self) -> str:
        return str(self.meta.get("url") or "")


@dataclass(frozen=True)
class VersionRecord:
    """One entry of a dashboard's version history (newest first from Grafana)."""

    version: int
    message: str
    created_by: str


@dataclass(frozen=True)
class SaveResult:
    uid: str
    version: int
    url: str


def _uid_path(uid: str) -> str:
    return quote(uid, safe="")


def current_org(client: GrafanaClient) -> dict[str, Any]:
    """GET /api/org: the org the credentials act in (a token's own org)."""
    return dict(client.get("/api/org"))


def get_folder(client: GrafanaClient, uid: str) -> dict[str, Any] | None:
    try:
        return dict(client.get(f"/api/folders/{_uid_path(uid)}"))
    except NotFoundError:
        return None


def create_folder(client: GrafanaClient, uid: str, title: str) -> dict[str, Any]:
    # Creating a folder with a fixed uid is idempotent in effect (a repeat answers 409),
    # so the client's normal retries are safe here.
    return dict(client.post("/api/folders", json={"uid": uid, "title": title}))


def get_dashboard(client: GrafanaClient, uid: str) -> LiveDashboard | None:
    try:
        body = client.get(f"/api/dashboards/uid/{_uid_path(uid)}")
    except NotFoundError:
        return None
    return LiveDashboard(
        dashboard=dict(body.get("dashboard") or {}), meta=dict(body.get("meta") or {})
    )


def search_dashboard_uids(client: GrafanaClient) -> set[str]:
    """Every dashboard uid the search index knows in the caller's org (all pages).

    The 12.x index is eventually consistent: use the answer to save work, never to
    decide that a dashboard does not exist.
    """
    uids: set[str] = set()
    page = 1
    while True:
        hits = client.get(
            "/api/search",
            params={"type": "dash-db", "limit": SEARCH_PAGE_LIMIT, "page": page},
        )
        hits = hits or []
        uids.update(str(hit["uid"]) for hit in hits if hit.get("uid"))
        if len(hits) < SEARCH_PAGE_LIMIT:
            return uids
        page += 1


def version_record(client: GrafanaClient, uid: str, version: int) -> VersionRecord | None:
    """One version record, with the message it was saved with, or None when missing.

    Use this rather than the list: the list shows "Initial save" for a first version and
    "Restored from version N" for restores, whatever message was saved (Grafana's handler
    rewrites them); the single-version route returns the stored message.
    """
    path = f"/api/dashboards/uid/{_uid_path(uid)}/versions/{int(version)}"
    try:
        record = client.get(path)
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


def save_dashboard(
    client: GrafanaClient,
    dashboard: Mapping[str, Any],
    *,
    folder_uid: str | None,
    message: str,
    overwrite: bool = False,
    retry: RetryPolicy = NO_RETRY,
) -> SaveResult:
    """POST /api/dashboards/db. ``dashboard`` must already carry ``id`` and ``version``.

    Not idempotent (every success adds a version), hence ``NO_RETRY`` by default.
    """
    body: dict[str, Any] = {
        "dashboard": dict(dashboard),
        "overwrite": overwrite,
        "message": message,
    }
    # An update without folderUid moves the dashboard to General (§2), so always send it;
    # "" addresses General.
    body["folderUid"] = folder_uid or ""
    answer = client.post("/api/dashboards/db", json=body, retry=retry)
    return SaveResult(
        uid=str(answer.get("uid") or dashboard.get("uid") or ""),
        version=int(answer.get("version") or 0),
        url=str(answer.get("url") or ""),
    )

"""GET /api/search (contract §4). Results are consistent immediately after a write."""

from __future__ import annotations

from typing import Any

from dashgen.testing.auth import require_role
from dashgen.testing.model import Dashboard, Folder, slugify
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message

MAX_LIMIT = 5000


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def _folder_hit(folder: Folder) -> dict[str, Any]:
    hit: dict[str, Any] = {
        "id": folder.id,
        "uid": folder.uid,
        "orgId": folder.org_id,
        "title": folder.title,
        "uri": f"db/{slugify(folder.title)}",
        "url": folder.url,
        "slug": slugify(folder.title),
        "type": "dash-folder",
        "tags": [],
        "isStarred": False,
        "sortMeta": 0,
        "isDeleted": False,
    }
    if folder.parent_uid:
        hit["folderUid"] = folder.parent_uid
    return hit


def _dashboard_hit(dashboard: Dashboard, folder: Folder | None) -> dict[str, Any]:
    hit: dict[str, Any] = {
        "id": dashboard.id,
        "uid": dashboard.uid,
        "orgId": dashboard.org_id,
        "title": dashboard.title,
        "uri": f"db/{dashboard.slug}",
        "url": dashboard.url,
        "slug": dashboard.slug,
        "type": "dash-db",
        "tags": dashboard.tags,
        "isStarred": False,
        "sortMeta": 0,
        "isDeleted": False,
    }
    if folder is not None:
        hit.update(
            folderId=folder.id, folderUid=folder.uid, folderTitle=folder.title, folderUrl=folder.url
        )
    return hit


def search(ctx: Context) -> Response:
    require_role(ctx.caller, "Viewer", "dashboards:read", ctx.state)
    request = ctx.request
    limit = _int(request.arg("limit"), 1000)
    if limit > MAX_LIMIT:
        raise message(
            422,
            "Limit is above maximum allowed (5000), use page parameter to access hits beyond limit",
        )
    if (request.args("dashboardIds") and request.args("dashboardUIDs")) or (
        request.args("folderIds") and request.args("folderUIDs")
    ):
        raise message(400, "search supports UIDs or IDs, not both")
    org_id = ctx.caller.org_id
    wanted_type = request.arg("type")
    text = (request.arg("query") or "").lower()
    tags = set(request.args("tag"))
    folder_uids = request.args("folderUIDs")
    roots = {None if u in ("", "general") else u for u in folder_uids}
    dashboard_uids = set(request.args("dashboardUIDs") + request.args("dashboardUID"))

    hits: list[tuple[int, str, dict[str, Any]]] = []
    if wanted_type in (None, "", "dash-folder") and not tags and not dashboard_uids:
        for folder in ctx.state.folders.values():
            if folder.org_id != org_id or text not in folder.title.lower():
                continue
            if folder_uids and folder.parent_uid not in roots:
                continue
            hits.append((0, folder.title.lower(), _folder_hit(folder)))
    if wanted_type in (None, "", "dash-db"):
        for dashboard in ctx.state.dashboards.values():
            if dashboard.org_id != org_id or text not in dashboard.title.lower():
                continue
            if folder_uids and dashboard.folder_uid not in roots:
                continue
            if tags and not tags <= set(dashboard.tags):
                continue
            if dashboard_uids and dashboard.uid not in dashboard_uids:
                continue
            folder = ctx.state.folder(org_id, dashboard.folder_uid or "")
            hits.append((1, dashboard.title.lower(), _dashboard_hit(dashboard, folder)))
    hits.sort(key=lambda h: (h[0], h[1]))
    if request.arg("sort") == "alpha-desc":
        hits.sort(key=lambda h: h[1], reverse=True)
    page = max(1, _int(request.arg("page"), 1))
    window = hits[(page - 1) * limit : page * limit]
    return Response(200, [hit for _, _, hit in window])


ROUTES = [Route("GET", "/api/search", search)]

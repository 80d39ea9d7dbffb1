"""GET /api/search (contract §4, §14.8). Results are consistent immediately after a write."""

from __future__ import annotations

import re
from typing import Any

from dashgen.testing import permissions
from dashgen.testing.model import Dashboard, Folder
from dashgen.testing.router import Context, Route
from dashgen.testing.routes.dashboards import star_owner
from dashgen.testing.wire import Response, message

MAX_LIMIT = 5000
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def _int(raw: str | None, default: int) -> int:
    return int(raw) if raw and _INTEGER.match(raw) else default


def _ints(raw: list[str]) -> set[int]:
    """Repeated integer parameters; values that do not parse are skipped, as Grafana does."""
    return {int(value) for value in raw if _INTEGER.match(value)}


def _folder_hit(folder: Folder, starred: bool) -> dict[str, Any]:
    hit: dict[str, Any] = {
        "id": folder.id,
        "uid": folder.uid,
        "orgId": folder.org_id,
        "title": folder.title,
        "uri": f"db/{folder.slug}",
        "url": folder.url,
        "slug": folder.slug,
        "type": "dash-folder",
        "tags": [],
        "isStarred": starred,
        "sortMeta": 0,
        "isDeleted": False,
    }
    if folder.parent_uid:
        hit["folderUid"] = folder.parent_uid
    return hit


def _dashboard_hit(dashboard: Dashboard, folder: Folder | None, starred: bool) -> dict[str, Any]:
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
        "isStarred": starred,
        "sortMeta": 0,
        "isDeleted": False,
    }
    if folder is not None:
        hit.update(
            folderId=folder.id, folderUid=folder.uid, folderTitle=folder.title, folderUrl=folder.url
        )
    return hit


def _check(ctx: Context) -> None:
    request = ctx.request
    if _int(request.arg("limit"), 1000) > MAX_LIMIT:
        raise message(
            422,
            "Limit is above maximum allowed (5000), use page parameter to access hits beyond limit",
        )
    if (request.args("dashboardIds") and request.args("dashboardUIDs")) or (
        request.args("folderIds") and request.args("folderUIDs")
    ):
        raise message(400, "search supports UIDs or IDs, not both")


def search(ctx: Context) -> Response:
    permissions.require_member(ctx.state, ctx.caller, "dashboards:read")
    _check(ctx)
    request, state, caller = ctx.request, ctx.state, ctx.caller
    if request.bool_arg("deleted"):
        if not caller.has_role("Admin"):
            raise message(401, "Unauthorized")
        return Response(200, [])  # nothing is ever soft-deleted here (no dashboard restore)
    org_id = caller.org_id
    wanted_type = request.arg("type")
    text = (request.arg("query") or "").lower()
    tags = set(request.args("tag"))
    folder_uids = request.args("folderUIDs")
    roots = {None if u in ("", "general") else u for u in folder_uids}
    folder_ids = _ints(request.args("folderIds"))
    dashboard_uids = set(request.args("dashboardUIDs") + request.args("dashboardUID"))
    dashboard_ids = _ints(request.args("dashboardIds"))
    only_starred = request.bool_arg("starred")
    minimum = permissions.EDIT if request.arg("permission") == "Edit" else permissions.VIEW
    owner = star_owner(ctx)

    def in_folders(parent_uid: str | None) -> bool:
        if folder_uids and parent_uid not in roots:
            return False
        if folder_ids:
            parent = state.folder(org_id, parent_uid) if parent_uid else None
            return (parent.id if parent else 0) in folder_ids
        return True

    hits: list[tuple[int, str, dict[str, Any]]] = []
    # Folders are rows of the dashboard table to the uid and id filters
    # (searchstore.DashboardFilter: ``dashboard.uid IN (...)``, no type): they match too.
    if wanted_type in (None, "", "dash-folder") and not tags and not only_starred:
        for folder in state.folders.values():
            if folder.org_id != org_id or text not in folder.title.lower():
                continue
            if (dashboard_uids and folder.uid not in dashboard_uids) or (
                dashboard_ids and folder.id not in dashboard_ids
            ):
                continue
            if not in_folders(folder.parent_uid):
                continue
            if permissions.folder_level(state, caller, org_id, folder.uid) < minimum:
                continue
            hits.append((0, folder.title.lower(), _folder_hit(folder, False)))
    if wanted_type in (None, "", "dash-db"):
        for dashboard in state.dashboards.values():
            if dashboard.org_id != org_id or text not in dashboard.title.lower():
                continue
            starred = (org_id, owner, dashboard.id) in state.stars
            if (
                not in_folders(dashboard.folder_uid)
                or (tags and not tags <= set(dashboard.tags))
                or (dashboard_uids and dashboard.uid not in dashboard_uids)
                or (dashboard_ids and dashboard.id not in dashboard_ids)
                or (only_starred and not starred)
                or permissions.dashboard_level(state, caller, dashboard) < minimum
            ):
                continue
            folder = state.folder(org_id, dashboard.folder_uid or "")
            hits.append((1, dashboard.title.lower(), _dashboard_hit(dashboard, folder, starred)))
    sort = request.arg("sort")
    if sort in ("alpha-asc", "alpha-desc"):
        # An explicit sort orders by title only: folders are not moved first (§14.8).
        hits.sort(key=lambda h: h[1], reverse=sort == "alpha-desc")
    else:
        hits.sort(key=lambda h: (h[0], h[1]))
    limit = _int(request.arg("limit"), 1000)
    limit = limit if limit > 0 else 1000
    page = max(1, _int(request.arg("page"), 1))
    window = hits[(page - 1) * limit : page * limit]
    return Response(200, [hit for _, _, hit in window])


ROUTES = [Route("GET", "/api/search", search)]

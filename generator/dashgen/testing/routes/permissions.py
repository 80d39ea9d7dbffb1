"""Dashboard and folder permissions: ``GET|POST /api/dashboards/uid/:uid/permissions`` and
``GET|POST /api/folders/:uid/permissions`` (§14.12; ``pkg/api/dashboard_permission.go``).

``POST`` replaces the list: entries not named any more are removed. Reading and changing
need Admin on the resource (its creator, or an org Admin).
"""

from __future__ import annotations

from typing import Any

from dashgen.testing import permissions
from dashgen.testing.binding import INT, LIST, STRING, Field, bind
from dashgen.testing.model import Dashboard, Folder
from dashgen.testing.permissions import ADMIN
from dashgen.testing.router import Context, Route
from dashgen.testing.routes.dashboards import existing_dashboard
from dashgen.testing.routes.folders import existing_folder
from dashgen.testing.wire import Response, message

_ITEM = (
    Field("userId", INT),
    Field("teamId", INT),
    Field("role", STRING, pointer=True),
    Field("permission", INT),
)
UPDATE_FIELDS = (Field("items", LIST, items=_ITEM),)


def _items(ctx: Context) -> list[dict[str, Any]]:
    """The bound items, checked as ``validatePermissionsUpdate`` does (its two messages
    are swapped in Grafana's source; they are reproduced as Grafana sends them)."""
    items = bind(ctx.request.body, UPDATE_FIELDS)["items"]
    for item in items:
        if item["userId"] > 0 and item["teamId"] > 0:
            raise message(400, "team and user permissions cannot have an associated role")
        if (item["userId"] > 0 or item["teamId"] > 0) and item["role"] is not None:
            raise message(400, "permissions cannot have both a user and team")
    return items


def _listing(ctx: Context, resource: Dashboard | Folder) -> Response:
    return Response(200, [permissions.acl_dto(ctx.state, resource, e) for e in resource.acl])


def _update(ctx: Context, resource: Dashboard | Folder, items: list[dict[str, Any]]) -> None:
    """Replace the entries; an item Grafana cannot grant to is its 500, whose message
    differs: "Failed to update permissions" for a dashboard (``dashboard_permission.go``),
    "Failed to create permission" for a folder (``folder_permission.go``)."""
    entries = permissions.set_entries(ctx.state, resource.org_id, resource.acl, items)
    if entries is None:
        folder = isinstance(resource, Folder)
        raise message(
            500, "Failed to create permission" if folder else "Failed to update permissions"
        )
    resource.acl = entries


def get_dashboard_permissions(ctx: Context) -> Response:
    return _listing(ctx, existing_dashboard(ctx, ADMIN, "dashboards.permissions:read"))


def post_dashboard_permissions(ctx: Context) -> Response:
    dashboard = existing_dashboard(ctx, ADMIN, "dashboards.permissions:write")
    _update(ctx, dashboard, _items(ctx))
    return Response(200, {"message": "Dashboard permissions updated"})


def get_folder_permissions(ctx: Context) -> Response:
    return _listing(ctx, existing_folder(ctx, ADMIN, "folders.permissions:read"))


def post_folder_permissions(ctx: Context) -> Response:
    folder = existing_folder(ctx, ADMIN, "folders.permissions:write")
    _update(ctx, folder, _items(ctx))
    return Response(200, {"message": "Folder permissions updated"})


ROUTES = [
    Route("GET", "/api/dashboards/uid/{uid}/permissions", get_dashboard_permissions),
    Route("POST", "/api/dashboards/uid/{uid}/permissions", post_dashboard_permissions),
    Route("GET", "/api/folders/{uid}/permissions", get_folder_permissions),
    Route("POST", "/api/folders/{uid}/permissions", post_folder_permissions),
]

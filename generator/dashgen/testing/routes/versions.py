"""Dashboard version history: GET /api/dashboards/uid/:uid/versions[/:version]."""

from __future__ import annotations

from typing import Any

from dashgen.testing import permissions
from dashgen.testing.model import Dashboard, VersionRecord
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message


def version_dto(dashboard: Dashboard, record: VersionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "dashboardId": dashboard.id,
        "uid": dashboard.uid,
        "parentVersion": record.parent_version,
        "restoredFrom": 0,
        "version": record.version,
        "created": record.created,
        "message": record.message,
        "data": None,
        "createdBy": record.created_by,
    }


def listed_version_dto(ctx: Context, dashboard: Dashboard, record: VersionRecord) -> dict[str, Any]:
    """The list shows "Initial save" for a first version, whatever message it was saved with."""
    dto = version_dto(dashboard, record)
    if record.parent_version == 0:
        dto["message"] = "Initial save"
    if ctx.profile.versions_list_data:
        dto["data"] = dict(record.data)
    return dto


def _int_arg(ctx: Context, name: str, default: int) -> int:
    try:
        value = int(ctx.request.arg(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


def _savable_dashboard(ctx: Context, dashboard: Dashboard | None) -> Dashboard:
    """The versions routes are ``dashboards:write``-gated: below Edit, the RBAC deny body
    (§14.4)."""
    if dashboard is None:
        raise message(404, "Dashboard not found")
    level = permissions.dashboard_level(ctx.state, ctx.caller, dashboard)
    permissions.require(ctx.state, level, permissions.EDIT, "dashboards:write")
    return dashboard


def _versions_body(ctx: Context, dashboard: Dashboard) -> Response:
    limit = _int_arg(ctx, "limit", 1000)
    start = _int_arg(ctx, "start", 0)
    newest_first = list(reversed(dashboard.versions))[start : start + limit]
    versions = [listed_version_dto(ctx, dashboard, r) for r in newest_first]
    if not ctx.profile.versions_as_object:
        return Response(200, versions)
    return Response(200, {"continueToken": "", "versions": versions})


def list_versions(ctx: Context) -> Response:
    permissions.require_member(ctx.state, ctx.caller, "dashboards:write")
    dashboard = ctx.state.dashboard(ctx.caller.org_id, ctx.params["uid"])
    return _versions_body(ctx, _savable_dashboard(ctx, dashboard))


def list_versions_by_id(ctx: Context) -> Response:
    """The deprecated id route (gone in 13.0)."""
    permissions.require_member(ctx.state, ctx.caller, "dashboards:write")
    wanted = ctx.params["dashboard_id"]
    if not wanted.isdigit():
        raise message(400, "dashboardId is invalid")
    dashboard = ctx.state.dashboard_by_id(ctx.caller.org_id, int(wanted))
    return _versions_body(ctx, _savable_dashboard(ctx, dashboard))


def get_version(ctx: Context) -> Response:
    permissions.require_member(ctx.state, ctx.caller, "dashboards:write")
    dashboard = _savable_dashboard(ctx, ctx.state.dashboard(ctx.caller.org_id, ctx.params["uid"]))
    wanted = ctx.params["version"]
    record = next((r for r in dashboard.versions if str(r.version) == wanted), None)
    if record is None:
        raise message(
            500, f"Dashboard version {_as_number(wanted)} not found for dashboardId {dashboard.id}"
        )
    return Response(200, version_dto(dashboard, record) | {"data": dict(record.data)})


def _as_number(raw: str) -> int:
    return int(raw) if raw.isdigit() else 0


ROUTES = [
    Route("GET", "/api/dashboards/uid/{uid}/versions", list_versions),
    Route("GET", "/api/dashboards/uid/{uid}/versions/{version}", get_version),
]
# The deprecated id-based route, gone in 13.0.
ID_ROUTES = [Route("GET", "/api/dashboards/id/{dashboard_id}/versions", list_versions_by_id)]

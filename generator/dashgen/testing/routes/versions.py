"""Dashboard version history: ``GET /api/dashboards/uid/:uid/versions[/:version]``,
``POST /api/dashboards/uid/:uid/restore``, and the deprecated ``/api/dashboards/id/:id/…``
routes (versions, one version, restore, permissions; gone in 13.0)."""

from __future__ import annotations

from typing import Any

from dashgen.testing import dashboards, permissions
from dashgen.testing.binding import INT, Field, bind
from dashgen.testing.dashboards import SaveCommand
from dashgen.testing.model import Dashboard, VersionRecord
from dashgen.testing.router import Context, Handler, Route
from dashgen.testing.routes import permissions as permission_routes
from dashgen.testing.wire import Response, message

# dtos.RestoreDashboardVersionCommand: ``Version int `binding:"Required"` ``
RESTORE_FIELDS = (Field("version", INT, required=True),)


def version_dto(dashboard: Dashboard, record: VersionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "dashboardId": dashboard.id,
        "uid": dashboard.uid,
        "parentVersion": record.parent_version,
        "restoredFrom": record.restored_from,
        "version": record.version,
        "created": record.created,
        "message": record.message,
        "data": None,
        "createdBy": record.created_by,
    }


def listed_version_dto(ctx: Context, dashboard: Dashboard, record: VersionRecord) -> dict[str, Any]:
    """The list shows "Initial save" for a first version, whatever message it was saved with."""
    dto = version_dto(dashboard, record)
    if record.restored_from > 0:
        dto["message"] = f"Restored from version {record.restored_from}"
    elif record.parent_version == 0:
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


def restore_version(ctx: Context) -> Response:
    """``RestoreDashboardVersion`` (pkg/api/dashboard.go): the version's data is saved again
    over the current version, in the dashboard's folder, with the message ``Restored from
    version N``; the answer is the save's. An unknown version is 404."""
    permissions.require_member(ctx.state, ctx.caller, "dashboards:write")
    wanted = bind(ctx.request.body, RESTORE_FIELDS)["version"]
    dashboard = _savable_dashboard(ctx, ctx.state.dashboard(ctx.caller.org_id, ctx.params["uid"]))
    record = next((r for r in dashboard.versions if r.version == wanted), None)
    if record is None:
        raise message(404, "Dashboard version not found")
    data = dict(record.data) | {"version": dashboard.version, "uid": dashboard.uid}
    saved = dashboards.save(
        ctx.state,
        ctx.profile,
        SaveCommand(
            org_id=ctx.caller.org_id,
            dashboard=data,
            saved_by=ctx.caller.saved_by,
            identity=ctx.caller,
            folder_uid=dashboard.folder_uid,
            message=f"Restored from version {record.version}",
            restored_from=record.version,
        ),
    )
    return Response(200, dashboards.save_response(saved))


def by_id(handler: Handler) -> Handler:
    """A uid route's handler behind its deprecated ``/api/dashboards/id/:dashboardId`` twin:
    a non-number is 400 ``dashboardId is invalid``, an unknown id 404."""

    def resolved(ctx: Context) -> Response:
        wanted = ctx.params.pop("dashboard_id")
        if not wanted.isdigit():
            raise message(400, "dashboardId is invalid")
        dashboard = ctx.state.dashboard_by_id(ctx.caller.org_id, int(wanted))
        if dashboard is None:
            raise message(404, "Dashboard not found")
        ctx.params["uid"] = dashboard.uid
        return handler(ctx)

    return resolved


ROUTES = [
    Route("GET", "/api/dashboards/uid/{uid}/versions", list_versions),
    Route("GET", "/api/dashboards/uid/{uid}/versions/{version}", get_version),
    Route("POST", "/api/dashboards/uid/{uid}/restore", restore_version),
]
# The deprecated id-based routes, gone in 13.0.
_ID = "/api/dashboards/id/{dashboard_id}"
ID_ROUTES = [
    Route("GET", _ID + "/versions", by_id(list_versions)),
    Route("GET", _ID + "/versions/{version}", by_id(get_version)),
    Route("POST", _ID + "/restore", by_id(restore_version)),
    Route("GET", _ID + "/permissions", by_id(permission_routes.get_dashboard_permissions)),
    Route("POST", _ID + "/permissions", by_id(permission_routes.post_dashboard_permissions)),
]

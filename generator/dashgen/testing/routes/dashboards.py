"""Dashboard routes: save, get, delete, version history (contract §2, §3)."""

from __future__ import annotations

from typing import Any

from dashgen.testing import dashboards
from dashgen.testing.auth import require_role
from dashgen.testing.dashboards import SaveCommand
from dashgen.testing.model import Dashboard
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message

SAVE_EVALUATOR = "any of dashboards:create, dashboards:write"


def parse_save_body(ctx: Context) -> SaveCommand:
    body = ctx.request.json_body()
    if not isinstance(body, dict) or not isinstance(body.get("dashboard", {}), dict):
        raise message(400, "bad request data")
    if body.get("isFolder") is True:
        raise message(400, "Use folders endpoint for saving folders.")
    folder_id = body.get("folderId")
    return SaveCommand(
        org_id=ctx.caller.org_id,
        dashboard=body.get("dashboard") or {},
        saved_by=ctx.caller.saved_by,
        folder_uid=str(body.get("folderUid") or "") or None,
        folder_id=folder_id if isinstance(folder_id, int) and folder_id > 0 else None,
        overwrite=body.get("overwrite") is True,
        message=str(body.get("message") or ""),
    )


def post_dashboard(ctx: Context) -> Response:
    require_role(ctx.caller, "Editor", SAVE_EVALUATOR, ctx.state)
    saved = dashboards.save(ctx.state, ctx.profile, parse_save_body(ctx))
    return Response(200, dashboards.save_response(saved))


def _visible_dashboard(ctx: Context) -> Dashboard:
    require_role(ctx.caller, "Viewer", "dashboards:read", ctx.state)
    dashboard = ctx.state.dashboard(ctx.caller.org_id, ctx.params["uid"])
    if dashboard is None:
        raise message(404, "Dashboard not found")
    return dashboard


def dashboard_meta(ctx: Context, dashboard: Dashboard) -> dict[str, Any]:
    folder = ctx.state.folder(dashboard.org_id, dashboard.folder_uid or "")
    can_edit = ctx.caller.has_role("Editor")
    return {
        "type": "db",
        "canSave": can_edit,
        "canEdit": can_edit,
        "canAdmin": ctx.caller.has_role("Admin"),
        "canStar": True,  # Grafana sets it for any signed-in identity
        "canDelete": can_edit,
        "slug": dashboard.slug,
        "url": dashboard.url,
        "expires": "0001-01-01T00:00:00Z",
        "created": dashboard.created,
        "updated": dashboard.updated,
        "updatedBy": dashboard.updated_by,
        "createdBy": dashboard.created_by,
        "version": dashboard.version,
        "hasAcl": False,
        "isFolder": False,
        "folderId": folder.id if folder else 0,
        "folderUid": folder.uid if folder else "",
        "folderTitle": folder.title if folder else "General",
        "folderUrl": folder.url if folder else "",
        "provisioned": False,
        "provisionedExternalId": "",
        "annotationsPermissions": {
            "dashboard": {"canAdd": can_edit, "canEdit": can_edit, "canDelete": can_edit},
            "organization": {"canAdd": can_edit, "canEdit": can_edit, "canDelete": can_edit},
        },
        "isStarred": False,
    }


def get_dashboard(ctx: Context) -> Response:
    dashboard = _visible_dashboard(ctx)
    body = {"dashboard": dict(dashboard.data), "meta": dashboard_meta(ctx, dashboard)}
    return Response(200, body)


def delete_dashboard(ctx: Context) -> Response:
    require_role(ctx.caller, "Editor", "dashboards:delete", ctx.state)
    deleted = dashboards.delete(ctx.state, ctx.caller.org_id, ctx.params["uid"])
    body = {"title": deleted.title, "message": f"Dashboard {deleted.title} deleted"}
    body["uid"] = deleted.uid
    return Response(200, body)


ROUTES = [
    Route("POST", "/api/dashboards/db", post_dashboard),
    Route("GET", "/api/dashboards/uid/{uid}", get_dashboard),
    Route("DELETE", "/api/dashboards/uid/{uid}", delete_dashboard),
]

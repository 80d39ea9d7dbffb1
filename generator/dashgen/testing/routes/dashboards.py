"""Dashboard routes: save, get, delete, tags, stars (contract §2, §3, §14.2, §14.12)."""

from __future__ import annotations

from typing import Any

from dashgen.testing import dashboards, library, permissions
from dashgen.testing.binding import ANY, BOOL, INT, STRING, TIME, Field, bind
from dashgen.testing.dashboards import SaveCommand
from dashgen.testing.model import Dashboard
from dashgen.testing.permissions import EDIT, VIEW
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message

SAVE_EVALUATOR = "any of dashboards:create, dashboards:write"
# SaveDashboardCommand's JSON fields (the json:"-" ones cannot be sent).
SAVE_FIELDS = (
    Field("dashboard", ANY),  # binding:"Required": checked by presence, see parse_save_body
    Field("userId", INT),
    Field("overwrite", BOOL),
    Field("message", STRING),
    Field("folderId", INT),
    Field("folderUid", STRING),
    Field("isFolder", BOOL),
    Field("UpdatedAt", TIME),  # an untagged time.Time: a bad value fails the whole body
)


def parse_save_body(ctx: Context) -> SaveCommand:
    body = bind(ctx.request.body, SAVE_FIELDS)
    # No "dashboard" at all is 400; "dashboard": null goes on to the empty-name error (§14.2).
    if "dashboard" not in body.present:
        raise message(400, "bad request data")
    if body["isFolder"]:
        raise message(400, "Use folders endpoint for saving folders.")
    return SaveCommand(
        org_id=ctx.caller.org_id,
        dashboard=body["dashboard"],
        saved_by=ctx.caller.saved_by,
        identity=ctx.caller,
        folder_uid=body["folderUid"] or None,
        folder_id=body["folderId"] if body["folderId"] > 0 else None,
        overwrite=body["overwrite"],
        message=body["message"],
    )


def post_dashboard(ctx: Context) -> Response:
    level = permissions.level_anywhere(ctx.state, ctx.caller, ctx.caller.org_id)
    permissions.require(ctx.state, level, EDIT, SAVE_EVALUATOR)
    command = parse_save_body(ctx)
    saved = dashboards.save(ctx.state, ctx.profile, command)
    library.connect(ctx.state, command.org_id, command.dashboard)  # (stored even if it fails)
    return Response(200, dashboards.save_response(saved))


def existing_dashboard(ctx: Context, minimum: int, evaluator: str) -> Dashboard:
    """The dashboard of the ``uid`` parameter: 404 when missing, the RBAC deny body when the
    caller's permission on it is below ``minimum``."""
    return _dashboard_and_level(ctx, minimum, evaluator)[0]


def _dashboard_and_level(ctx: Context, minimum: int, evaluator: str) -> tuple[Dashboard, int]:
    """``existing_dashboard`` and the caller's permission on it (the state lock is held for
    the whole handler, so the level cannot change before the answer is built)."""
    permissions.require_member(ctx.state, ctx.caller, evaluator)
    dashboard = ctx.state.dashboard(ctx.caller.org_id, ctx.params["uid"])
    if dashboard is None:
        raise message(404, "Dashboard not found")
    level = permissions.dashboard_level(ctx.state, ctx.caller, dashboard)
    permissions.require(ctx.state, level, minimum, evaluator)
    return dashboard, level


def is_starred(ctx: Context, dashboard: Dashboard) -> bool:
    return (dashboard.org_id, star_owner(ctx), dashboard.id) in ctx.state.stars


def star_owner(ctx: Context) -> str:
    return f"{ctx.caller.kind}:{ctx.caller.id}"


def dashboard_meta(ctx: Context, dashboard: Dashboard, level: int) -> dict[str, Any]:
    """The ``meta`` of ``GET /api/dashboards/uid/:uid``; ``level``: the caller's permission.

    In ``dtos.DashboardMeta``'s field order (Go writes a struct's fields in order), which
    starts with ``isStarred,omitempty``: there only when the caller starred it."""
    folder = ctx.state.folder(dashboard.org_id, dashboard.folder_uid or "")
    can_edit = level >= EDIT
    starred = {"isStarred": True} if is_starred(ctx, dashboard) else {}
    return {
        **starred,
        "type": "db",
        "canSave": can_edit,
        "canEdit": can_edit,
        "canAdmin": level >= permissions.ADMIN,
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
        "provisioned": dashboards.is_provisioned(dashboard),
        "provisionedExternalId": dashboard.provisioned_external_id or "",
        "annotationsPermissions": {
            "dashboard": {"canAdd": can_edit, "canEdit": can_edit, "canDelete": can_edit},
            "organization": {"canAdd": can_edit, "canEdit": can_edit, "canDelete": can_edit},
        },
    }


def get_dashboard(ctx: Context) -> Response:
    dashboard, level = _dashboard_and_level(ctx, VIEW, "dashboards:read")
    if dashboard.api_version.startswith("v2"):  # grafana-apis.md §7.1: v2 is /apis only
        namespace = "default" if dashboard.org_id == 1 else f"org-{dashboard.org_id}"
        url = (
            f"/apis/dashboard.grafana.app/{dashboard.api_version}/namespaces/{namespace}"
            f"/dashboards/{dashboard.uid}"
        )
        raise message(406, f"dashboard api version not supported, use {url} instead")
    # (``dtos.DashboardFullWithMeta``: meta, then the dashboard)
    body = {"meta": dashboard_meta(ctx, dashboard, level), "dashboard": dict(dashboard.data)}
    return Response(200, body)


def delete_dashboard(ctx: Context) -> Response:
    permissions.require_member(ctx.state, ctx.caller, "dashboards:delete")
    uid = ctx.params["uid"]
    existing = ctx.state.dashboard(ctx.caller.org_id, uid)
    if existing is not None:
        level = permissions.dashboard_level(ctx.state, ctx.caller, existing)
        permissions.require(ctx.state, level, EDIT, "dashboards:delete")
    deleted = dashboards.delete(ctx.state, ctx.caller.org_id, uid)
    body = {"title": deleted.title, "message": f"Dashboard {deleted.title} deleted"}
    body["uid"] = deleted.uid
    return Response(200, body)


def dashboard_tags(ctx: Context) -> Response:
    """``GET /api/dashboards/tags``: every tag of the org's dashboards with its count,
    ordered by term (the legacy SQL query: no per-dashboard permission filter)."""
    permissions.require_member(ctx.state, ctx.caller, "dashboards:read")
    counts: dict[str, int] = {}
    for dashboard in ctx.state.dashboards.values():
        if dashboard.org_id == ctx.caller.org_id:
            for tag in dashboard.tags:
                counts[tag] = counts.get(tag, 0) + 1
    return Response(200, [{"term": term, "count": counts[term]} for term in sorted(counts)])


def star_dashboard(ctx: Context) -> Response:
    dashboard = existing_dashboard(ctx, VIEW, "dashboards:read")
    ctx.state.stars.add((dashboard.org_id, star_owner(ctx), dashboard.id))
    return Response(200, {"message": "Dashboard starred!"})


def unstar_dashboard(ctx: Context) -> Response:
    dashboard = existing_dashboard(ctx, VIEW, "dashboards:read")
    ctx.state.stars.discard((dashboard.org_id, star_owner(ctx), dashboard.id))
    return Response(200, {"message": "Dashboard unstarred"})


ROUTES = [
    Route("POST", "/api/dashboards/db", post_dashboard),
    Route("GET", "/api/dashboards/tags", dashboard_tags),
    Route("GET", "/api/dashboards/uid/{uid}", get_dashboard),
    Route("DELETE", "/api/dashboards/uid/{uid}", delete_dashboard),
    Route("POST", "/api/user/stars/dashboard/uid/{uid}", star_dashboard),
    Route("DELETE", "/api/user/stars/dashboard/uid/{uid}", unstar_dashboard),
]

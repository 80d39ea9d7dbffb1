"""POST /api/dashboards/import: fill ``${NAME}`` inputs, strip export keys, save (contract §9)."""

from __future__ import annotations

import re
from typing import Any

from dashgen.testing import dashboards
from dashgen.testing.auth import require_role
from dashgen.testing.dashboards import SaveCommand
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
EXPORT_KEYS = ("__inputs", "__requires", "__elements")


def _input_values(template: dict[str, Any], inputs: list[Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for declared in template.get("__inputs") or []:
        if not isinstance(declared, dict):
            continue
        name, kind = declared.get("name"), declared.get("type")
        if declared.get("pluginId") == "__expr__":
            values[str(name)] = "__expr__"
            continue
        given = next(
            (
                i
                for i in inputs
                if isinstance(i, dict) and i.get("type") == kind and i.get("name") in (name, "*")
            ),
            None,
        )
        if given is None:
            # A plain error in Grafana, not a DashboardErr, so it surfaces as a generic 500.
            raise message(500, "Failed to save dashboard")
        values[str(name)] = str(given.get("value") or "")
    return values


def fill_placeholders(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), node)
    if isinstance(node, list):
        return [fill_placeholders(item, values) for item in node]
    if isinstance(node, dict):
        return {key: fill_placeholders(value, values) for key, value in node.items()}
    return node


def import_dashboard(ctx: Context) -> Response:
    require_role(ctx.caller, "Editor", "dashboards:create", ctx.state)
    body = ctx.request.json_body()
    if not isinstance(body, dict):
        raise message(400, "bad request data")
    template = body.get("dashboard")
    if not isinstance(template, dict) or not template:
        raise message(422, "Dashboard must be set")
    inputs = body.get("inputs") if isinstance(body.get("inputs"), list) else []
    filled = fill_placeholders(template, _input_values(template, inputs))
    for key in EXPORT_KEYS:
        filled.pop(key, None)
    folder_id = body.get("folderId")
    saved = dashboards.save(
        ctx.state,
        ctx.profile,
        SaveCommand(
            org_id=ctx.caller.org_id,
            dashboard=filled,
            saved_by=ctx.caller.saved_by,
            folder_uid=str(body.get("folderUid") or "") or None,
            folder_id=folder_id if isinstance(folder_id, int) and folder_id > 0 else None,
            overwrite=body.get("overwrite") is True,
        ),
    )
    folder = ctx.state.folder(saved.org_id, saved.folder_uid or "")
    result = {
        "uid": saved.uid,
        "pluginId": str(body.get("pluginId") or ""),
        "title": saved.title,
        "imported": True,
        "importedUri": f"db/{saved.slug}",
        "importedUrl": saved.url,
        "slug": saved.slug,
        "dashboardId": saved.id,
        "folderId": folder.id if folder else 0,
        "folderUid": saved.folder_uid or "",
        "description": "",
        "path": str(body.get("path") or ""),
        "removed": False,
    }
    return Response(200, result)


ROUTES = [Route("POST", "/api/dashboards/import", import_dashboard)]

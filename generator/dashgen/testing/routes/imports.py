"""POST /api/dashboards/import: fill ``${NAME}`` inputs, strip export keys, save (contract §9)."""

from __future__ import annotations

import re
from typing import Any

from dashgen.testing import dashboards, permissions
from dashgen.testing.binding import ANY, BOOL, INT, LIST, STRING, Field, bind
from dashgen.testing.dashboards import SaveCommand
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
EXPORT_KEYS = ("__inputs", "__requires", "__elements")
_INPUT = (
    Field("type", STRING),
    Field("pluginId", STRING),
    Field("name", STRING),
    Field("value", STRING),
)
# ImportDashboardRequest's JSON fields.
IMPORT_FIELDS = (
    Field("pluginId", STRING),
    Field("path", STRING),
    Field("overwrite", BOOL),
    Field("dashboard", ANY),
    Field("inputs", LIST, items=_INPUT),
    Field("folderId", INT),
    Field("folderUid", STRING),
)


def _input_values(template: dict[str, Any], inputs: list[dict[str, Any]]) -> dict[str, str]:
    values: dict[str, str] = {}
    declared_inputs = template.get("__inputs")
    for declared in declared_inputs if isinstance(declared_inputs, list) else []:
        if not isinstance(declared, dict):
            continue
        name, kind = declared.get("name"), declared.get("type")
        if declared.get("pluginId") == "__expr__":
            values[str(name)] = "__expr__"
            continue
        given = next(
            (i for i in inputs if i["type"] == kind and i["name"] in (name, "*")),
            None,
        )
        if given is None:
            # A plain error in Grafana, not a DashboardErr, so it surfaces as a generic 500.
            raise message(500, "Failed to save dashboard")
        values[str(name)] = given["value"]
    return values


def _fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def fill_placeholders(node: Any, values: dict[str, str]) -> Any:
    """A copy of ``node`` with every ``${NAME}`` of ``values`` filled in (no recursion: the
    template may be nested as deep as Go's decoder allows)."""
    if not isinstance(node, dict | list):
        return _fill(node, values) if isinstance(node, str) else node
    root: Any = {} if isinstance(node, dict) else []
    work = [(node, root)]
    while work:
        source, target = work.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(value, dict | list):
                copy: Any = {} if isinstance(value, dict) else []
                work.append((value, copy))
                value = copy
            elif isinstance(value, str):
                value = _fill(value, values)
            if isinstance(target, dict):
                target[key] = value
            else:
                target.append(value)
    return root


def import_dashboard(ctx: Context) -> Response:
    level = permissions.level_anywhere(ctx.state, ctx.caller, ctx.caller.org_id)
    permissions.require(ctx.state, level, permissions.EDIT, "dashboards:create")
    body = bind(ctx.request.body, IMPORT_FIELDS)
    template = body["dashboard"]
    if not body["pluginId"] and template is None:
        raise message(422, "Dashboard must be set")
    if not isinstance(template, dict):
        template = {}  # simplejson answers nothing for a non-object: an untitled dashboard
    filled = fill_placeholders(template, _input_values(template, body["inputs"]))
    for key in EXPORT_KEYS:
        filled.pop(key, None)
    saved = dashboards.save(
        ctx.state,
        ctx.profile,
        SaveCommand(
            org_id=ctx.caller.org_id,
            dashboard=filled,
            saved_by=ctx.caller.saved_by,
            identity=ctx.caller,
            folder_uid=body["folderUid"] or None,
            folder_id=body["folderId"] if body["folderId"] > 0 else None,
            overwrite=body["overwrite"],
        ),
    )
    folder = ctx.state.folder(saved.org_id, saved.folder_uid or "")
    result = {
        "uid": saved.uid,
        "pluginId": body["pluginId"],
        "title": saved.title,
        "imported": True,
        "importedUri": f"db/{saved.slug}",
        "importedUrl": saved.url,
        "slug": saved.slug,
        "dashboardId": saved.id,
        "folderId": folder.id if folder else 0,
        "folderUid": saved.folder_uid or "",
        "description": "",
        "path": body["path"],
        "removed": False,
    }
    return Response(200, result)


ROUTES = [Route("POST", "/api/dashboards/import", import_dashboard)]

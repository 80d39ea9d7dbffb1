"""One built dashboard → the data its preview page draws (plain JSON-able dicts).

The layout is chosen through ``LAYOUT_KINDS``: a schema v2 output (``preview.v2``: by the
manifest's ``schema``, or by ``elements`` + ``layout``) is drawn as its nested v2 layout;
anything else as the classic ``panels``/``gridPos`` grid (legacy ``rows`` are drawn as
Grafana's v16 migration turns them into a grid). Each kind has its renderer in
``static/`` (``Dashgen.layouts[kind]``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from dashgen.build import BuiltDashboard
from dashgen.model.legacy_rows import convert_legacy_rows, has_legacy_rows
from dashgen.model.normalize import iter_panels
from dashgen.preview.grid import grid_layout
from dashgen.preview.v2 import count_elements, is_v2, schema_of, v2_layout
from dashgen.preview.v2_elements import classic_header

Layout = dict[str, Any]


def _classic_grid(built: BuiltDashboard, dashboard: dict[str, Any]) -> Layout:
    notes = []
    if has_legacy_rows(dashboard) and dashboard["rows"]:
        dashboard = convert_legacy_rows(dashboard)
        notes.append(
            "legacy rows (schemaVersion < 16): drawn as Grafana's v16 migration converts them "
            "when it loads the dashboard"
        )
    panels = dashboard.get("panels")
    layout = grid_layout(panels if isinstance(panels, list) else [])
    layout["notes"] = notes
    return layout


Matcher = Callable[[BuiltDashboard, dict[str, Any]], bool]
# (does this dashboard use the layout?, make it); the first that matches draws the page.
LAYOUT_KINDS: list[tuple[Matcher, Callable[[BuiltDashboard, dict[str, Any]], Layout]]] = [
    (is_v2, v2_layout),
    (lambda built, dashboard: True, _classic_grid),
]


def page_model(
    built: BuiltDashboard, dashboard: dict[str, Any], *, grafana_url: str | None
) -> dict[str, Any]:
    layout = next(
        make(built, dashboard) for matches, make in LAYOUT_KINDS if matches(built, dashboard)
    )
    v2 = is_v2(built, dashboard)
    return {
        **summary(built, dashboard),
        "header": header(classic_header(dashboard) if v2 else dashboard),
        "layout": layout,
        "links": links(built, grafana_url),
    }


def summary(built: BuiltDashboard, dashboard: dict[str, Any]) -> dict[str, Any]:
    """What the index lists about a dashboard."""
    tags = dashboard.get("tags")
    v2 = is_v2(built, dashboard)
    return {
        "org": built.org,
        "uid": built.uid,
        "title": built.title,
        "folder": built.folder,
        "source": built.source.as_posix(),
        "tags": [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        "panels": count_elements(dashboard) if v2 else count_panels(dashboard),
        "page": page_path(built),
        "schema": schema_of(built, dashboard),
    }


def count_panels(dashboard: dict[str, Any]) -> int:
    """Panels that are not rows, those inside collapsed rows (and legacy rows) included."""
    panels = dashboard.get("panels")
    count = 0
    if isinstance(panels, list):
        count = sum(1 for p in iter_panels(panels) if p.get("type") != "row")
    rows = dashboard.get("rows")
    if isinstance(rows, list):
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("panels"), list):
                count += sum(1 for p in row["panels"] if isinstance(p, dict))
    return count


def header(dashboard: dict[str, Any]) -> dict[str, Any]:
    time = dashboard.get("time") if isinstance(dashboard.get("time"), dict) else {}
    return {
        "variables": [_variable(v) for v in _variables(dashboard)],
        "time": {"from": _text(time.get("from")), "to": _text(time.get("to"))},
        "refresh": _text(dashboard.get("refresh")),
        "timezone": _text(dashboard.get("timezone")),
        "description": _text(dashboard.get("description")),
    }


def links(built: BuiltDashboard, grafana_url: str | None) -> dict[str, str | None]:
    return {
        "json": f"/build/{_quoted(built.org)}/{_quoted(built.uid)}.json",
        "grafana": f"{grafana_url.rstrip('/')}/d/{built.uid}" if grafana_url else None,
    }


def _variables(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    return [v for v in variables if isinstance(v, dict)] if isinstance(variables, list) else []


_HIDE = {1: "label hidden", 2: "hidden"}


def _variable(variable: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": _text(variable.get("name")) or "?",
        "label": _text(variable.get("label")),
        "type": _text(variable.get("type")),
        "value": _current_value(variable),
        "hide": _HIDE.get(variable.get("hide")),  # type: ignore[arg-type]
        "multi": bool(variable.get("multi")),
        "includeAll": bool(variable.get("includeAll")),
    }


def _current_value(variable: dict[str, Any]) -> str | None:
    current = variable.get("current")
    if isinstance(current, dict):
        text = current.get("text", current.get("value"))
        if isinstance(text, list):
            return ", ".join(str(t) for t in text) or None
        if isinstance(text, str | int | float) and str(text):
            return str(text)
    query = variable.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    return str(query) if isinstance(query, str | int | float) and str(query) else None


def page_path(built: BuiltDashboard) -> str:
    return f"/d/{_quoted(built.org)}/{_quoted(built.uid)}"


def _quoted(name: str) -> str:
    return quote(name, safe="")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

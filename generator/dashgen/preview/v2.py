"""A schema v2 dashboard's ``layout`` (with its ``elements``) as preview page data.

The page data is a tree of nodes, each drawn by ``static/v2.js``:

- ``grid`` (GridLayout): the classic grid's own data (``preview.grid``: 24 columns, items
  at ``gridPos`` = the item's x, y, width, height, Grafana's placement, the layout
  warnings), so it is drawn by the classic renderer and looks the same;
- ``rows`` (RowsLayout): rows with title, ``collapsed``, ``hideHeader``, repeat, the
  titles of the panels they hold, and their nested layout;
- ``tabs`` (TabsLayout): tabs with title and nested layout;
- ``autogrid`` (AutoGridLayout): items in the order given, with the column count, column
  width and row height in pixels as Grafana's AutoGridLayoutManager uses them;
- ``unknown``: a layout kind this preview does not know, said as such.

An item whose ``ElementReference`` names no element is kept in its place as
``kind: "missing"`` with the error to show. Rows, tabs and items have a ``key`` unique on
the page (their path in the tree: ``L.r0.t1.i2``); a nested layout has its row's or tab's
key. The page remembers opened rows and chosen tabs by key across rebuilds.
"""

from __future__ import annotations

from typing import Any

from dashgen.build import BuiltDashboard
from dashgen.preview.grid import grid_layout
from dashgen.preview.v2_elements import (
    LIBRARY_PANEL,
    PANEL,
    classic_panel,
    element_title,
    element_type,
)

V2_KIND = "v2"
MAX_DEPTH = 16  # nested rows/tabs deeper than this are not drawn (a cycle cannot occur in JSON)
# Grafana's AutoGridLayoutManager: named column widths and row heights in pixels
COLUMN_WIDTHS = {"narrow": 192, "standard": 448, "wide": 768}
ROW_HEIGHTS = {"short": 168, "standard": 320, "tall": 512}
DEFAULT_MAX_COLUMNS = 3


def is_v2(built: BuiltDashboard, dashboard: dict[str, Any]) -> bool:
    """A v2 output: by the manifest's schema, or by its shape (``elements`` + ``layout``)."""
    return built.is_v2 or ("elements" in dashboard and "layout" in dashboard)


def schema_of(built: BuiltDashboard, dashboard: dict[str, Any]) -> str:
    """The manifest's schema; "v2" for a v2-shaped output the manifest calls v1."""
    return built.schema if built.is_v2 or not is_v2(built, dashboard) else "v2"


def v2_layout(built: BuiltDashboard, dashboard: dict[str, Any]) -> dict[str, Any]:
    elements = dashboard.get("elements")
    elements = elements if isinstance(elements, dict) else {}
    walk = _Walk(elements)
    layout = dashboard.get("layout")
    notes = []
    if layout is None:
        notes.append("this v2 dashboard has no layout: none of its elements is placed")
        root: dict[str, Any] = {"kind": "grid", "key": "L", "items": []}
    else:
        root = walk.node(layout, "L", 0)
    unplaced = [name for name in elements if name not in walk.placed]
    if unplaced:
        notes.append(
            f"{len(unplaced)} element{'s' * (len(unplaced) != 1)} not placed by the layout "
            f"(Grafana does not show {'them' if len(unplaced) != 1 else 'it'}): "
            + ", ".join(unplaced)
        )
    return {"kind": V2_KIND, "schema": schema_of(built, dashboard), "root": root, "notes": notes}


def count_elements(dashboard: dict[str, Any]) -> int:
    elements = dashboard.get("elements")
    if not isinstance(elements, dict):
        return 0
    kinds = (PANEL, LIBRARY_PANEL)
    return sum(1 for e in elements.values() if isinstance(e, dict) and e.get("kind") in kinds)


class _Walk:
    def __init__(self, elements: dict[str, Any]) -> None:
        self.elements = elements
        self.placed: set[str] = set()

    def node(self, layout: Any, key: str, depth: int) -> dict[str, Any]:
        layout = _dict(layout)
        kind = layout.get("kind")
        spec = _dict(layout.get("spec"))
        if depth > MAX_DEPTH:
            return _unknown(key, kind, f"layouts nested deeper than {MAX_DEPTH} are not drawn")
        if kind == "GridLayout":
            return self._grid(spec, key)
        if kind == "RowsLayout":
            return self._rows(spec, key, depth)
        if kind == "TabsLayout":
            return self._tabs(spec, key, depth)
        if kind == "AutoGridLayout":
            return self._auto_grid(spec, key)
        return _unknown(key, kind, "this preview cannot draw this layout kind")

    def _grid(self, spec: dict[str, Any], key: str) -> dict[str, Any]:
        items = [_dict(_dict(i).get("spec")) for i in _list(spec.get("items"))]
        names = [self._reference(item) for item in items]
        panels = []
        for item, name in zip(items, names, strict=True):
            panel = classic_panel(self.elements.get(name), item) if name in self.elements else {}
            panel["gridPos"] = {
                "x": item.get("x"),
                "y": item.get("y"),
                "w": item.get("width"),
                "h": item.get("height"),
            }
            panels.append(panel)
        node = grid_layout(panels, prefix=f"{key}.i")
        for drawn, name in zip(node["items"], names, strict=True):
            self._finish(drawn, name)
        return {**node, "key": key}

    def _auto_grid(self, spec: dict[str, Any], key: str) -> dict[str, Any]:
        items = [_dict(_dict(i).get("spec")) for i in _list(spec.get("items"))]
        names = [self._reference(item) for item in items]
        panels = [
            classic_panel(self.elements.get(name), item) if name in self.elements else {}
            for item, name in zip(items, names, strict=True)
        ]
        drawn_items = grid_layout(panels, prefix=f"{key}.i")["items"]
        for drawn, name in zip(drawn_items, names, strict=True):
            drawn.pop("grafana", None)
            drawn["warnings"] = []  # no positions, so no overlap or bounds to warn about
            self._finish(drawn, name)
        width_mode = _text(spec.get("columnWidthMode")) or "standard"
        height_mode = _text(spec.get("rowHeightMode")) or "standard"
        return {
            "kind": "autogrid",
            "key": key,
            "maxColumnCount": _positive(spec.get("maxColumnCount"), DEFAULT_MAX_COLUMNS),
            "columnWidthMode": width_mode,
            "columnWidth": _size(width_mode, spec.get("columnWidth"), COLUMN_WIDTHS),
            "rowHeightMode": height_mode,
            "rowHeight": _size(height_mode, spec.get("rowHeight"), ROW_HEIGHTS),
            "fillScreen": bool(spec.get("fillScreen")),
            "items": drawn_items,
        }

    def _rows(self, spec: dict[str, Any], key: str, depth: int) -> dict[str, Any]:
        rows = []
        for index, row in enumerate(_list(spec.get("rows"))):
            row_spec = _dict(_dict(row).get("spec"))
            flags = {
                "collapsed": bool(row_spec.get("collapse")),
                "hideHeader": bool(row_spec.get("hideHeader")),
            }
            rows.append(self._section(row_spec, f"{key}.r{index}", depth, flags))
        return {"kind": "rows", "key": key, "rows": rows}

    def _tabs(self, spec: dict[str, Any], key: str, depth: int) -> dict[str, Any]:
        tabs = []
        for index, tab in enumerate(_list(spec.get("tabs"))):
            tab_spec = _dict(_dict(tab).get("spec"))
            tabs.append(self._section(tab_spec, f"{key}.t{index}", depth, {}))
        return {"kind": "tabs", "key": key, "tabs": tabs}

    def _section(
        self, spec: dict[str, Any], key: str, depth: int, flags: dict[str, bool]
    ) -> dict[str, Any]:
        """A row or a tab: its title, ``flags``, repeat and the layout it holds."""
        layout = self.node(spec.get("layout"), key, depth + 1)
        return {
            "key": key,
            "title": _text(spec.get("title")),
            **flags,
            "repeat": _repeat(spec.get("repeat")),
            "panels": _panel_names(layout),
            "layout": layout,
        }

    def _reference(self, item: dict[str, Any]) -> str | None:
        name = _dict(item.get("element")).get("name")
        return name if isinstance(name, str) else None

    def _finish(self, drawn: dict[str, Any], name: str | None) -> None:
        drawn["element"] = name
        if name in self.elements:
            self.placed.add(name)  # type: ignore[arg-type]
            element = self.elements[name]
            drawn["title"] = element_title(element)
            drawn["type"] = element_type(element)
            if _dict(element).get("kind") not in (PANEL, LIBRARY_PANEL):
                drawn["warnings"] = [*drawn["warnings"], f'element "{name}" is of an unknown kind']
            return
        drawn["kind"] = "missing"
        drawn["title"] = name
        drawn["type"] = None
        drawn["error"] = (
            f'the layout refers to element "{name}", which is not in elements'
            if name is not None
            else "a layout item without an element reference"
        )


def _panel_names(node: dict[str, Any]) -> list[str]:
    """``title (type)`` of every panel a node holds, nested ones included, in order."""
    names = []
    for item in node.get("items", []):
        names.append(f"{item.get('title') or '(no title)'} ({item.get('type') or 'no type'})")
    for child in [*node.get("rows", []), *node.get("tabs", [])]:
        names.extend(_panel_names(child["layout"]))
    return names


def _unknown(key: str, kind: Any, message: str) -> dict[str, Any]:
    shown = kind if isinstance(kind, str) and kind else "(no kind)"
    return {"kind": "unknown", "key": key, "layoutKind": shown, "message": message}


def _repeat(value: Any) -> dict[str, Any] | None:
    variable = _dict(value).get("value")
    return {"variable": variable} if isinstance(variable, str) and variable else None


def _size(mode: str, custom: Any, named: dict[str, int]) -> float:
    if mode == "custom" and _positive(custom, 0):
        return _positive(custom, 0)
    return named.get(mode, named["standard"])


def _positive(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return default
    return int(value) if float(value).is_integer() else float(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

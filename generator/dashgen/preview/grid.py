"""The classic dashboard layout (``panels`` with ``gridPos``) as preview items.

Each item keeps its declared ``gridPos``: the page draws it there, on Grafana's grid.
Grafana itself hands the layout to react-grid-layout, which first pulls a panel that
reaches past the 24 columns back inside (``correctBounds``) and then compacts vertically:
every panel rises until it touches the one above, and an overlapping panel is pushed
below what it overlaps. ``grafana_positions`` replays those two steps, so an item whose
place in Grafana differs from its ``gridPos`` says where Grafana will show it.

The layout warnings are ``model.validate.layout_problems``: the build's own checks.
"""

from __future__ import annotations

from typing import Any

from dashgen.model.validate import GRID_COLUMNS, layout_problems
from dashgen.preview.panels import (
    datasource_text,
    first_query,
    library_panel,
    repeat_info,
    text_content,
)

GRID_KIND = "grid"
ROW_HEIGHT = 1  # Grafana draws every row panel as one grid unit high and full width


def grid_layout(panels: list[Any], *, prefix: str = "p") -> dict[str, Any]:
    """``{"kind": "grid", "items": [...]}`` for a dashboard's top-level ``panels`` (item
    keys ``<prefix><index>``)."""
    items = _items(panels, prefix=prefix)
    moved = grafana_positions([item["gridPos"] for item in items])
    for item, position in zip(items, moved, strict=True):
        if position != (item["gridPos"]["x"], item["gridPos"]["y"]):
            item["grafana"] = {"x": position[0], "y": position[1]}
    return {"kind": GRID_KIND, "items": items}


def _items(panels: list[Any], *, prefix: str) -> list[dict[str, Any]]:
    warnings: dict[int, list[str]] = {}
    for index, problem in layout_problems(panels):
        warnings.setdefault(index, []).append(problem.message)
    items = []
    for index, panel in enumerate(panels):
        if not isinstance(panel, dict):
            continue
        item = _item(panel, f"{prefix}{index}", warnings.get(index, []))
        items.append(item)
    return items


def _item(panel: dict[str, Any], key: str, warnings: list[str]) -> dict[str, Any]:
    is_row = panel.get("type") == "row"
    grid = _grid_pos(panel.get("gridPos"), is_row=is_row)
    item: dict[str, Any] = {
        "key": key,
        "kind": "row" if is_row else "panel",
        "id": panel.get("id"),
        "title": _text(panel.get("title")),
        "type": _text(panel.get("type")),
        "gridPos": grid,
        "warnings": warnings,
        "repeat": repeat_info(panel),
    }
    if is_row:
        item["collapsed"] = bool(panel.get("collapsed"))
        children = panel.get("panels")
        item["children"] = _items(children, prefix=f"{key}.") if isinstance(children, list) else []
        return item
    item.update(
        datasource=datasource_text(panel),
        query=first_query(panel),
        text=text_content(panel),
        library=library_panel(panel),
        transparent=bool(panel.get("transparent")),
        description=_text(panel.get("description")),
    )
    return item


def _grid_pos(grid: Any, *, is_row: bool) -> dict[str, float]:
    grid = grid if isinstance(grid, dict) else {}
    position = {key: _number(grid.get(key), default) for key, default in _DEFAULTS.items()}
    if is_row:  # as Grafana's DashboardGrid does, whatever the JSON says
        position.update(x=0, w=GRID_COLUMNS, h=ROW_HEIGHT)
    return position


_DEFAULTS = {"x": 0, "y": 0, "w": 12, "h": 8}


def grafana_positions(grids: list[dict[str, float]]) -> list[tuple[float, float]]:
    """(x, y) where Grafana's grid shows each box: bounds corrected, compacted upwards."""
    boxes = []
    for grid in grids:
        x, w = grid["x"], grid["w"]
        if x + w > GRID_COLUMNS:
            x = GRID_COLUMNS - w
        if x < 0:
            x, w = 0, GRID_COLUMNS
        boxes.append([x, grid["y"], w, grid["h"]])
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    placed: list[list[float]] = []
    for index in order:
        box = boxes[index]
        box[1] = min(box[1], max((b[1] + b[3] for b in placed), default=0))
        while box[1] > 0 and not _first_collision(placed, box):
            box[1] -= 1  # may step into a box: the loop below then puts it just under it
        while collision := _first_collision(placed, box):
            box[1] = collision[1] + collision[3]
        placed.append(box)
    return [(box[0], box[1]) for box in boxes]


def _first_collision(placed: list[list[float]], box: list[float]) -> list[float] | None:
    x, y, w, h = box
    for other in placed:
        ox, oy, ow, oh = other
        if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
            return other
    return None


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return int(value) if float(value).is_integer() else float(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

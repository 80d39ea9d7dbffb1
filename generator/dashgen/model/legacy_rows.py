"""Opt-in conversion of legacy ``rows`` (schemaVersion < 16) into a flat ``panels`` grid.

This is Grafana's schema v16 migration (``upgradeToGridLayout`` in the frontend's
``DashboardMigrator.ts``, mirrored by the backend's
``apps/dashboard/pkg/migration/schemaversion/v16.go``), so a converted dashboard has the
layout Grafana itself would give it:

- every row of the old model is a band of ``height`` pixels (default 250), turned into grid
  units as Grafana does: ``ceil(max(height, 90) / (30 + 8))`` (cell height 30 px, vertical
  margin 8 px, at least 3 cells); a string such as ``"250px"`` is read as 250;
- a panel is ``span * 2`` columns wide on the 24-column grid (span out of 12; a missing or
  zero span is 4, Grafana's default), as high as its row unless it has its own ``height``,
  and placed left to right in its row, next to or under shorter panels, wrapping to a new
  band when the row is full (Grafana's ``RowArea``);
- when at least one row is collapsed, shows its title or repeats, every row becomes a
  ``{"type": "row"}`` panel one grid unit high across all 24 columns, with the next free
  id, its ``title`` and ``repeat`` (when set), ``collapsed`` (when the old row said) and
  ``panels``: a collapsed row keeps its panels nested there, positioned as if it were open;
- rows that are repeat iterations (``repeatIteration``) are dropped, ``span`` is removed,
  ``minSpan`` becomes ``min(24, minSpan * 2)``;
- ids as Grafana gives them: row panels take max id + 1, + 2, ... in row order (the max over
  the ids in every row, repeat iterations included, and the top-level panels:
  ``upgradeToGridLayout``'s ``nextRowId``); a panel without an id is left alone by the
  migration and gets the next free id from ``ensurePanelsHaveUniqueIds`` afterwards, in
  the order of the sorted panels (a collapsed row's nested panels right after it);
- the panels are ordered top to bottom, left to right, as Grafana orders them on load;
- ``rows`` is deleted and ``schemaVersion`` becomes 16 when it was lower (or missing).

Deliberate differences. The migration itself gives a row panel the old row's height
(``h`` 7 for 250 px), which overlaps the panels under it; Grafana's dashboard grid then
shows every row panel one unit high and writes ``h: 1`` back on save (``DashboardGrid``:
``if (panel.type === 'row') { panelPos.h = 1 }``), so ``h`` is 1 here, as stored
dashboards have it, and the build's overlap check stays quiet. The other differences
never change a well-formed legacy dashboard: Grafana would crash or loop on a span above
12 and give a zero width below 1, so the width is clamped to 1..24. Rows that are not all
row objects with lists of panel objects are not converted at all (the build then reports
them as it does without the option): skipping them would lose them unseen. Panels already
in the top-level ``panels`` list (generators such as grafanalib write both) stay first, and
the converted rows start below them instead of on top of them.
"""

from __future__ import annotations

import math
import re
from typing import Any

from dashgen.model.normalize import (
    _assign_panel_ids,
    copy_json,
    flow_layout,
    has_grid_pos,
    is_panel_id,
)
from dashgen.model.structure import rows_well_formed

GRID_COLUMN_COUNT = 24
GRID_CELL_HEIGHT = 30
GRID_CELL_VMARGIN = 8
DEFAULT_PANEL_SPAN = 4
DEFAULT_ROW_HEIGHT = 250
MIN_PANEL_HEIGHT = GRID_CELL_HEIGHT * 3
GRID_SCHEMA_VERSION = 16

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def has_legacy_rows(dashboard: Any) -> bool:
    """True when ``dashboard`` has a ``rows`` list for the conversion to flatten."""
    return isinstance(dashboard, dict) and isinstance(dashboard.get("rows"), list)


def convert_legacy_rows(dashboard: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``dashboard`` with its legacy ``rows`` converted to grid ``panels``.

    A dashboard without a ``rows`` list comes back as an unchanged copy.
    """
    return convert_legacy_rows_in_place(copy_json(dashboard))


def convert_legacy_rows_in_place(dashboard: dict[str, Any]) -> dict[str, Any]:
    """``convert_legacy_rows`` for a dict the caller owns: no copy."""
    rows = dashboard.get("rows")
    if not isinstance(rows, list) or not rows_well_formed(dashboard):
        return dashboard  # malformed rows stay, for validation to name (nothing is dropped)
    version = dashboard.get("schemaVersion")
    if not _is_number(version) or version < GRID_SCHEMA_VERSION:
        dashboard["schemaVersion"] = GRID_SCHEMA_VERSION
    existing = dashboard.get("panels")
    panels: list[Any] = existing if isinstance(existing, list) else []
    del dashboard["rows"]
    if rows:
        _upgrade_to_grid_layout(rows, panels)
    dashboard["panels"] = panels
    return dashboard


def _upgrade_to_grid_layout(rows: list[Any], panels: list[Any]) -> None:
    row_dicts = [row for row in rows if isinstance(row, dict)]
    next_id = _max_panel_id(row_dicts, panels) + 1
    y_pos = _bottom_of(panels)
    show_rows = any(
        _truthy(row.get("collapse")) or _truthy(row.get("showTitle")) or _truthy(row.get("repeat"))
        for row in row_dicts
    )
    for row in row_dicts:
        if _truthy(row.get("repeatIteration")):
            continue
        row_height = _grid_height(_pixels(row.get("height")) or DEFAULT_ROW_HEIGHT)
        collapsed = _truthy(row.get("collapse"))
        row_panels = [p for p in _list(row.get("panels")) if isinstance(p, dict)]
        row_panel: dict[str, Any] | None = None
        if show_rows:
            row_panel = {"id": next_id, "type": "row", "panels": []}
            for key in ("title", "repeat"):
                if isinstance(row.get(key), str) and row[key]:
                    row_panel[key] = row[key]
            if "collapse" in row:
                row_panel["collapsed"] = collapsed
            row_panel["gridPos"] = {"x": 0, "y": y_pos, "w": GRID_COLUMN_COUNT, "h": 1}
            next_id += 1
            y_pos += 1

        area = _RowArea(row_height, y_pos)
        for panel in row_panels:
            span = _number(panel.get("span")) or DEFAULT_PANEL_SPAN
            min_span = _number(panel.get("minSpan"))
            if min_span is not None and min_span > 0:
                panel["minSpan"] = int(min(GRID_COLUMN_COUNT, min_span * GRID_COLUMN_COUNT / 12))
            width = max(1, min(GRID_COLUMN_COUNT, math.floor(span) * GRID_COLUMN_COUNT // 12))
            own_height = _pixels(panel.get("height"))
            height = _grid_height(own_height) if own_height else row_height
            x, y = area.place(height, width)
            y_pos = area.y_pos
            panel["gridPos"] = {"x": x, "y": y_pos + y, "w": width, "h": height}
            area.add(panel["gridPos"])
            panel.pop("span", None)
            if row_panel is not None and collapsed:
                row_panel["panels"].append(panel)
            else:
                panels.append(panel)

        if row_panel is not None:
            panels.append(row_panel)
        if not (row_panel is not None and collapsed):
            y_pos += row_height
    # Grafana's DashboardModel.sortPanelsByGridPos: a row panel goes before its panels.
    panels.sort(key=_grid_order)
    # The migration leaves a panel without an id as it is; Grafana's ensurePanelsHaveUniqueIds
    # then gives it max id + 1 in panelIterator order (each panel, then a row's nested ones),
    # row panels' ids included: what normalize's id pass does on the sorted list.
    _assign_panel_ids(panels)


class _RowArea:
    """One band of the old row: how far down each of the 24 columns is filled."""

    def __init__(self, height: int, y_pos: int) -> None:
        self.area = [0] * GRID_COLUMN_COUNT
        self.y_pos = y_pos
        self.height = height

    def add(self, grid: dict[str, int]) -> None:
        bottom = grid["y"] + grid["h"] - self.y_pos
        for column in range(grid["x"], min(grid["x"] + grid["w"], GRID_COLUMN_COUNT)):
            if bottom > self.area[column]:
                self.area[column] = bottom

    def place(self, height: int, width: int) -> tuple[int, int]:
        """(x, y within the band) for a panel; starts a new band when this one is full."""
        found = self._free_run(width)
        if found is None:
            self.y_pos += self.height
            self.area = [0] * GRID_COLUMN_COUNT
            found = self._free_run(width)
        assert found is not None  # an empty band holds any width up to 24
        return found

    def _free_run(self, width: int) -> tuple[int, int] | None:
        # Grafana scans from the right: the free columns whose fill does not rise leftwards.
        start = end = None
        for i in range(GRID_COLUMN_COUNT - 1, -1, -1):
            if self.height - self.area[i] <= 0:
                break
            if end is None:
                end = i
            elif self.area[i] <= self.area[i + 1]:
                start = i
            else:
                break
        if start is None or end is None or end - start < width - 1:
            return None
        return start, max(self.area[start:])


def _grid_order(panel: Any) -> tuple[float, float]:
    if isinstance(panel, dict) and has_grid_pos(panel):
        return panel["gridPos"]["y"], panel["gridPos"]["x"]
    return math.inf, math.inf


def _max_panel_id(rows: list[dict[str, Any]], panels: list[Any]) -> int:
    ids = [p.get("id") for row in rows for p in _list(row.get("panels")) if isinstance(p, dict)]
    ids += [p.get("id") for p in panels if isinstance(p, dict)]
    return max((i for i in ids if is_panel_id(i)), default=0)


def _bottom_of(panels: list[Any]) -> int:
    """Where converted rows start: below the panels already in the top-level list."""
    if not panels:
        return 0
    flow_layout(panels)  # what normalize would give them anyway: a prefix's layout is fixed
    bottoms = [
        math.ceil(p["gridPos"]["y"] + p["gridPos"]["h"])
        for p in panels
        if isinstance(p, dict) and has_grid_pos(p)
    ]
    return max(bottoms, default=0)


def _grid_height(pixels: float) -> int:
    return math.ceil(max(pixels, MIN_PANEL_HEIGHT) / (GRID_CELL_HEIGHT + GRID_CELL_VMARGIN))


def _pixels(value: Any) -> float | None:
    """A height in pixels: a number, or a string like ``"250px"``; None when unusable."""
    if isinstance(value, str):
        text = value.strip().removesuffix("px")
        number = _number(text)
        if number is None and (match := _LEADING_INT.match(text)):
            number = float(match.group(1))  # JavaScript's parseInt: leading digits
        return number
    return _number(value)


def _number(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if _is_number(value) and math.isfinite(value):
        return value
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _truthy(value: Any) -> bool:
    """JavaScript truthiness, which the frontend migration tests rows with."""
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

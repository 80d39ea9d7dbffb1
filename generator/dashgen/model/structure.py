"""The shape of a dashboard model: the types Grafana relies on, before any value is judged.

Each problem carries a ``pointer`` (the JSON path of the offending value, e.g.
``("panels", 2, "gridPos", "w")``) so a loader that kept the source text can name its line.

Rules (Grafana's dashboard schema: ``GridPos`` is four unsigned integers, ``w`` at most 24
columns, ``x`` below 24; everything else here is what its frontend expects of the types):

- ``title`` a non-empty string; ``panels`` a list of panel objects (a collapsed row's
  ``panels`` too), legacy ``rows`` a list of row objects with a ``panels`` list;
- a panel's ``id`` an integer, ``type`` and ``title`` strings, ``targets`` a list of objects;
- ``gridPos`` an object with integer ``x``, ``y`` ≥ 0, ``w`` 1-24, ``h`` ≥ 1 and ``x`` < 24 (a
  panel reaching past column 24 is a warning of ``model.validate``: Grafana moves it back);
- ``templating.list`` and ``annotations.list`` lists of objects, every variable named;
  ``tags`` a list of strings, ``links`` a list of objects, ``time`` an object with string
  ``from``/``to``, ``schemaVersion`` an integer.

``refresh`` of another type than a string (or false), such as ``60`` or ``true``, is a
warning, not an error: Grafana takes it (the classic save stores it as it is, its refresh
check reading it as ""; the schema 40 migration, frontend and /apis, makes it ""), and it
means no auto-refresh (apps/dashboard/pkg/migration/schemaversion/v40.go).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dashgen.model.problem import ERROR, WARNING, JsonPath, Problem

GRID_COLUMNS = 24
_GRID_KEYS = ("x", "y", "w", "h")


def check_structure(dashboard: dict[str, Any]) -> Iterator[Problem]:
    yield from _check_title(dashboard)
    yield from _check_panels(dashboard.get("panels"), ("panels",), nested=False)
    yield from _check_rows(dashboard)
    yield from _check_lists_of_objects(dashboard)
    yield from _check_scalars(dashboard)


def _check_title(dashboard: dict[str, Any]) -> Iterator[Problem]:
    title = dashboard.get("title")
    if title is None:
        yield Problem(ERROR, 'dashboard has no title: set "title"', pointer=("title",))
    elif not isinstance(title, str):
        yield Problem(ERROR, f"title must be a string, got {shown(title)}", pointer=("title",))
    elif not title.strip():
        yield Problem(ERROR, "dashboard has an empty title", pointer=("title",))


def _check_panels(panels: Any, pointer: JsonPath, *, nested: bool) -> Iterator[Problem]:
    if panels is None:
        return
    name = path_text(pointer)
    if not isinstance(panels, list):
        yield Problem(
            ERROR, f"{name} must be a list of panel objects, got {shown(panels)}", pointer=pointer
        )
        return
    for index, panel in enumerate(panels):
        if type(panel) is dict and _fine_panel(panel):
            continue
        at = (*pointer, index)
        if not isinstance(panel, dict):
            yield Problem(
                ERROR,
                f"{name}[{index}] must be a panel object, got {shown(panel)}",
                pointer=at,
            )
            continue
        yield from _check_panel(panel, at)
        if panel.get("type") == "row" and not nested:
            yield from _check_panels(panel.get("panels"), (*at, "panels"), nested=True)


def _fine_panel(panel: dict[str, Any]) -> bool:
    """The common case, checked fast: nothing ``_check_panel`` would report, and not a row
    (whose nested panels are checked too)."""
    panel_id, kind, title = panel.get("id"), panel.get("type"), panel.get("title")
    targets, grid = panel.get("targets"), panel.get("gridPos")
    return (
        (panel_id is None or type(panel_id) is int)
        and (kind is None or (type(kind) is str and kind != "row"))
        and (title is None or type(title) is str)
        and (targets is None or _objects(targets))
        and (grid is None or _fine_grid(grid))
    )


def _check_panel(panel: dict[str, Any], at: JsonPath) -> Iterator[Problem]:
    panel_id = panel.get("id")
    if panel_id is not None and (type(panel_id) is not int):
        message = f"{panel_label(panel)}: id must be an integer, got {shown(panel_id)}"
        yield Problem(ERROR, message, pointer=(*at, "id"))
    for key in ("type", "title"):
        value = panel.get(key)
        if value is not None and not isinstance(value, str):
            message = f"{panel_label(panel)}: {key} must be a string, got {shown(value)}"
            yield Problem(ERROR, message, pointer=(*at, key))
    targets = panel.get("targets")
    if targets is not None and not _objects(targets):
        yield from _list_of_objects(targets, (*at, "targets"), f"{panel_label(panel)}: targets")
    grid = panel.get("gridPos")
    if grid is not None and not _fine_grid(grid):
        yield from _check_grid_pos(grid, (*at, "gridPos"), panel_label(panel))


def _fine_grid(grid: Any) -> bool:
    """The common case, checked fast: four integers in range, on the grid."""
    if type(grid) is not dict:
        return False
    x, y, w, h = grid.get("x"), grid.get("y"), grid.get("w"), grid.get("h")
    return (
        type(x) is int
        and type(y) is int
        and type(w) is int
        and type(h) is int
        and x >= 0
        and y >= 0
        and w >= 1
        and h >= 1
        and x + w <= GRID_COLUMNS
    )


def _check_grid_pos(grid: Any, at: JsonPath, label: str) -> Iterator[Problem]:
    if not isinstance(grid, dict):
        yield Problem(
            ERROR,
            f"{label}: gridPos must be an object with integers x, y, w and h, got {shown(grid)}",
            pointer=at,
        )
        return
    missing = [key for key in _GRID_KEYS if grid.get(key) is None]
    if missing:
        yield Problem(
            ERROR,
            f"{label}: gridPos has no {', '.join(missing)} (it needs integers x, y, w and h)",
            pointer=at,
        )
    for key in _GRID_KEYS:
        value = grid.get(key)
        if value is None:
            continue
        rule = _grid_rule(key, value)
        if rule:
            yield Problem(
                ERROR,
                f"{label}: gridPos.{key} must be {rule}, got {shown(value)}",
                pointer=(*at, key),
            )
    # A panel that is valid but reaches past column 24 is a warning of model.validate.


# gridPos key → (what it must be, lowest, highest or None)
_GRID_RULES: dict[str, tuple[str, int, int | None]] = {
    "x": ("an integer from 0 to 23", 0, GRID_COLUMNS - 1),
    "y": ("an integer of 0 or more", 0, None),
    "w": ("an integer from 1 to 24", 1, GRID_COLUMNS),
    "h": ("an integer of 1 or more", 1, None),
}


def _grid_rule(key: str, value: Any) -> str | None:
    """What ``value`` fails to be, for gridPos ``key``; None when it is fine."""
    text, low, high = _GRID_RULES[key]
    if type(value) is not int or value < low or (high is not None and value > high):
        return text
    return None


def rows_well_formed(dashboard: dict[str, Any]) -> bool:
    """Whether legacy ``rows`` (when present) are row objects with lists of panel objects:
    what the opt-in conversion needs so that it drops nothing unseen."""
    return next(_check_rows(dashboard), None) is None


def _check_rows(dashboard: dict[str, Any]) -> Iterator[Problem]:
    rows = dashboard.get("rows")
    if rows is None:
        return
    if not isinstance(rows, list):
        message = f"rows must be a list of row objects, got {shown(rows)}"
        yield Problem(ERROR, message, pointer=("rows",))
        return
    for index, row in enumerate(rows):
        at: JsonPath = ("rows", index)
        if not isinstance(row, dict):
            message = f"rows[{index}] must be a row object, got {shown(row)}"
            yield Problem(ERROR, message, pointer=at)
            continue
        panels = row.get("panels")
        if panels is not None:
            yield from _list_of_objects(panels, (*at, "panels"), f"rows[{index}].panels")


def _check_lists_of_objects(dashboard: dict[str, Any]) -> Iterator[Problem]:
    for key in ("templating", "annotations"):
        table = dashboard.get(key)
        if table is None:
            continue
        if not isinstance(table, dict):
            message = f'{key} must be an object with a "list", got {shown(table)}'
            yield Problem(ERROR, message, pointer=(key,))
            continue
        items = table.get("list")
        if items is not None:
            yield from _list_of_objects(items, (key, "list"), f"{key}.list")
        if key == "templating" and isinstance(items, list):
            for index, variable in enumerate(items):
                if isinstance(variable, dict) and not isinstance(variable.get("name"), str):
                    message = (
                        f"templating.list[{index}] (a template variable) needs a string "
                        f"name, got {shown(variable.get('name'))}"
                    )
                    yield Problem(ERROR, message, pointer=("templating", "list", index))
    links = dashboard.get("links")
    if links is not None:
        yield from _list_of_objects(links, ("links",), "links")
    tags = dashboard.get("tags")
    if tags is not None:
        if not isinstance(tags, list):
            message = f"tags must be a list of strings, got {shown(tags)}"
            yield Problem(ERROR, message, pointer=("tags",))
        else:
            for index, tag in enumerate(tags):
                if not isinstance(tag, str):
                    message = f"tags[{index}] must be a string, got {shown(tag)}"
                    yield Problem(ERROR, message, pointer=("tags", index))


def _check_scalars(dashboard: dict[str, Any]) -> Iterator[Problem]:
    time_range = dashboard.get("time")
    if time_range is not None:
        if not isinstance(time_range, dict):
            message = f'time must be an object with "from" and "to", got {shown(time_range)}'
            yield Problem(ERROR, message, pointer=("time",))
        else:
            for key in ("from", "to"):
                value = time_range.get(key)
                if value is not None and not isinstance(value, str):
                    message = f'time.{key} must be a string such as "now-6h", got {shown(value)}'
                    yield Problem(ERROR, message, pointer=("time", key))
    refresh = dashboard.get("refresh")
    if refresh is not None and not isinstance(refresh, str) and refresh is not False:
        message = (
            f'refresh is {shown(refresh)}, not a string such as "30s": Grafana reads it as no '
            'auto-refresh (its schema 40 migration makes it "")'
        )
        yield Problem(WARNING, message, pointer=("refresh",))
    version = dashboard.get("schemaVersion")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        message = f"schemaVersion must be an integer, got {shown(version)}"
        yield Problem(ERROR, message, pointer=("schemaVersion",))


def _objects(value: Any) -> bool:
    return type(value) is list and all(type(item) is dict for item in value)


def _list_of_objects(value: Any, at: JsonPath, name: str) -> Iterator[Problem]:
    if not isinstance(value, list):
        yield Problem(ERROR, f"{name} must be a list of objects, got {shown(value)}", pointer=at)
        return
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            message = f"{name}[{index}] must be an object, got {shown(item)}"
            yield Problem(ERROR, message, pointer=(*at, index))


def path_text(pointer: JsonPath) -> str:
    """``("panels", 0, "panels")`` → ``panels[0].panels``."""
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def panel_label(panel: dict[str, Any]) -> str:
    """``panel 3 "CPU"`` / ``row 4``: how messages name a panel."""
    title = panel.get("title")
    kind = "row" if panel.get("type") == "row" else "panel"
    panel_id = panel.get("id")
    name = f"{kind} {panel_id}" if panel_id is not None else kind
    return f'{name} "{title}"' if isinstance(title, str) and title else name


def shown(value: Any) -> str:
    """A value as a message shows it: numbers as they are, the type of anything else."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{text}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"

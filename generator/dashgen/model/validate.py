"""Pure checks on a normalised dashboard → a list of ``Problem`` (never prints).

Errors fail the build: a model of the wrong shape (``dashgen.model.structure``), an empty
title, an invalid uid, duplicate panel ids. Warnings do not (unless ``--strict``):
overlapping gridPos, a panel reaching past the 24-column grid, a panel id outside 1 to
2**32 - 1, a panel without ``type``, a datasource that names a template variable the
dashboard does not define.
``layout_problems()`` gives the layout warnings of one list of panels with the index of the
panel each is about (the preview highlights those panels). Checks across dashboards
(the same uid from two sources) live in ``dashgen.build.run``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dashgen.model.normalize import UID_MAX_LENGTH, UID_PATTERN
from dashgen.model.problem import ERROR, WARNING, JsonPath, Problem, Severity
from dashgen.model.structure import check_structure, panel_label

__all__ = ["ERROR", "WARNING", "JsonPath", "Problem", "Severity", "validate"]

# $var, ${var}, ${var:format} and the deprecated [[var]] / [[var:format]].
_VARIABLE_REF = re.compile(r"^(?:\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\])$")
_PANEL_ID_MAX = 2**32 - 1  # the schema's ``id?: uint32``

# Variables Grafana provides itself; a datasource may name them without declaring them.
_BUILTIN_VARIABLES = frozenset({"__all", "__dashboard", "__org", "__user", "__interval"})
GRID_COLUMNS = 24  # Grafana's GRID_COLUMN_COUNT
# Grafana's /apis migrates every v1 write to the latest schemaVersion and refuses (422) one
# it cannot migrate from (``inputVersion < MIN_VERSION``, migrate.go); a missing
# schemaVersion reads as 0 (grafana-apis.md §4.6). 12 is the highest of the migrators'
# minimums: 12.x's (12) and 13.x's (9); the emulator's profiles hold the same values.
APIS_MIN_SCHEMA_VERSION = 12


def validate(dashboard: dict[str, Any]) -> list[Problem]:
    """Every problem of one normalised dashboard (without path/line: the caller adds them
    from each problem's ``pointer``)."""
    problems: list[Problem] = list(check_structure(dashboard))
    problems.extend(_check_uid(dashboard))
    problems.extend(_check_schema_version(dashboard))
    panels = dashboard.get("panels")
    if isinstance(panels, list):
        located = panel_pointers(panels)
        problems.extend(_check_panel_ids(located))
        problems.extend(_check_panel_types(located))
        problems.extend(_check_overlaps(panels))
        problems.extend(_check_grid_bounds(located))
        problems.extend(_check_datasources(dashboard, located))
    return problems


def panel_pointers(panels: list[Any]) -> list[tuple[JsonPath, dict[str, Any]]]:
    """Every panel object with its JSON path, nested panels of collapsed rows included."""
    found: list[tuple[JsonPath, dict[str, Any]]] = []
    for index, panel in enumerate(panels):
        if not isinstance(panel, dict):
            continue
        found.append((("panels", index), panel))
        nested = panel.get("panels")
        if panel.get("type") == "row" and isinstance(nested, list):
            found.extend(
                (("panels", index, "panels", inner), child)
                for inner, child in enumerate(nested)
                if isinstance(child, dict)
            )
    return found


def _check_uid(dashboard: dict[str, Any]) -> Iterator[Problem]:
    uid = dashboard.get("uid")
    at: JsonPath = ("uid",)
    if uid is not None and not isinstance(uid, str):
        yield Problem(ERROR, f"uid must be a string, got {uid!r}", pointer=at)
    elif not uid:
        yield Problem(ERROR, "dashboard has no uid", pointer=at)
    elif len(uid) > UID_MAX_LENGTH:
        message = f"uid {uid!r} is {len(uid)} characters; at most 40 are allowed"
        yield Problem(ERROR, message, pointer=at)
    elif not UID_PATTERN.match(uid):
        message = f"uid {uid!r} is invalid: use only letters, digits, '-' and '_'"
        yield Problem(ERROR, message, pointer=at)


def _check_schema_version(dashboard: dict[str, Any]) -> Iterator[Problem]:
    version = dashboard.get("schemaVersion")
    if version is None:
        shown = "has no schemaVersion (Grafana's /apis reads that as 0)"
    elif type(version) is int and version < APIS_MIN_SCHEMA_VERSION:
        shown = f"has schemaVersion {version}"
    else:
        return  # (not an integer: the structure check reports it)
    message = (
        f"dashboard {shown}: Grafana 12 and later refuse it over /apis (422); set "
        f"schemaVersion to {APIS_MIN_SCHEMA_VERSION} or above, or publish with --api classic"
    )
    yield Problem(WARNING, message, pointer=("schemaVersion",) if version is not None else ())


def _check_panel_ids(panels: list[tuple[JsonPath, dict[str, Any]]]) -> Iterator[Problem]:
    seen: dict[int, dict[str, Any]] = {}
    for at, panel in panels:
        panel_id = panel.get("id")
        if type(panel_id) is not int:
            continue  # not an id at all: the structure check reports it
        if not 0 < panel_id <= _PANEL_ID_MAX:
            yield _out_of_range_id(panel, panel_id, (*at, "id"))
        first = seen.setdefault(panel_id, panel)
        if first is not panel:
            yield Problem(
                ERROR,
                f"duplicate panel id {panel_id}: {panel_label(first)} and {panel_label(panel)}",
                subject=_title(panel),
                pointer=(*at, "id"),
            )


def _out_of_range_id(panel: dict[str, Any], panel_id: int, at: JsonPath) -> Problem:
    if panel_id == 0:
        why = (
            "Grafana's dashboard model takes 0 for no id and gives the panel a new one when the "
            "dashboard loads (links with viewPanel=0 break; the next save in the UI changes it)"
        )
    else:
        why = "Grafana's dashboard schema has panel ids from 1 to 4294967295 (uint32)"
    message = f"{panel_label(panel)}: id {panel_id} is not a panel id: {why}"
    return Problem(
        WARNING,
        f"{message}; use a positive id, or leave it out for dashgen to number the panel",
        subject=_title(panel),
        pointer=at,
    )


def _check_panel_types(panels: list[tuple[JsonPath, dict[str, Any]]]) -> Iterator[Problem]:
    for at, panel in panels:
        if not panel.get("type") and "libraryPanel" not in panel:
            yield Problem(
                WARNING, f"{panel_label(panel)} has no type", subject=_title(panel), pointer=at
            )


def layout_problems(panels: list[Any]) -> list[tuple[int, Problem]]:
    """The layout warnings of one list of panels (a dashboard's, or a collapsed row's), each
    with the index in ``panels`` of the panel it is about, in panel order."""
    bounds = [
        (index, problem)
        for index, panel in enumerate(panels)
        if isinstance(panel, dict)
        for problem in _check_grid_bounds([(("panels", index), panel)], invalid_too=True)
    ]
    return sorted([*overlapping_panels(panels), *bounds], key=lambda item: item[0])


def _check_overlaps(panels: list[Any]) -> Iterator[Problem]:
    yield from (problem for _, problem in overlapping_panels(panels))


def overlapping_panels(panels: list[Any]) -> list[tuple[int, Problem]]:
    """Each panel that overlaps an earlier one (top to bottom), reported once, with its index."""
    boxes = [
        (box, index, panel)
        for index, panel in enumerate(panels)
        if isinstance(panel, dict)
        and isinstance(panel.get("gridPos"), dict)
        and (box := _box(panel["gridPos"])) is not None
    ]
    boxes.sort(key=lambda item: (item[0][1], item[1]))  # by y, then document order
    active: list[tuple[tuple[float, float, float, float], int, dict[str, Any]]] = []
    reported: list[tuple[int, Problem]] = []
    for box, index, panel in boxes:
        top = box[1]
        active = [item for item in active if item[0][1] + item[0][3] > top]
        for other_box, _, other in active:
            if _intersects(box, other_box):
                message = f"{panel_label(panel)} overlaps {panel_label(other)} (gridPos)"
                problem = Problem(
                    WARNING, message, subject=_title(panel), pointer=("panels", index, "gridPos")
                )
                reported.append((index, problem))
                break
        active.append((box, index, panel))
    return sorted(reported, key=lambda item: item[0])


def _check_grid_bounds(
    panels: list[tuple[JsonPath, dict[str, Any]]], *, invalid_too: bool = False
) -> Iterator[Problem]:
    """A panel reaching past Grafana's 24 columns: Grafana's grid moves it left (x = 24 - w).
    With ``invalid_too`` (the preview, which draws what it is given), also a panel starting
    left of column 0 or wider than the grid, which react-grid-layout's correctBounds draws
    full width; the build reports those as errors (``dashgen.model.structure``)."""
    for at, panel in panels:
        grid = panel.get("gridPos")
        box = _box(grid) if isinstance(grid, dict) else None
        if box is None or panel.get("type") == "row":
            continue  # Grafana draws every row full width
        x, _, w, _ = box
        if x < 0 or w > GRID_COLUMNS:
            if invalid_too:
                where = f"x {x:g}" if x < 0 else f"w {w:g}"
                yield Problem(
                    WARNING,
                    f"{panel_label(panel)} does not fit the {GRID_COLUMNS}-column grid "
                    f"(gridPos {where}); Grafana draws it full width at x 0",
                    subject=_title(panel),
                    pointer=(*at, "gridPos"),
                )
        elif x + w > GRID_COLUMNS:
            yield Problem(
                WARNING,
                f"{panel_label(panel)} reaches past the {GRID_COLUMNS}-column grid (gridPos x "
                f"{x:g} + w {w:g} = {x + w:g}); Grafana moves it to x {GRID_COLUMNS - w:g}",
                subject=_title(panel),
                pointer=(*at, "gridPos"),
            )


def _check_datasources(
    dashboard: dict[str, Any], panels: list[tuple[JsonPath, dict[str, Any]]]
) -> Iterator[Problem]:
    declared = _variable_names(dashboard) | _BUILTIN_VARIABLES
    undeclared: dict[str, str | None] = {}  # reference text -> the undeclared variable it names

    def undeclared_variable(reference: Any) -> str | None:
        if isinstance(reference, dict):
            reference = reference.get("uid")
        if not isinstance(reference, str):
            return None
        if reference not in undeclared:  # every panel tends to name the same few
            name = _referenced_variable(reference)
            undeclared[reference] = name if name and name not in declared else None
        return undeclared[reference]

    for at, panel in panels:
        found: list[tuple[str, JsonPath]] = []
        name = undeclared_variable(panel.get("datasource"))
        if name:
            found.append((name, (*at, "datasource")))
        targets = panel.get("targets")
        if isinstance(targets, list):
            for i, target in enumerate(targets):
                if isinstance(target, dict):
                    name = undeclared_variable(target.get("datasource"))
                    if name and all(name != known for known, _ in found):
                        found.append((name, (*at, "targets", i, "datasource")))
        for name, pointer in found:
            yield Problem(
                WARNING,
                f"{panel_label(panel)} uses datasource ${name}, but the dashboard "
                "defines no template variable of that name",
                subject=_title(panel),
                pointer=pointer,
            )


def _variable_names(dashboard: dict[str, Any]) -> set[str]:
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    if not isinstance(variables, list):
        return set()
    return {v["name"] for v in variables if isinstance(v, dict) and isinstance(v.get("name"), str)}


def _referenced_variable(reference: Any) -> str | None:
    if isinstance(reference, dict):
        reference = reference.get("uid")
    if not isinstance(reference, str):
        return None
    match = _VARIABLE_REF.match(reference.strip())
    if not match:
        return None
    return match.group(1) or match.group(2) or match.group(3)


def _box(grid: dict[str, Any]) -> tuple[float, float, float, float] | None:
    x, y, w, h = grid.get("x"), grid.get("y"), grid.get("w"), grid.get("h")
    for value in (x, y, w, h):
        if type(value) is not int and type(value) is not float:
            return None
    return float(x), float(y), float(w), float(h)  # type: ignore[arg-type]


def _intersects(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _title(panel: dict[str, Any]) -> str | None:
    title = panel.get("title")
    return title if isinstance(title, str) and title else None

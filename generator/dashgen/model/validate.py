"""Pure checks on a normalised dashboard → a list of ``Problem`` (never prints).

Errors fail the build: empty title, invalid uid, duplicate panel ids. Warnings do not
(unless ``--strict``): overlapping gridPos, a panel reaching past the 24-column grid, a
panel without ``type``, a datasource that names a template variable the dashboard does
not define. ``layout_problems()`` gives the layout warnings of one list of panels with the
index of the panel each is about (the preview highlights those panels). Checks across dashboards
(the same uid from two sources) live in ``dashgen.build.run``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from dashgen.model.normalize import UID_MAX_LENGTH, UID_PATTERN, iter_panels

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

# $var, ${var}, ${var:format} and the deprecated [[var]] / [[var:format]].
_VARIABLE_REF = re.compile(r"^(?:\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\])$")
# Variables Grafana provides itself; a datasource may name them without declaring them.
_BUILTIN_VARIABLES = frozenset({"__all", "__dashboard", "__org", "__user", "__interval"})
GRID_COLUMNS = 24  # Grafana's GRID_COLUMN_COUNT


@dataclass(frozen=True)
class Problem:
    severity: Severity
    message: str
    path: Path | None = None
    line: int | None = None
    # What the problem is about inside the dashboard (a panel title), so a loader that
    # kept the source text can point at the right line.
    subject: str | None = None

    def __str__(self) -> str:
        where = str(self.path) if self.path else "<unknown>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}"

    def line_text(self) -> str:
        """``path:line: severity: message``: how ``dashgen build`` and ``watch`` print it."""
        where = self.path.as_posix() if self.path else "<build>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.severity}: {self.message}"

    def located(self, path: Path | None, line: int | None) -> Problem:
        return replace(self, path=self.path or path, line=self.line or line)

    def as_error(self) -> Problem:
        return replace(self, severity=ERROR)


def validate(dashboard: dict[str, Any]) -> list[Problem]:
    """Every problem of one normalised dashboard (without path/line: the caller adds them)."""
    problems: list[Problem] = []
    problems.extend(_check_title(dashboard))
    problems.extend(_check_uid(dashboard))
    panels = dashboard.get("panels")
    if isinstance(panels, list):
        all_panels = iter_panels(panels)
        problems.extend(_check_panel_ids(all_panels))
        problems.extend(_check_panel_types(all_panels))
        problems.extend(_check_overlaps(panels))
        problems.extend(_check_grid_bounds(all_panels))
        problems.extend(_check_datasources(dashboard, all_panels))
    return problems


def _check_title(dashboard: dict[str, Any]) -> Iterator[Problem]:
    title = dashboard.get("title")
    if not isinstance(title, str) or not title.strip():
        yield Problem(ERROR, "dashboard has an empty title")


def _check_uid(dashboard: dict[str, Any]) -> Iterator[Problem]:
    uid = dashboard.get("uid")
    if uid is not None and not isinstance(uid, str):
        yield Problem(ERROR, f"uid must be a string, got {uid!r}")
    elif not uid:
        yield Problem(ERROR, "dashboard has no uid")
    elif len(uid) > UID_MAX_LENGTH:
        yield Problem(ERROR, f"uid {uid!r} is {len(uid)} characters; at most 40 are allowed")
    elif not UID_PATTERN.match(uid):
        yield Problem(ERROR, f"uid {uid!r} is invalid: use only letters, digits, '-' and '_'")


def _check_panel_ids(panels: list[dict[str, Any]]) -> Iterator[Problem]:
    seen: dict[Any, str] = {}
    for panel in panels:
        panel_id = panel.get("id")
        name = _panel_name(panel)
        if panel_id in seen:
            yield Problem(
                ERROR,
                f"duplicate panel id {panel_id}: {seen[panel_id]} and {name}",
                subject=panel.get("title") if isinstance(panel.get("title"), str) else None,
            )
        else:
            seen[panel_id] = name


def _check_panel_types(panels: list[dict[str, Any]]) -> Iterator[Problem]:
    for panel in panels:
        if not panel.get("type") and "libraryPanel" not in panel:
            yield Problem(WARNING, f"{_panel_name(panel)} has no type", subject=_title(panel))


def layout_problems(panels: list[Any]) -> list[tuple[int, Problem]]:
    """The layout warnings of one list of panels (a dashboard's, or a collapsed row's), each
    with the index in ``panels`` of the panel it is about, in panel order."""
    bounds = [
        (index, problem)
        for index, panel in enumerate(panels)
        if isinstance(panel, dict)
        for problem in _check_grid_bounds([panel])
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
                message = f"{_panel_name(panel)} overlaps {_panel_name(other)} (gridPos)"
                reported.append((index, Problem(WARNING, message, subject=_title(panel))))
                break
        active.append((box, index, panel))
    return sorted(reported, key=lambda item: item[0])


def _check_grid_bounds(panels: list[dict[str, Any]]) -> Iterator[Problem]:
    """A panel reaching past Grafana's 24 columns: Grafana's grid moves it left (x = 24 - w),
    or, when it starts left of column 0, makes it full width (react-grid-layout's
    correctBounds)."""
    for panel in panels:
        grid = panel.get("gridPos")
        box = _box(grid) if isinstance(grid, dict) else None
        if box is None or panel.get("type") == "row":
            continue  # Grafana draws every row full width
        x, _, w, _ = box
        if x < 0 or w > GRID_COLUMNS:
            where = f"x {x:g}" if x < 0 else f"w {w:g}"
            yield Problem(
                WARNING,
                f"{_panel_name(panel)} does not fit the {GRID_COLUMNS}-column grid (gridPos "
                f"{where}); Grafana draws it full width at x 0",
                subject=_title(panel),
            )
        elif x + w > GRID_COLUMNS:
            yield Problem(
                WARNING,
                f"{_panel_name(panel)} reaches past the {GRID_COLUMNS}-column grid (gridPos x "
                f"{x:g} + w {w:g} = {x + w:g}); Grafana moves it to x {GRID_COLUMNS - w:g}",
                subject=_title(panel),
            )


def _check_datasources(
    dashboard: dict[str, Any], panels: list[dict[str, Any]]
) -> Iterator[Problem]:
    declared = _variable_names(dashboard) | _BUILTIN_VARIABLES
    for panel in panels:
        references = [panel.get("datasource")]
        targets = panel.get("targets")
        if isinstance(targets, list):
            references.extend(t.get("datasource") for t in targets if isinstance(t, dict))
        reported: set[str] = set()
        for reference in references:
            name = _referenced_variable(reference)
            if name and name not in declared and name not in reported:
                reported.add(name)
                yield Problem(
                    WARNING,
                    f"{_panel_name(panel)} uses datasource ${name}, but the dashboard "
                    "defines no template variable of that name",
                    subject=_title(panel),
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
    try:
        return float(grid["x"]), float(grid["y"]), float(grid["w"]), float(grid["h"])
    except (KeyError, TypeError, ValueError):
        return None


def _intersects(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _title(panel: dict[str, Any]) -> str | None:
    title = panel.get("title")
    return title if isinstance(title, str) and title else None


def _panel_name(panel: dict[str, Any]) -> str:
    title = _title(panel)
    kind = "row" if panel.get("type") == "row" else "panel"
    return f'{kind} {panel.get("id")} "{title}"' if title else f"{kind} {panel.get('id')}"

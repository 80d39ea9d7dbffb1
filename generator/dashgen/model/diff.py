"""Readable differences between two comparable (normalised) dashboards (classic, or schema
v2: its ``elements`` are summarised one by one, like classic panels).

Both sides must already have gone through ``normalize.comparable``, so ``id``,
``version`` and key order never show up as noise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dashgen.model.normalize import dumps


def unified_diff(live: Mapping[str, Any] | None, desired: Mapping[str, Any], name: str) -> str:
    import difflib  # here: publish imports this module, only diff's text output needs it

    before = dumps(dict(live)).splitlines(keepends=True) if live is not None else []
    after = dumps(dict(desired)).splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, f"grafana/{name}", f"build/{name}", n=3)
    return "".join(lines)


def _panels(panels: Any) -> Iterator[Mapping[str, Any]]:
    for panel in panels or []:
        if isinstance(panel, Mapping):
            yield panel
            yield from _panels(panel.get("panels"))


def _label(panel: Mapping[str, Any]) -> str:
    title = panel.get("title") or "(untitled)"
    return f"panel {panel.get('id')} {title!r}"


def summarize(live: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> list[str]:
    """One line per changed part: top-level settings, then panels by id and title."""
    if live is None:
        return ["new dashboard"]
    lines = [
        f"{key} changed"
        for key in sorted(set(live) | set(desired))
        if key not in ("panels", "elements") and live.get(key) != desired.get(key)
    ]
    lines.extend(_elements(live.get("elements"), desired.get("elements")))
    old = {panel.get("id"): panel for panel in _panels(live.get("panels"))}
    new = {panel.get("id"): panel for panel in _panels(desired.get("panels"))}
    for panel_id, panel in new.items():
        if panel_id not in old:
            lines.append(f"{_label(panel)} added")
        elif _without_children(old[panel_id]) != _without_children(panel):
            lines.append(f"{_label(panel)} changed")
    lines.extend(f"{_label(panel)} removed" for pid, panel in old.items() if pid not in new)
    return lines


def _without_children(panel: Mapping[str, Any]) -> dict[str, Any]:
    # A row's nested panels are compared on their own, so a change shows up once.
    return {key: value for key, value in panel.items() if key != "panels"}


def _elements(old: Any, new: Any) -> list[str]:
    """A schema v2 dashboard's ``elements`` (key → panel), one line per changed element."""
    before = old if isinstance(old, Mapping) else {}
    after = new if isinstance(new, Mapping) else {}
    lines = []
    for key in sorted(set(before) | set(after)):
        if key not in before:
            lines.append(f"element {_element_label(key, after[key])} added")
        elif key not in after:
            lines.append(f"element {_element_label(key, before[key])} removed")
        elif before[key] != after[key]:
            lines.append(f"element {_element_label(key, after[key])} changed")
    return lines


def _element_label(key: str, element: Any) -> str:
    spec = element.get("spec") if isinstance(element, Mapping) else None
    title = spec.get("title") if isinstance(spec, Mapping) else None
    return f"{key} {title!r}" if title else key

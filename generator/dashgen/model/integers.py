"""Integral floats in the classic model's integer fields become ints (``12.0`` → ``12``).

Grafana's frontend parses dashboards with ``JSON.parse`` (JavaScript has one number type, so
``12.0`` is ``12``) and the backend decodes them into ``map[string]interface{}``, where every
JSON number is a ``float64`` anyway; generators write ``12.0`` or ``1e3``. So a whole number
written as a float is the integer it denotes, and the build writes it as one (deterministic:
the same dashboard builds to the same text whichever way the number was spelled).

A float that is not whole (``12.5``), NaN or an infinity, a boolean and any other type stay as
they are, for ``dashgen.model.structure`` to report with its usual message.

Fields: the dashboard's ``schemaVersion``, ``version``, ``graphTooltip``; every panel's
(nested panels of row panels and legacy ``rows`` included) ``id``, ``maxDataPoints`` and
``gridPos`` ``x``, ``y``, ``w``, ``h``.
"""

from __future__ import annotations

from typing import Any

_DASHBOARD_KEYS = ("schemaVersion", "version", "graphTooltip")
_PANEL_KEYS = ("id", "maxDataPoints")
_GRID_KEYS = ("x", "y", "w", "h")


def integral_ints_in_place(dashboard: dict[str, Any]) -> dict[str, Any]:
    """Turn the integral floats of ``dashboard``'s integer fields into ints, in place."""
    _fix(dashboard, _DASHBOARD_KEYS)
    for panel in _panels(dashboard):
        _fix(panel, _PANEL_KEYS)
        grid = panel.get("gridPos")
        if type(grid) is dict:
            _fix(grid, _GRID_KEYS)
    return dashboard


def _fix(table: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        value = table.get(key)
        if type(value) is float and value.is_integer():
            table[key] = int(value)


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    lists = [dashboard.get("panels")]
    rows = dashboard.get("rows")
    if type(rows) is list:
        lists.extend(row.get("panels") for row in rows if type(row) is dict)
    for panels in lists:
        if type(panels) is not list:
            continue
        for panel in panels:
            if type(panel) is not dict:
                continue
            found.append(panel)
            nested = panel.get("panels")
            if type(nested) is list:
                found.extend(p for p in nested if type(p) is dict)
    return found


_V2_GRID_KEYS = ("x", "y", "width", "height")


def integral_ints_v2_in_place(spec: dict[str, Any]) -> dict[str, Any]:
    """The same for a schema v2 spec: every element's ``spec.id`` and every
    ``GridLayoutItem``'s ``x``, ``y``, ``width``, ``height``, at any depth of the layout."""
    elements = spec.get("elements")
    if type(elements) is dict:
        for element in elements.values():
            if type(element) is dict and type(element.get("spec")) is dict:
                _fix(element["spec"], ("id",))
    pending: list[Any] = [spec.get("layout")]
    while pending:
        node = pending.pop()
        if type(node) is list:
            pending.extend(node)
        elif type(node) is dict:
            if node.get("kind") == "GridLayoutItem" and type(node.get("spec")) is dict:
                _fix(node["spec"], _V2_GRID_KEYS)
            pending.extend(node.values())
    return spec

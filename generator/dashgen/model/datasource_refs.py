"""The datasources a dashboard references, and where: the input of publish's per-org check.

A reference is the value of a ``datasource`` key anywhere in a panel (its targets, nested
rows, plugin options), a template variable or an annotation. Real dashboards (see the
corpus) use every one of these shapes, and each is understood:

- ``{"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}`` and ``{"uid": "..."}``: by uid
  (Grafana's frontend falls back to the name when no uid matches, and so does the check);
- ``"Prometheus"``: a legacy plain string, a datasource name (sometimes a uid);
- ``{"type": "prometheus", "name": "Prometheus"}``: dashgen's **name binding**. Grafana does
  not know it: publish replaces it with that org's ``{"type", "uid"}`` (``bind``), so one
  source serves every org;
- not references to a concrete datasource, never flagged: ``null``, ``""``, ``"default"``
  and ``{"type": "prometheus"}`` alone (the org's default), template variables (``$ds``,
  ``${ds}``, ``${ds:raw}``, ``[[ds]]``, anywhere in the value), and Grafana's built-ins
  (``-- Grafana --``, ``-- Mixed --``, ``-- Dashboard --``, uid ``grafana``, expressions
  ``__expr__``, the ``datasource``/``grafana``/``__expr__`` types).

A template variable of type ``datasource`` names a plugin type (``query: "prometheus"``): it
is a ``type`` reference (the org needs at least one datasource of that type, else the
variable is empty and every panel using it fails). Library panels keep their model in
Grafana, so their references are not in the dashboard and not checked here.

No I/O: the publisher (``dashgen.publish.datasources``) brings the org's datasources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson

BUILTIN_UIDS = frozenset(
    {"-- Grafana --", "-- Mixed --", "-- Dashboard --", "grafana", "__expr__", "-100", "default"}
)
BUILTIN_TYPES = frozenset({"datasource", "grafana", "__expr__"})
# $var, ${var}, ${var:fmt} or the deprecated [[var]], anywhere in the string.
_VARIABLE = re.compile(r"\$\{?\w|\[\[\w")

Kind = Literal["uid", "string", "name", "type"]
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Location:
    """Where in the dashboard a reference sits, as a person finds it in the editor."""

    panel_id: Any = None  # the panel's id (any JSON value), None outside panels
    panel_title: str | None = None
    detail: str = ""  # "target A", 'template variable "ds"', 'annotation "Deploys"', ...

    def describe(self) -> str:
        parts: list[str] = []
        if self.panel_id is not None or self.panel_title:
            panel = f"panel {self.panel_id}" if self.panel_id is not None else "panel"
            parts.append(f'{panel} "{self.panel_title}"' if self.panel_title else panel)
        if self.detail:
            parts.append(self.detail)
        return " ".join(parts) or "the dashboard"


@dataclass(frozen=True)
class Reference:
    """One reference to a concrete datasource (never a variable or a built-in)."""

    kind: Kind  # uid: by uid; string: legacy name-or-uid; name: dashgen's name binding;
    #             type: a datasource variable's plugin type
    value: str  # the uid, the string, the name or the plugin id
    type: str | None  # the plugin id the reference states, if any
    location: Location
    path: Path  # of the ``datasource`` value (for ``type``: of the variable)

    def describe(self) -> str:
        of_type = f" ({self.type})" if self.type and self.kind != "type" else ""
        what = {
            "uid": f"datasource uid {self.value!r}{of_type}",
            "string": f"datasource {self.value!r}",
            "name": f"datasource named {self.value!r}{of_type}",
            "type": f"a {self.value} datasource",
        }[self.kind]
        return what


def is_variable(value: str) -> bool:
    return bool(_VARIABLE.search(value))


def references(dashboard: Mapping[str, Any]) -> list[Reference]:
    """Every reference to a concrete datasource, in document order."""
    found: list[Reference] = []
    for path, panel in _panels(dashboard):
        location = Location(panel.get("id"), _text(panel.get("title")))
        found.extend(_walk(panel, path, location, skip=("panels", "libraryPanel")))
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, Mapping) else None
    for index, variable in _dicts(variables):
        path = ("templating", "list", index)
        location = Location(detail=f"template variable {_label(variable)}")
        if variable.get("type") == "datasource":
            plugin = variable.get("query")
            if isinstance(plugin, str) and plugin.strip() and not is_variable(plugin):
                found.append(Reference("type", plugin.strip(), plugin.strip(), location, path))
        found.extend(_walk(variable, path, location))
    annotations = dashboard.get("annotations")
    listed = annotations.get("list") if isinstance(annotations, Mapping) else None
    for index, annotation in _dicts(listed):
        location = Location(detail=f"annotation {_label(annotation)}")
        found.extend(_walk(annotation, ("annotations", "list", index), location))
    if "datasource" in dashboard:  # some old dashboards carry a dashboard-wide one
        found.extend(_classify(dashboard["datasource"], ("datasource",), Location()))
    return found


def bind(dashboard: Mapping[str, Any], bound: Mapping[Path, Mapping[str, Any]]) -> dict[str, Any]:
    """A copy of ``dashboard`` with the reference at each path replaced by its bound value."""
    copy: dict[str, Any] = orjson.loads(orjson.dumps(dashboard))
    for path, value in bound.items():
        node: Any = copy
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = dict(value)
    return copy


# -- walking --------------------------------------------------------------------------------


def _panels(dashboard: Mapping[str, Any]) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Every panel with its path: top-level, nested in collapsed rows, legacy ``rows``."""
    for index, panel in _dicts(dashboard.get("panels")):
        yield ("panels", index), panel
        for inner, nested in _dicts(panel.get("panels")):
            yield ("panels", index, "panels", inner), nested
    for row_index, row in _dicts(dashboard.get("rows")):
        for index, panel in _dicts(row.get("panels")):
            yield ("rows", row_index, "panels", index), panel


def _walk(
    node: Any, path: Path, location: Location, skip: tuple[str, ...] = ()
) -> Iterator[Reference]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in skip:
                continue
            here = (*path, key)
            if key == "datasource":
                yield from _classify(value, here, location)
            elif key == "targets" and isinstance(value, list):
                for index, target in enumerate(value):
                    detail = _target_detail(target, index)
                    yield from _walk(target, (*here, index), _with_detail(location, detail))
            else:
                yield from _walk(value, here, location)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, (*path, index), location)


def _classify(value: Any, path: Path, location: Location) -> Iterator[Reference]:
    if isinstance(value, str):
        text = value.strip()
        if text and text not in BUILTIN_UIDS and not is_variable(text):
            yield Reference("string", text, None, location, path)
        return
    if not isinstance(value, Mapping):
        return
    plugin = value.get("type") if isinstance(value.get("type"), str) else None
    if plugin in BUILTIN_TYPES:
        return
    uid = value.get("uid")
    if isinstance(uid, str) and uid.strip():
        text = uid.strip()
        if text not in BUILTIN_UIDS and not is_variable(text):
            yield Reference("uid", text, plugin, location, path)
        return
    name = value.get("name")
    if isinstance(name, str) and name.strip() and name.strip() not in BUILTIN_UIDS:
        yield Reference("name", name.strip(), plugin, location, path)


def _target_detail(target: Any, index: int) -> str:
    ref_id = target.get("refId") if isinstance(target, Mapping) else None
    return f"target {ref_id}" if isinstance(ref_id, str) and ref_id else f"target #{index + 1}"


def _with_detail(location: Location, detail: str) -> Location:
    joined = f"{location.detail} {detail}".strip()
    return Location(location.panel_id, location.panel_title, joined)


def _dicts(items: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                yield index, item


def _label(item: Mapping[str, Any]) -> str:
    name = _text(item.get("name"))
    return f'"{name}"' if name else "(unnamed)"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

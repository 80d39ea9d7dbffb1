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
_KEY = re.compile(rb'"datasource"\s*:')

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


def references(dashboard: Mapping[str, Any], text: bytes | None = None) -> list[Reference]:
    """Every reference to a concrete datasource, in document order.

    ``text``: the document's JSON when the caller has it. The places dashboards keep
    references (panels and their targets, template variables, annotations) are read first;
    only when ``text`` holds more ``"datasource"`` keys than those (a plugin's options, a
    legacy alert's query), or without ``text``, is the whole document walked.
    """
    found, keys = _known_places(dashboard)
    if text is not None and len(_KEY.findall(text)) == keys:
        return found
    return _everywhere(dashboard)


def _known_places(dashboard: Mapping[str, Any]) -> tuple[list[Reference], int]:
    found: list[Reference] = []
    keys = 0
    for path, panel in _panels(dashboard):
        location = Location(panel.get("id"), _text(panel.get("title")))
        if "datasource" in panel:
            keys += 1
            found.extend(_classify(panel["datasource"], (*path, "datasource"), location))
        for index, target in _dicts(panel.get("targets")):
            if "datasource" in target:
                keys += 1
                here = (*path, "targets", index, "datasource")
                at = _with_detail(location, _target_detail(target, index))
                found.extend(_classify(target["datasource"], here, at))
    for path, item, location in _listed(dashboard):
        found.extend(_variable_type(item, path, location))
        if "datasource" in item:
            keys += 1
            found.extend(_classify(item["datasource"], (*path, "datasource"), location))
    if "datasource" in dashboard:  # some old dashboards carry a dashboard-wide one
        keys += 1
        found.extend(_classify(dashboard["datasource"], ("datasource",), Location()))
    return found, keys


def _everywhere(dashboard: Mapping[str, Any]) -> list[Reference]:
    found: list[Reference] = []
    for path, panel in _panels(dashboard):
        location = Location(panel.get("id"), _text(panel.get("title")))
        _walk(panel, path, location, found, skip=("panels", "libraryPanel"))
    for path, item, location in _listed(dashboard):
        found.extend(_variable_type(item, path, location))
        _walk(item, path, location, found)
    if "datasource" in dashboard:
        found.extend(_classify(dashboard["datasource"], ("datasource",), Location()))
    return found


def _listed(dashboard: Mapping[str, Any]) -> Iterator[tuple[Path, Mapping[str, Any], Location]]:
    """Template variables and annotations, with their paths and how a person names them."""
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    for index, variable in _dicts(variables):
        location = Location(detail=f"template variable {_label(variable)}")
        yield ("templating", "list", index), variable, location
    annotations = dashboard.get("annotations")
    listed = annotations.get("list") if isinstance(annotations, dict) else None
    for index, annotation in _dicts(listed):
        location = Location(detail=f"annotation {_label(annotation)}")
        yield ("annotations", "list", index), annotation, location


def _variable_type(variable: Mapping[str, Any], path: Path, location: Location) -> list[Reference]:
    """A ``datasource`` variable needs a datasource of its plugin type (``query``)."""
    if path[0] != "templating" or variable.get("type") != "datasource":
        return []
    plugin = variable.get("query")
    if isinstance(plugin, str) and plugin.strip() and not is_variable(plugin):
        return [Reference("type", plugin.strip(), plugin.strip(), location, path)]
    return []


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
    node: Any, path: Path, location: Location, found: list[Reference], skip: tuple[str, ...] = ()
) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in skip or not isinstance(value, dict | list | str):
                continue
            here = (*path, key)
            if key == "datasource":
                found.extend(_classify(value, here, location))
            elif key == "targets" and isinstance(value, list):
                for index, target in enumerate(value):
                    detail = _target_detail(target, index)
                    _walk(target, (*here, index), _with_detail(location, detail), found)
            elif not isinstance(value, str):
                _walk(value, here, location, found)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, dict | list):
                _walk(item, (*path, index), location, found)


def _classify(value: Any, path: Path, location: Location) -> Iterator[Reference]:
    if isinstance(value, str):
        text = value.strip()
        if text and text not in BUILTIN_UIDS and not is_variable(text):
            yield Reference("string", text, None, location, path)
        return
    if not isinstance(value, dict):
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
    ref_id = target.get("refId") if isinstance(target, dict) else None
    return f"target {ref_id}" if isinstance(ref_id, str) and ref_id else f"target #{index + 1}"


def _with_detail(location: Location, detail: str) -> Location:
    joined = f"{location.detail} {detail}".strip()
    return Location(location.panel_id, location.panel_title, joined)


def _dicts(items: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _label(item: Mapping[str, Any]) -> str:
    name = _text(item.get("name"))
    return f'"{name}"' if name else "(unnamed)"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

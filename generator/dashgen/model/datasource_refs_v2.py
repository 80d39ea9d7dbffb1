"""The datasources a schema v2 dashboard references, and where: v2's half of publish's
per-org check (``dashgen.model.datasource_refs`` is the classic model's).

A v2 spec (grafana-apis.md §7.2) keeps its datasources in its queries, not in panels:

- ``elements.<key>.spec.data.spec.queries[i].spec.query`` is a ``DataQuery`` whose
  ``group`` is the plugin type and whose ``datasource`` is ``{"name": "<datasource uid>"}``
  (v2beta1, v2). v2alpha1 kept ``{"type", "uid"}`` in the ``PanelQuery`` spec: read as the
  classic model reads it;
- ``annotations[i].spec.query`` the same ``DataQuery`` (v2alpha1: ``spec.datasource``);
- variables: a ``QueryVariable``'s ``spec.query``; ``AdhocVariable`` and ``GroupByVariable``
  carry ``group`` and ``datasource`` next to their ``spec``; a ``DatasourceVariable`` names
  a plugin type (``spec.pluginId``): the org needs one datasource of that type.

``{"name": X}`` is Grafana's reference by uid (Grafana's frontend falls back to the name, so
the check does too). dashgen's **name binding** is the notation of the classic model,
``{"type": "prometheus", "name": "Prometheus"}``: a v2 reference never has a ``type``, so
the two cannot be confused. Publish binds it to that org's ``{"name": "<uid>"}``.
Not references to a concrete datasource, never flagged: a ``DataQuery`` without
``datasource`` (the org's default of its type), template variables (``${ds}``), and
Grafana's built-ins (``-- Grafana --``, ``-- Mixed --``, ``-- Dashboard --``, ``__expr__``
...). Library panel elements keep their queries in Grafana: not checked here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dashgen.model.datasource_refs import (
    BUILTIN_TYPES,
    BUILTIN_UIDS,
    Location,
    Path,
    Reference,
    _classify,
    is_variable,
)

_LISTS = (("variables", "template variable"), ("annotations", "annotation"))


def references_v2(spec: Mapping[str, Any]) -> list[Reference]:
    """Every reference to a concrete datasource in a v2 spec, in document order."""
    found: list[Reference] = []
    elements = spec.get("elements")
    if isinstance(elements, Mapping):
        for key, element in elements.items():
            if not isinstance(element, Mapping) or element.get("kind") == "LibraryPanel":
                continue
            inner = element.get("spec")
            title = inner.get("title") if isinstance(inner, Mapping) else None
            shown = f'element "{key}"'
            if isinstance(title, str) and title:
                shown += f' (panel "{title}")'
            _walk(element, ("elements", str(key)), shown, found)
    for field, what in _LISTS:
        items = spec.get(field)
        for index, item in _dicts(items):
            shown = f"{what} {_label(item)}"
            path: Path = (field, index)
            found.extend(_plugin_type(item, path, shown))
            _walk(item, path, shown, found)
    return found


def bound_reference(datasource_type: str, uid: str) -> dict[str, str]:
    """What a name binding becomes in a v2 query once its org's uid is known."""
    del datasource_type  # the query's ``group`` says the type; the reference holds the uid
    return {"name": uid}


def _walk(node: Any, path: Path, shown: str, found: list[Reference]) -> None:
    if isinstance(node, Mapping):
        if node.get("kind") == "PanelQuery":
            shown = f"{shown} query {_ref_id(node, path)}"
        if "datasource" in node:
            group = node.get("group") if isinstance(node.get("group"), str) else None
            found.extend(_classify_v2(node["datasource"], (*path, "datasource"), shown, group))
        for key, value in node.items():
            if key != "datasource" and isinstance(value, Mapping | list):
                _walk(value, (*path, key), shown, found)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, Mapping | list):
                _walk(item, (*path, index), shown, found)


def _classify_v2(value: Any, path: Path, shown: str, group: str | None) -> Iterator[Reference]:
    location = Location(detail=shown)
    if group in BUILTIN_TYPES:
        return
    if isinstance(value, Mapping) and "uid" not in value and "type" not in value:
        name = value.get("name")
        if isinstance(name, str) and name.strip():
            text = name.strip()
            if text not in BUILTIN_UIDS and not is_variable(text):
                yield Reference("uid", text, group or None, location, path)
        return
    for reference in _classify(value, path, location):  # a name binding, or v2alpha1's
        if reference.type is None and group:
            reference = Reference(reference.kind, reference.value, group, location, path)
        yield reference


def _plugin_type(item: Mapping[str, Any], path: Path, shown: str) -> list[Reference]:
    """A ``DatasourceVariable`` needs a datasource of its plugin type."""
    if path[0] != "variables" or item.get("kind") != "DatasourceVariable":
        return []
    spec = item.get("spec")
    plugin = spec.get("pluginId") if isinstance(spec, Mapping) else None
    if isinstance(plugin, str) and plugin.strip() and not is_variable(plugin):
        text = plugin.strip()
        return [Reference("type", text, text, Location(detail=shown), path)]
    return []


def _ref_id(query: Mapping[str, Any], path: Path) -> str:
    spec = query.get("spec")
    ref_id = spec.get("refId") if isinstance(spec, Mapping) else None
    if isinstance(ref_id, str) and ref_id:
        return ref_id
    return f"#{path[-1] + 1}" if isinstance(path[-1], int) else "(no refId)"


def _dicts(items: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                yield index, item


def _label(item: Mapping[str, Any]) -> str:
    spec = item.get("spec")
    name = spec.get("name") if isinstance(spec, Mapping) else None
    return f'"{name}"' if isinstance(name, str) and name else "(unnamed)"

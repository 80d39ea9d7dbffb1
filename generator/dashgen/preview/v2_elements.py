"""Schema v2 parts seen in the classic shape the rest of the preview already reads.

A v2 ``Panel`` element becomes a classic panel dict (``type`` from ``vizConfig.group``,
``options`` from ``vizConfig.spec``, one target per ``PanelQuery``), so ``preview.grid``
and ``preview.panels`` draw it exactly as they draw a classic panel: same box, same
datasource and query text, text panels' Markdown through the same safe subset. A
``LibraryPanel`` element keeps only what it has (title, ``libraryPanel``). The v2 header
fields (``timeSettings``, ``variables[]``) are mapped the same way for ``page.header``.
"""

from __future__ import annotations

from typing import Any

LIBRARY_PANEL = "LibraryPanel"
PANEL = "Panel"
# v2 enum → classic number, as grafana-apis.md §7.2 maps them the other way
_HIDE = {"dontHide": 0, "hideLabel": 1, "hideVariable": 2}


def classic_panel(element: Any, item: dict[str, Any]) -> dict[str, Any]:
    """The classic view of ``element`` placed by a layout item's spec ``item``."""
    panel = _element_view(element)
    repeat = _dict(item.get("repeat"))
    if isinstance(repeat.get("value"), str):
        panel["repeat"] = repeat["value"]
        if repeat.get("direction") in ("h", "v"):
            panel["repeatDirection"] = repeat["direction"]
        if isinstance(repeat.get("maxPerRow"), int):
            panel["maxPerRow"] = repeat["maxPerRow"]
    return panel


def _element_view(element: Any) -> dict[str, Any]:
    element = _dict(element)
    spec = _dict(element.get("spec"))
    if element.get("kind") == LIBRARY_PANEL:
        library = _dict(spec.get("libraryPanel"))
        return {
            "id": spec.get("id"),
            "title": spec.get("title"),
            "libraryPanel": {"uid": library.get("uid"), "name": library.get("name")},
        }
    viz = _dict(spec.get("vizConfig"))
    viz_spec = _dict(viz.get("spec"))
    panel: dict[str, Any] = {
        "id": spec.get("id"),
        "type": viz.get("group"),
        "title": spec.get("title"),
        "description": spec.get("description"),
        "transparent": spec.get("transparent"),
        "options": _dict(viz_spec.get("options")),
        "targets": _targets(_dict(spec.get("data"))),
    }
    return panel


def _targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    queries = _dict(data.get("spec")).get("queries")
    targets = []
    for query in queries if isinstance(queries, list) else []:
        spec = _dict(_dict(query).get("spec"))
        data_query = _dict(spec.get("query"))
        target = dict(_dict(data_query.get("spec")))
        target["refId"] = spec.get("refId")
        target["hide"] = bool(spec.get("hidden"))
        source = _dict(data_query.get("datasource")).get("name")
        kind = data_query.get("group")
        if source or kind:
            target["datasource"] = {"uid": source, "type": kind}
        targets.append(target)
    return targets


def element_title(element: Any) -> str | None:
    title = _dict(_dict(element).get("spec")).get("title")
    return title if isinstance(title, str) and title else None


def element_type(element: Any) -> str | None:
    element = _dict(element)
    if element.get("kind") == LIBRARY_PANEL:
        return "library panel"
    group = _dict(_dict(element.get("spec")).get("vizConfig")).get("group")
    return group if isinstance(group, str) and group else None


def classic_header(spec: dict[str, Any]) -> dict[str, Any]:
    """The fields ``page.header`` reads, from a v2 spec."""
    time = _dict(spec.get("timeSettings"))
    variables = spec.get("variables")
    return {
        "time": {"from": time.get("from"), "to": time.get("to")},
        "refresh": time.get("autoRefresh"),
        "timezone": time.get("timezone"),
        "description": spec.get("description"),
        "templating": {
            "list": [_variable(v) for v in variables] if isinstance(variables, list) else []
        },
    }


def _variable(variable: Any) -> dict[str, Any]:
    variable = _dict(variable)
    spec = _dict(variable.get("spec"))
    kind = variable.get("kind")
    kind = kind.removesuffix("Variable").lower() if isinstance(kind, str) else None
    query = spec.get("query")
    if isinstance(query, dict):  # a DataQuery: its text as the classic target would hold it
        body = _dict(query.get("spec"))
        keys = ("__legacyStringValue", "query", "expr")
        query = next((body[k] for k in keys if isinstance(body.get(k), str)), None)
    return {
        "name": spec.get("name"),
        "label": spec.get("label"),
        "type": kind or None,
        "current": spec.get("current"),
        "hide": _HIDE.get(spec.get("hide")),  # type: ignore[arg-type]
        "multi": spec.get("multi"),
        "includeAll": spec.get("includeAll"),
        "query": query,
    }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

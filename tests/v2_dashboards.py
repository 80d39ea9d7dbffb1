"""Builders for schema v2 dashboard specs (grafana-apis.md §7.2), shared by the tests of
every area (import, pull, publish, preview); imported by name: keep it unique."""

from __future__ import annotations

from typing import Any


def panel_query(
    datasource: Any, expr: str, *, ref_id: str = "A", group: str = "prometheus", **extra: Any
) -> dict[str, Any]:
    """A ``PanelQuery``; ``datasource`` None leaves the reference out, ``extra`` joins ``expr``."""
    data_query: dict[str, Any] = {"kind": "DataQuery", "group": group, "version": "v0"}
    if datasource is not None:
        data_query["datasource"] = datasource
    data_query["spec"] = {"expr": expr, **extra}
    return {"kind": "PanelQuery", "spec": {"refId": ref_id, "hidden": False, "query": data_query}}


def query_group(*queries: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "QueryGroup",
        "spec": {"queries": list(queries), "transformations": [], "queryOptions": {}},
    }


def panel(panel_id: int, title: str, *queries: dict[str, Any]) -> dict[str, Any]:
    """A bare timeseries ``Panel`` (no description, links or viz version)."""
    return {
        "kind": "Panel",
        "spec": {
            "id": panel_id,
            "title": title,
            "data": query_group(*queries),
            "vizConfig": {"kind": "VizConfig", "group": "timeseries", "spec": {}},
        },
    }


def full_panel(
    panel_id: int,
    title: str,
    group: str,
    *queries: dict[str, Any],
    viz_spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``Panel`` with every field Grafana writes (description, links, viz version)."""
    return {
        "kind": "Panel",
        "spec": {
            "id": panel_id,
            "title": title,
            "description": "",
            "links": [],
            "data": query_group(*queries),
            "vizConfig": {
                "kind": "VizConfig",
                "group": group,
                "version": "",
                "spec": {} if viz_spec is None else viz_spec,
            },
        },
    }


def library_panel(panel_id: int, title: str, uid: str, name: str) -> dict[str, Any]:
    return {
        "kind": "LibraryPanel",
        "spec": {"id": panel_id, "title": title, "libraryPanel": {"uid": uid, "name": name}},
    }


def grid(*items: tuple[str, int, int, int, int], **extra: Any) -> dict[str, Any]:
    """A ``GridLayout`` of ``(element, x, y, width, height)``; ``extra[element]`` joins its spec."""
    return {
        "kind": "GridLayout",
        "spec": {
            "items": [
                {
                    "kind": "GridLayoutItem",
                    "spec": {
                        "x": x,
                        "y": y,
                        "width": w,
                        "height": h,
                        "element": {"kind": "ElementReference", "name": name},
                        **extra.get(name, {}),
                    },
                }
                for name, x, y, w, h in items
            ]
        },
    }


def rows(*entries: tuple[str, bool, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "RowsLayout",
        "spec": {
            "rows": [
                {
                    "kind": "RowsLayoutRow",
                    "spec": {
                        "title": title,
                        "collapse": collapse,
                        "layout": layout,
                        **extra.get(title, {}),
                    },
                }
                for title, collapse, layout in entries
            ]
        },
    }


def tabs(*entries: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "TabsLayout",
        "spec": {
            "tabs": [
                {"kind": "TabsLayoutTab", "spec": {"title": title, "layout": layout}}
                for title, layout in entries
            ]
        },
    }


def auto_grid(*names: str, **spec: Any) -> dict[str, Any]:
    items = [
        {
            "kind": "AutoGridLayoutItem",
            "spec": {"element": {"kind": "ElementReference", "name": name}},
        }
        for name in names
    ]
    return {"kind": "AutoGridLayout", "spec": {**spec, "items": items}}

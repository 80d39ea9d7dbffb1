"""Schema v2 outputs as the preview's page data: each layout kind, nesting, missing parts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from v2_fixtures import (
    auto_grid,
    grid,
    library_panel,
    rows,
    showcase,
    tabs,
    text_panel,
    v2_spec,
    viz_panel,
    write_v2_build,
)

from dashgen.build import BuiltDashboard, read_manifest
from dashgen.preview import PreviewState
from dashgen.preview.page import page_model


def built(schema: str = "v2") -> BuiltDashboard:
    return BuiltDashboard(
        "main", "d", "T", Path("dashboards/d.json"), Path("/x.json"), "h", schema=schema
    )


def layout_of(spec: dict[str, Any], schema: str = "v2") -> dict[str, Any]:
    return page_model(built(schema), spec, grafana_url=None)["layout"]


def test_every_layout_kind_nested_becomes_a_tree_of_nodes() -> None:
    layout = layout_of(showcase())
    assert (layout["kind"], layout["schema"]) == ("v2", "v2")
    root = layout["root"]
    assert root["kind"] == "rows"
    overview, details, more = root["rows"]
    assert [r["title"] for r in root["rows"]] == ["Overview", "Details", "More"]
    assert [r["collapsed"] for r in root["rows"]] == [False, True, False]
    assert details["repeat"] == {"variable": "env"}
    assert details["panels"] == ["Hidden table (table)"]

    grid_node = overview["layout"]
    assert grid_node["kind"] == "grid"
    requests, runbook, missing = grid_node["items"]
    assert [i["key"] for i in grid_node["items"]] == ["L.r0.i0", "L.r0.i1", "L.r0.i2"]
    assert (requests["title"], requests["type"], requests["element"]) == (
        "Requests",
        "timeseries",
        "panel-1",
    )
    assert requests["gridPos"] == {"x": 0, "y": 0, "w": 12, "h": 8}
    assert requests["datasource"] == "prom-main (prometheus)"
    assert requests["query"] == "A: sum(rate(timeseries_total[5m]))"
    assert runbook["gridPos"] == {"x": 12, "y": 0, "w": 12, "h": 8}
    assert runbook["text"]["mode"] == "markdown"
    assert runbook["text"]["nodes"][0] == {"t": "h1", "c": ["On call"]}
    link = runbook["text"]["nodes"][1]["c"][2]
    assert link == {"t": "a", "href": "https://example.com/oncall", "c": ["team"]}
    assert missing["kind"] == "missing"
    assert missing["gridPos"] == {"x": 0, "y": 8, "w": 24, "h": 4}
    assert 'element "panel-9", which is not in elements' in missing["error"]

    tab_node = more["layout"]
    assert tab_node["kind"] == "tabs"
    assert [t["title"] for t in tab_node["tabs"]] == ["Auto", "Second"]
    assert [t["key"] for t in tab_node["tabs"]] == ["L.r2.t0", "L.r2.t1"]
    auto = tab_node["tabs"][0]["layout"]
    assert auto["kind"] == "autogrid"
    assert (auto["maxColumnCount"], auto["columnWidth"], auto["rowHeight"]) == (3, 192, 168)
    assert (auto["columnWidthMode"], auto["rowHeightMode"]) == ("narrow", "short")
    shared, errors, saturation, lost = auto["items"]
    assert (shared["title"], shared["type"], shared["library"]) == (
        "Shared CPU",
        "library panel",
        "CPU usage",
    )
    assert [errors["title"], saturation["title"]] == ["Errors", "Saturation"]
    assert lost["kind"] == "missing" and '"panel-10"' in lost["error"]
    second = tab_node["tabs"][1]["layout"]["items"][0]
    assert (second["title"], second["gridPos"]["x"], second["key"]) == (
        "Second tab panel",
        6,
        "L.r2.t1.i0",
    )
    assert more["panels"] == [
        "Shared CPU (library panel)",
        "Errors (stat)",
        "Saturation (gauge)",
        "panel-10 (no type)",
        "Second tab panel (bargauge)",
    ]
    assert layout["notes"] == [
        "1 element not placed by the layout (Grafana does not show it): panel-8"
    ]


def test_a_v2_output_is_known_by_the_manifest_schema_or_by_its_shape() -> None:
    spec = v2_spec("T", {"panel-1": viz_panel(1, "A", "stat")}, grid(("panel-1", 0, 0, 6, 4)))
    by_shape = layout_of(spec, schema="v1")
    assert (by_shape["kind"], by_shape["schema"]) == ("v2", "v2")
    assert layout_of(spec, schema="v2beta1")["schema"] == "v2beta1"
    # A v2 build whose output has no layout: drawn as an empty v2 layout, said so.
    empty = layout_of({"title": "T", "elements": {"panel-1": viz_panel(1, "A", "stat")}})
    assert empty["root"] == {"kind": "grid", "key": "L", "items": []}
    assert "has no layout" in empty["notes"][0] and "panel-1" in empty["notes"][1]
    classic = {"title": "c", "panels": [{"type": "stat", "gridPos": {"x": 0, "y": 0}}]}
    assert layout_of(classic, schema="v1")["kind"] == "grid"


def test_grid_items_keep_their_place_and_get_the_grid_warnings_and_grafanas_placement() -> None:
    elements = {
        "a": viz_panel(1, "A", "stat"),
        "b": viz_panel(2, "B", "stat"),
        "c": viz_panel(3, "C", "stat"),
    }
    layout = grid(("a", 0, 2, 12, 4), ("b", 6, 4, 12, 4), ("c", 20, 10, 8, 2))
    spec = v2_spec("T", elements, layout)
    spec["layout"]["spec"]["items"][0]["spec"]["repeat"] = {
        "mode": "variable",
        "value": "pod",
        "direction": "v",
        "maxPerRow": 4,
    }
    a, b, c = layout_of(spec)["root"]["items"]
    assert a["repeat"] == {"variable": "pod", "direction": "vertical", "maxPerRow": 4}
    assert a["grafana"] == {"x": 0, "y": 0}  # Grafana's grid compacts upwards, as in v1
    assert b["warnings"] == ['panel 2 "B" overlaps panel 1 "A" (gridPos)']
    assert "grafana" not in b  # right under A once A has risen
    assert c["grafana"] == {"x": 16, "y": 8}
    assert "reaches past the 24-column grid" in c["warnings"][0]


def test_rows_tabs_and_auto_grids_take_defaults_custom_sizes_and_odd_parts() -> None:
    elements = {"a": viz_panel(1, "A", "stat"), "lib": library_panel(2, "", "u", "")}
    layout = rows(
        ("", False, auto_grid("a", columnWidthMode="custom", columnWidth=250, rowHeight=99)),
        ("Custom", True, auto_grid("lib", rowHeightMode="custom", rowHeight=222)),
        ("Tabs", False, tabs()),
        ("Odd", False, {"kind": "CanvasLayout", "spec": {}}),
        Custom={"hideHeader": True},
    )
    root = layout_of(v2_spec("T", elements, layout))["root"]
    plain, custom, no_tabs, odd = root["rows"]
    assert plain["title"] is None and plain["hideHeader"] is False
    first = plain["layout"]
    assert (first["maxColumnCount"], first["columnWidth"], first["rowHeight"]) == (3, 250, 320)
    assert (first["columnWidthMode"], first["rowHeightMode"]) == ("custom", "standard")
    assert custom["hideHeader"] is True and custom["layout"]["rowHeight"] == 222
    assert custom["layout"]["columnWidth"] == 448  # standard: Grafana's default
    library = custom["layout"]["items"][0]
    assert (library["title"], library["library"]) == (None, "u")  # uid when it has no name
    assert no_tabs["layout"] == {"kind": "tabs", "key": "L.r2", "tabs": []}
    assert odd["layout"]["kind"] == "unknown" and odd["layout"]["layoutKind"] == "CanvasLayout"


def test_broken_references_and_shapes_are_drawn_as_errors_not_raised() -> None:
    elements = {"ok": text_panel(1, "T", "plain"), "odd": {"kind": "Widget", "spec": {}}}
    layout = {
        "kind": "GridLayout",
        "spec": {
            "items": [
                {"kind": "GridLayoutItem", "spec": {"x": 0, "y": 0, "width": 4, "height": 4}},
                {"kind": "GridLayoutItem", "spec": {"element": {"name": "odd"}}},
                "not an item",
                {"kind": "GridLayoutItem", "spec": {"element": {"name": "ok"}, "x": "left"}},
            ]
        },
    }
    items = layout_of(v2_spec("T", elements, layout))["root"]["items"]
    assert [i["kind"] for i in items] == ["missing", "panel", "missing", "panel"]
    assert items[0]["error"] == "a layout item without an element reference"
    assert items[1]["warnings"] == ['element "odd" is of an unknown kind']
    assert items[3]["gridPos"] == {"x": 0, "y": 0, "w": 12, "h": 8}  # the classic defaults
    deep: dict[str, Any] = grid(("ok", 0, 0, 4, 4))
    for _ in range(20):
        deep = tabs(("t", deep))
    node = layout_of(v2_spec("T", elements, deep))["root"]
    while node["kind"] == "tabs":
        node = node["tabs"][0]["layout"]
    assert node["kind"] == "unknown" and "nested deeper" in node["message"]


def test_the_header_and_index_read_the_v2_fields() -> None:
    model = page_model(built(), showcase(), grafana_url="https://g.example")
    assert model["header"]["time"] == {"from": "now-3h", "to": "now"}
    assert (model["header"]["refresh"], model["header"]["timezone"]) == ("1m", "utc")
    (env,) = model["header"]["variables"]
    assert (env["name"], env["label"], env["type"], env["value"]) == (
        "env",
        "Environment",
        "custom",
        "prod",
    )
    assert model["panels"] == 8  # elements, placed or not
    assert (model["schema"], model["tags"]) == ("v2", ["v2"])
    assert model["links"]["grafana"] == "https://g.example/d/d"


@pytest.mark.parametrize("schema", ["v2", "v2beta1"])
def test_a_v2_build_on_disk_is_listed_and_drawn_from_its_manifest(
    tmp_path: Path, schema: str
) -> None:
    write_v2_build(tmp_path, {"show": showcase()}, schema=schema)
    dashboards = read_manifest(tmp_path / "build")
    assert [(d.uid, d.schema, d.is_v2) for d in dashboards] == [("show", schema, True)]
    state = PreviewState()
    state.start_from(dashboards)
    (row,) = state.index_json()["dashboards"]
    assert (row["uid"], row["panels"], row["schema"]) == ("show", 8, schema)
    page = state.page_json("main", "show")
    assert page is not None and page["layout"]["root"]["kind"] == "rows"
    assert json.loads((tmp_path / "build" / "main" / "show.json").read_text())["title"] == (
        "Showcase v2"
    )

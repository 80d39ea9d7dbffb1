"""What the pages draw, as data: grid items, Grafana's placement, panels, Markdown, header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dashgen.build import BuiltDashboard
from dashgen.model.validate import layout_problems, validate
from dashgen.preview import grafana_link, page
from dashgen.preview.grid import grafana_positions, grid_layout
from dashgen.preview.markdown import markdown_nodes
from dashgen.preview.panels import datasource_text, first_query, text_content


def box(x: float, y: float, w: float, h: float) -> dict[str, float]:
    return {"x": x, "y": y, "w": w, "h": h}


def built(uid: str = "d") -> BuiltDashboard:
    return BuiltDashboard("main", uid, "Title", Path("dashboards/d.json"), Path("/x.json"), "h")


def test_markdown_becomes_a_tree_of_safe_tags_and_text() -> None:
    nodes = markdown_nodes(
        "# Title\n\nSome **bold _and em_** with `code`.\n\n- one\n- [two](https://x.io/a)\n\n"
        "1. first\n\n> quoted\n\n```\n<b>raw</b>\n```\n\n---\n"
    )
    assert nodes == [
        {"t": "h1", "c": ["Title"]},
        {
            "t": "p",
            "c": [
                "Some ",
                {"t": "strong", "c": ["bold ", {"t": "em", "c": ["and em"]}]},
                " with ",
                {"t": "code", "c": ["code"]},
                ".",
            ],
        },
        {
            "t": "ul",
            "c": [
                {"t": "li", "c": ["one"]},
                {"t": "li", "c": [{"t": "a", "href": "https://x.io/a", "c": ["two"]}]},
            ],
        },
        {"t": "ol", "c": [{"t": "li", "c": ["first"]}]},
        {"t": "blockquote", "c": [{"t": "p", "c": ["quoted"]}]},
        {"t": "pre", "c": [{"t": "code", "c": ["<b>raw</b>"]}]},
        {"t": "hr", "c": []},
    ]


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "JavaScript:x", "data:text/html,x", "vbscript:x"]
)
def test_markdown_links_to_anything_but_http_or_mail_are_plain_text(href: str) -> None:
    assert markdown_nodes(f"[click]({href})") == [{"t": "p", "c": [{"t": "span", "c": ["click"]}]}]


def test_html_in_markdown_stays_text() -> None:
    assert markdown_nodes("<img src=x onerror=alert(1)>") == [
        {"t": "p", "c": ["<img src=x onerror=alert(1)>"]}
    ]


def test_text_panels_show_markdown_as_nodes_and_html_as_its_source() -> None:
    md = text_content({"type": "text", "options": {"mode": "markdown", "content": "*hi*"}})
    assert md == {"mode": "markdown", "nodes": [{"t": "p", "c": [{"t": "em", "c": ["hi"]}]}]}
    html = text_content({"type": "text", "options": {"mode": "html", "content": "<b>x</b>"}})
    assert html == {"mode": "html", "source": "<b>x</b>"}
    legacy = text_content({"type": "text", "mode": "html", "content": "<i>old</i>"})  # pre-7
    assert legacy == {"mode": "html", "source": "<i>old</i>"}
    assert text_content({"type": "stat"}) is None


@pytest.mark.parametrize(
    ("panel", "expected"),
    [
        ({"datasource": {"type": "prometheus", "uid": "prom"}}, "prom (prometheus)"),
        ({"datasource": "Graphite"}, "Graphite"),
        ({"datasource": {"type": "datasource", "uid": "-- Mixed --"}}, "mixed"),
        ({"targets": [{"datasource": {"type": "loki", "uid": "logs"}}]}, "logs (loki)"),
        ({}, None),
    ],
)
def test_the_datasource_is_the_panels_or_its_first_targets(
    panel: dict[str, Any], expected: str | None
) -> None:
    assert datasource_text(panel) == expected


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ([{"refId": "A", "expr": "rate(x[5m])"}], "A: rate(x[5m])"),
        (
            [{"refId": "A", "hide": True, "expr": "hidden"}, {"refId": "B", "rawSql": "SELECT 1"}],
            "B: SELECT 1",
        ),
        ([{"refId": "A", "target": "a.b.*"}], "A: a.b.*"),
        ([{"refId": "A", "metrics": [{"type": "count"}]}], 'A: {"metrics":[{"type":"count"}]}'),
        ([{"refId": "A"}], None),
        ([], None),
    ],
)
def test_the_first_query_is_the_first_visible_targets_text(
    targets: list[dict[str, Any]], expected: str | None
) -> None:
    assert first_query({"targets": targets}) == expected


def test_grafana_closes_gaps_pushes_overlaps_down_and_pulls_wide_panels_inside() -> None:
    positions = grafana_positions(
        [box(0, 3, 12, 4), box(6, 5, 12, 4), box(20, 9, 8, 2), box(-2, 20, 6, 2)]
    )
    # The first rises to the top, the second goes under it, the third moves left to x 16
    # and rises until it meets the second, the last (left of the grid) goes full width and
    # rises until it meets the third.
    assert positions == [(0, 0), (6, 4), (16, 8), (0, 10)]


def test_rows_are_full_width_bands_and_collapsed_ones_carry_their_panels() -> None:
    hidden = [
        {"type": "stat", "title": "A", "gridPos": box(0, 9, 12, 4)},
        {"type": "stat", "title": "B", "gridPos": box(6, 9, 12, 4)},
    ]
    layout = grid_layout(
        [
            {
                "type": "row",
                "title": "R",
                "collapsed": True,
                "repeat": "host",
                "gridPos": box(3, 0, 5, 7),
                "panels": hidden,
            },
            {
                "type": "graph",
                "title": "G",
                "gridPos": box(0, 1, 24, 3),
                "repeat": "pod",
                "repeatDirection": "v",
            },
        ]
    )
    row, graph = layout["items"]
    assert layout["kind"] == "grid"
    assert row["gridPos"] == box(0, 0, 24, 1)
    assert row["repeat"] == {"variable": "host"}
    assert [c["key"] for c in row["children"]] == ["p0.0", "p0.1"]
    overlap = layout_problems(hidden)[0][1].message
    assert row["children"][1]["warnings"] == [overlap]  # the build's check, on the row's panels
    assert graph["repeat"] == {"variable": "pod", "direction": "vertical"}
    assert "grafana" not in graph


def test_the_build_warns_about_panels_outside_the_grid_also_inside_collapsed_rows() -> None:
    dashboard = {
        "uid": "u",
        "title": "t",
        "panels": [
            {"id": 1, "type": "stat", "title": "wide", "gridPos": box(20, 0, 8, 2)},
            {
                "id": 2,
                "type": "row",
                "title": "r",
                "collapsed": True,
                "gridPos": box(0, 2, 24, 1),
                "panels": [{"id": 3, "type": "stat", "title": "left", "gridPos": box(-1, 3, 4, 2)}],
            },
        ],
    }
    found = [(p.severity, p.message) for p in validate(dashboard)]
    assert (
        "warning",
        'panel 1 "wide" reaches past the 24-column grid (gridPos x 20 + w 8 = 28); '
        "Grafana moves it to x 16",
    ) in found
    # A panel left of column 0 is a build error (model.structure), not only a warning.
    assert [m for severity, m in found if severity == "error"] == [
        'panel 3 "left": gridPos.x must be an integer from 0 to 23, got -1'
    ]
    assert [i for i, _ in layout_problems(dashboard["panels"])] == [0]


def test_the_page_header_has_variables_time_range_refresh_and_links() -> None:
    dashboard = {
        "title": "T",
        "tags": ["a", 3],
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "10s",
        "templating": {
            "list": [
                {"name": "env", "type": "custom", "current": {"text": ["a", "b"]}, "multi": True},
                {
                    "name": "job",
                    "label": "Job",
                    "type": "query",
                    "hide": 2,
                    "query": {"query": "label_values(job)"},
                },
            ]
        },
        "panels": [{"type": "stat", "gridPos": box(0, 0, 4, 4)}],
    }
    model = page.page_model(built(), dashboard, grafana_url="https://g.example/sub")
    assert model["tags"] == ["a"]
    assert model["panels"] == 1
    assert model["header"]["time"] == {"from": "now-1h", "to": "now"}
    assert model["header"]["refresh"] == "10s"
    env, job = model["header"]["variables"]
    assert (env["value"], env["multi"]) == ("a, b", True)
    assert (job["label"], job["value"], job["hide"]) == ("Job", "label_values(job)", "hidden")
    assert model["links"] == {"json": "/build/main/d.json", "grafana": "https://g.example/sub/d/d"}
    assert page.page_model(built(), dashboard, grafana_url=None)["links"]["grafana"] is None
    odd = BuiltDashboard("Main Org #2", "d", "T", Path("d.json"), Path("/x.json"), "h")
    assert page.page_path(odd) == "/d/Main%20Org%20%232/d"


def test_grafana_links_never_carry_credentials_or_other_schemes() -> None:
    assert grafana_link("https://admin:secret@g.example:3000/") == "https://g.example:3000"
    assert grafana_link("javascript:alert(1)") is None
    assert grafana_link(None) is None


def test_legacy_rows_are_drawn_as_grafanas_migration_lays_them_out() -> None:
    dashboard = {
        "title": "old",
        "schemaVersion": 14,
        "rows": [{"height": "250px", "panels": [{"type": "graph", "title": "g", "span": 6}]}],
    }
    layout = page.page_model(built(), dashboard, grafana_url=None)["layout"]
    assert [item["title"] for item in layout["items"]] == ["g"]
    # the build's v16 migration: span 6 of 12 is 12 of 24 columns, ceil(250 px / 38) high
    assert layout["items"][0]["gridPos"] == box(0, 0, 12, 7)
    assert "legacy rows" in layout["notes"][0]
    assert page.count_panels(dashboard) == 1


def test_another_layout_kind_is_one_more_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    def tabs(built: BuiltDashboard, dashboard: dict[str, Any]) -> dict[str, Any]:
        return {"kind": "tabs", "tabs": dashboard["layout"]}

    kinds = [(lambda b, d: "layout" in d, tabs), *page.LAYOUT_KINDS]
    monkeypatch.setattr(page, "LAYOUT_KINDS", kinds)
    assert page.page_model(built(), {"layout": ["a"]}, grafana_url=None)["layout"] == {
        "kind": "tabs",
        "tabs": ["a"],
    }
    assert page.page_model(built(), {"panels": []}, grafana_url=None)["layout"]["kind"] == "grid"


def test_the_static_pages_never_hand_strings_to_an_html_parser() -> None:
    static = Path(page.__file__).parent / "static"
    scripts = {p.name: p.read_text() for p in static.glob("*.js")}
    assert {"common.js", "index.js", "dashboard.js", "grid.js"} <= set(scripts)
    for name, text in scripts.items():
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{name} uses {sink}"
    for html in static.glob("*.html"):
        text = html.read_text()
        assert "http://" not in text and "https://" not in text  # nothing from the internet
        assert "<script>" not in text  # no inline script: the CSP allows only our files

"""A schema v2 dashboard in a real headless Chromium: rows, tabs, auto grid, boxes in pixels.

The build output is written as the build writes a v2 dashboard (spec + manifest with its
schema) and served by the preview's own server and state, read from that manifest.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cdp import Page
from preview_helpers import InProcessPreview, assert_drawn_at, write_project
from v2_fixtures import auto_grid, buildable_showcase, resource, showcase, write_v2_build

from dashgen.build import read_manifest
from dashgen.preview import PreviewServer, PreviewState

MARGIN = 8
ServePreview = Callable[[Path], InProcessPreview]


@dataclass
class Served:
    url: str
    state: PreviewState
    root: Path

    def rebuild(self, spec: dict[str, Any]) -> None:
        """What a rebuild does to the preview: new outputs, then the state shows them."""
        write_v2_build(self.root, {"show": spec})
        self.state.start_from(read_manifest(self.root / "build"))


@pytest.fixture
def served_v2(tmp_path: Path) -> Iterator[Served]:
    write_v2_build(tmp_path, {"show": showcase()})
    state = PreviewState()
    state.start_from(read_manifest(tmp_path / "build"))
    with PreviewServer(state, port=0) as server:
        yield Served(server.url, state, tmp_path)
    state.close()


DRAWN = """(() => {
  const box = (node, origin) => {
    const r = node.getBoundingClientRect();
    return {left: r.left - origin.left, top: r.top - origin.top, width: r.width, height: r.height};
  };
  const grids = [...document.querySelectorAll('#v2 .grid')].map((grid) => {
    const origin = grid.getBoundingClientRect();
    return {key: grid.dataset.key, width: grid.clientWidth,
            items: [...grid.querySelectorAll('.grid-item')].map((node) => ({
              key: node.dataset.key, kind: node.dataset.kind, ...box(node, origin),
              title: node.querySelector('.panel-title').textContent, text: node.innerText}))};
  });
  const autos = [...document.querySelectorAll('#v2 .auto-grid')].map((auto) => {
    const cells = auto.querySelector('.auto-grid-cells');
    const origin = cells.getBoundingClientRect();
    return {label: auto.querySelector('.auto-grid-label').textContent, width: cells.clientWidth,
            items: [...cells.children].map((node) => ({
              key: node.dataset.key, kind: node.dataset.kind, element: node.dataset.element,
              ...box(node, origin), text: node.innerText}))};
  });
  const rows = [...document.querySelectorAll('#v2 .v2-row')].map((row) => {
    const header = row.querySelector(':scope > .v2-row-header');
    return {key: row.dataset.key, collapsed: row.dataset.collapsed,
            header: header ? header.innerText : null,
            hasContent: !!row.querySelector(':scope > .v2-row-content')};
  });
  const tabs = [...document.querySelectorAll('#v2 .tab-strip [role=tab]')].map((tab) => ({
    text: tab.textContent, selected: tab.getAttribute('aria-selected')}));
  return {grids, autos, rows, tabs};
})()"""


def drawn(page: Page) -> dict[str, Any]:
    return page.evaluate(DRAWN)


def auto_grid_box(index: int, count: int, width: float, layout: dict[str, float]) -> dict:
    """Where CSS grid puts cell ``index`` of Grafana's auto grid template."""
    columns_fit = layout["maxColumnCount"]
    minimum = min(max(width / columns_fit - MARGIN, layout["columnWidth"]), width)
    columns = min(math.floor((width + MARGIN) / (minimum + MARGIN)), count)  # auto-fit
    column = (width - MARGIN * (columns - 1)) / columns
    return {
        "left": (index % columns) * (column + MARGIN),
        "top": (index // columns) * (layout["rowHeight"] + MARGIN),
        "width": column,
        "height": layout["rowHeight"],
    }


def test_a_v2_dashboard_is_drawn_as_rows_tabs_auto_grid_and_grids(
    served_v2: Served, page: Page, screenshots: Path
) -> None:
    page.goto(served_v2.url)
    page.wait_for("document.querySelector('table.index tbody tr')")
    index_row = page.evaluate("document.querySelector('table.index tbody tr').innerText")
    assert "Showcase v2" in index_row and "schema v2" in index_row and "\t8\t" in index_row

    page.goto(f"{served_v2.url}d/main/show")
    page.wait_for("document.querySelectorAll('#v2 .grid .grid-item').length > 0")
    assert "schema v2" in page.evaluate("document.getElementById('header').innerText")
    header = page.evaluate("document.getElementById('header').innerText")
    assert "Environment" in header and "now-3h" in header and "refresh 1m" in header
    notes = page.evaluate("document.querySelector('.layout-note').textContent")
    assert "panel-8" in notes
    view = drawn(page)

    # Row headers: the collapsed one lists what it holds and draws no content.
    overview, details, more = view["rows"]
    assert "Overview" in overview["header"] and overview["hasContent"]
    assert details["collapsed"] == "yes" and not details["hasContent"]
    assert "collapsed, 1 panel" in details["header"]
    assert "Hidden table (table)" in details["header"]
    assert "repeats for each $env" in details["header"]
    assert "More" in more["header"] and more["hasContent"]

    # The Overview grid: Grafana's 24-column geometry, the missing element in its place.
    (grid,) = view["grids"]  # the second tab's grid is not drawn until chosen
    items = {item["key"]: item for item in grid["items"]}
    assert grid["width"] > 1000
    assert_drawn_at(items["L.r0.i0"], {"x": 0, "y": 0, "w": 12, "h": 8}, grid["width"])
    assert_drawn_at(items["L.r0.i1"], {"x": 12, "y": 0, "w": 12, "h": 8}, grid["width"])
    assert_drawn_at(items["L.r0.i2"], {"x": 0, "y": 8, "w": 24, "h": 4}, grid["width"])
    assert items["L.r0.i0"]["title"] == "Requests" and "timeseries" in items["L.r0.i0"]["text"]
    assert "A: sum(rate(timeseries_total[5m]))" in items["L.r0.i0"]["text"]
    assert items["L.r0.i2"]["kind"] == "missing"
    assert 'element "panel-9", which is not in elements' in items["L.r0.i2"]["text"]
    assert page.evaluate("document.querySelector('#v2 .markdown h1').textContent") == "On call"
    assert page.evaluate("document.querySelector('#v2 .markdown a').href") == (
        "https://example.com/oncall"
    )

    # The tab strip: first tab shown, holding the auto grid.
    assert view["tabs"] == [
        {"text": "Auto", "selected": "true"},
        {"text": "Second", "selected": "false"},
    ]
    (auto,) = view["autos"]
    assert "Auto grid: up to 3 columns" in auto["label"]
    assert "narrow column width (192 px)" in auto["label"] and "short row height" in auto["label"]
    layout = {"maxColumnCount": 3, "columnWidth": 192, "rowHeight": 168}
    assert len(auto["items"]) == 4
    for index, cell in enumerate(auto["items"]):
        expected = auto_grid_box(index, 4, auto["width"], layout)
        for side, value in expected.items():
            assert abs(cell[side] - value) <= 1, (cell["key"], side, cell[side], value)
    shared, _, _, lost = auto["items"]
    assert "Shared CPU" in shared["text"] and "library panel: CPU usage" in shared["text"]
    assert lost["kind"] == "missing" and '"panel-10"' in lost["text"]
    page.screenshot(screenshots / "v2-showcase.png")

    # Choosing the second tab draws its grid; opening the collapsed row draws its grid.
    page.evaluate("document.querySelectorAll('.tab-strip [role=tab]')[1].click()")
    page.wait_for("document.querySelector('[data-key=\"L.r2.t1.i0\"]')")
    view = drawn(page)
    assert [t["selected"] for t in view["tabs"]] == ["false", "true"]
    assert view["autos"] == []
    second = next(g for g in view["grids"] if g["key"] == "L.r2.t1")
    assert_drawn_at(second["items"][0], {"x": 6, "y": 0, "w": 12, "h": 5}, second["width"])
    assert second["items"][0]["title"] == "Second tab panel"

    page.evaluate("document.querySelector('.v2-row.collapsed .row-toggle').click()")
    page.wait_for("document.querySelector('[data-key=\"L.r1.i0\"]')")
    view = drawn(page)
    assert view["rows"][1]["hasContent"] and "opened here" in view["rows"][1]["header"]
    hidden = next(g for g in view["grids"] if g["key"] == "L.r1")
    assert_drawn_at(hidden["items"][0], {"x": 0, "y": 0, "w": 24, "h": 6}, hidden["width"])
    assert [t["selected"] for t in view["tabs"]] == ["false", "true"]  # the tab stays chosen
    page.screenshot(screenshots / "v2-showcase-opened.png")

    # A rebuild redraws the open page in place; the chosen tab and the opened row stay.
    page.evaluate("window.__notReloaded = true")
    spec = showcase()
    second_tab = spec["layout"]["spec"]["rows"][2]["spec"]["layout"]["spec"]["tabs"][1]
    moved = second_tab["spec"]["layout"]["spec"]["items"][0]["spec"]
    moved.update(x=0, width=24)
    spec["elements"]["panel-7"]["spec"]["title"] = "Moved panel"
    served_v2.rebuild(spec)
    page.wait_for(
        "[...document.querySelectorAll('.panel-title')].some(n => n.textContent === 'Moved panel')"
    )
    view = drawn(page)
    assert [t["selected"] for t in view["tabs"]] == ["false", "true"]
    assert view["rows"][1]["hasContent"]
    second = next(g for g in view["grids"] if g["key"] == "L.r2.t1")
    assert_drawn_at(second["items"][0], {"x": 0, "y": 0, "w": 24, "h": 5}, second["width"])
    assert page.evaluate("window.__notReloaded") is True


def test_a_v2_resource_source_is_built_and_drawn_live_by_dashgen_preview(
    tmp_path: Path, serve_preview: ServePreview, page: Page
) -> None:
    source = "dashboards/show.json"
    root = write_project(tmp_path / "project", {source: resource("show", buildable_showcase())})
    preview = serve_preview(root)
    (entry,) = read_manifest(root / "build")
    assert (entry.uid, entry.schema, entry.folder_uid) == ("show", "v2", "ops")

    page.goto(f"{preview.url}d/_default/show")
    page.wait_for("document.querySelectorAll('#v2 .grid .grid-item').length > 0")
    assert page.evaluate("document.getElementById('build').dataset.state") == "ok"
    warnings = page.evaluate("document.getElementById('warnings').innerText")
    assert "dashboards/show.json:" in warnings and "panel-8" in warnings  # the build's own
    view = drawn(page)
    assert [r["collapsed"] for r in view["rows"]] == ["no", "yes", "no"]
    (grid,) = view["grids"]
    assert [i["title"] for i in grid["items"]] == ["Requests", "Runbook"]
    assert_drawn_at(grid["items"][1], {"x": 12, "y": 0, "w": 12, "h": 8}, grid["width"])
    (auto,) = view["autos"]
    assert [c["element"] for c in auto["items"]] == ["panel-3", "panel-4", "panel-5"]

    # A save re-renders the page: the rows layout became an auto grid of two panels.
    spec = buildable_showcase()
    spec["layout"] = auto_grid(
        "panel-1", "panel-2", maxColumnCount=2, columnWidthMode="standard", rowHeightMode="tall"
    )
    (root / source).write_text(json.dumps(resource("show", spec), indent=2) + "\n")
    page.wait_for("document.querySelectorAll('#v2 .auto-grid-item').length === 2")
    view = drawn(page)
    assert view["rows"] == [] and view["tabs"] == [] and view["grids"] == []
    (auto,) = view["autos"]
    layout = {"maxColumnCount": 2, "columnWidth": 448, "rowHeight": 512}
    for index, cell in enumerate(auto["items"]):
        expected = auto_grid_box(index, 2, auto["width"], layout)
        for side, value in expected.items():
            assert abs(cell[side] - value) <= 1, (cell["key"], side, cell[side], value)

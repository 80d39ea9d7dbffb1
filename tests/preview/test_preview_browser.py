"""The preview in a real headless Chromium: layout in pixels, highlights, live updates, XSS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cdp import Page
from preview_helpers import (
    InProcessPreview,
    PreviewProcess,
    assert_drawn_at,
    copy_examples,
    dashboard,
    drawn_grid,
    expected_box,
    get_json,
    grid_of,
    panel,
    write_project,
)

from dashgen.model.validate import layout_problems

StartPreview = Callable[..., PreviewProcess]
ServePreview = Callable[[Path], InProcessPreview]


def open_dashboard(
    page: Page, preview: PreviewProcess | InProcessPreview, org: str, uid: str
) -> None:
    page.goto(f"{preview.url}d/{org}/{uid}")
    page.wait_for("document.querySelectorAll('#grid .grid-item').length > 0")


def test_every_shipped_example_is_drawn_where_its_grid_pos_puts_it(
    tmp_path: Path, start_preview: StartPreview, page: Page, screenshots: Path
) -> None:
    root = copy_examples(tmp_path / "examples")
    preview = start_preview(root)
    manifest = json.loads((root / "build" / "manifest.json").read_text())["dashboards"]
    assert len(manifest) == 3

    page.goto(preview.url)
    page.wait_for("document.querySelectorAll('table.index tbody tr').length === 3")
    listed = page.evaluate(
        "[...document.querySelectorAll('table.index tbody tr')].map(r => r.innerText)"
    )
    for entry in manifest:
        built = json.loads((root / "build" / entry["path"]).read_text())
        row = next(text for text in listed if entry["uid"] in text)
        assert built["title"] in row and "apiorg" in row and "Platform" in row
        assert all(tag in row for tag in built["tags"])
    page.screenshot(screenshots / "index.png")

    for entry in manifest:
        built = json.loads((root / "build" / entry["path"]).read_text())
        open_dashboard(page, preview, entry["org"], entry["uid"])
        drawn = drawn_grid(page)
        assert drawn["width"] > 1000  # the fixed 1280 px viewport, less the page's padding
        items = {item["key"]: item for item in drawn["items"]}
        assert len(items) == len(built["panels"])
        for index, built_panel in enumerate(built["panels"]):
            item = items[f"p{index}"]
            assert item["title"] == built_panel["title"]
            assert_drawn_at(item, grid_of(built_panel), drawn["width"])
            assert not item["warned"]
        header = page.evaluate("document.getElementById('header').innerText")
        assert built["title"] in header and built["time"]["from"] in header
        for variable in built["templating"]["list"]:
            assert (variable.get("label") or variable["name"]) in header
        grafana = page.evaluate("document.querySelector('.grafana-link').href")
        assert grafana == f"http://localhost:3000/d/{entry['uid']}"  # dashgen.toml's grafana_url
        json_link = page.evaluate("document.querySelector('.json-link').href")
        assert get_json(json_link) == built
        page.screenshot(screenshots / f"{entry['uid']}.png")


def test_overlapping_panels_and_panels_outside_the_grid_are_highlighted(
    tmp_path: Path, serve_preview: ServePreview, page: Page, screenshots: Path
) -> None:
    panels = [
        panel("Left", 0, 0, 12, 8),
        panel("Overlaps left", 6, 4, 12, 8),
        panel("Too wide", 18, 12, 12, 4),
        panel("Fine", 0, 16, 24, 4),
    ]
    root = write_project(
        tmp_path / "project", {"dashboards/layout.json": dashboard("layout", "Layout", panels)}
    )
    preview = serve_preview(root)
    built = json.loads((root / "build" / "_default" / "layout.json").read_text())
    expected = {index: problem.message for index, problem in layout_problems(built["panels"])}
    assert set(expected) == {1, 2}

    open_dashboard(page, preview, "_default", "layout")
    drawn = drawn_grid(page)
    items = {item["key"]: item for item in drawn["items"]}
    for index, built_panel in enumerate(built["panels"]):
        item = items[f"p{index}"]
        assert item["warned"] is (index in expected), item
        if index in expected:
            assert expected[index] in item["text"]
        # Drawn where the JSON says, even past the grid's right edge: that is the point.
        assert_drawn_at(item, built_panel["gridPos"], drawn["width"])
    assert "overlaps" in expected[1] and "24-column grid" in expected[2]
    assert items["p2"]["left"] + items["p2"]["width"] > drawn["width"]
    assert "Grafana shows it at x 12" in items["p2"]["text"]
    assert "Grafana shows it at y 8" in items["p1"]["text"]  # pushed below what it overlaps
    page.screenshot(screenshots / "overlaps.png")

    page.goto(preview.url)
    page.wait_for("document.querySelector('table.index tbody tr')")
    row = page.evaluate("document.querySelector('table.index tbody tr').innerText")
    assert "dashboards/layout.json:" in row and "overlaps" in row  # the build's warnings


def test_collapsed_rows_list_their_panels_and_expand_as_grafana_does(
    tmp_path: Path, serve_preview: ServePreview, page: Page
) -> None:
    hidden = [panel("Hidden A", 0, 40, 12, 6), panel("Hidden B", 12, 40, 12, 9)]
    panels = [
        panel("Top", 0, 0, 24, 5, repeat="instance", repeatDirection="h", maxPerRow=4),
        {
            "type": "row",
            "title": "Details",
            "collapsed": True,
            "panels": hidden,
            "gridPos": {"x": 0, "y": 5, "w": 24, "h": 1},
        },
        {
            "type": "row",
            "title": "Per host",
            "collapsed": False,
            "repeat": "host",
            "gridPos": {"x": 0, "y": 6, "w": 24, "h": 1},
            "panels": [],
        },
        panel("Below", 0, 7, 24, 4),
    ]
    root = write_project(
        tmp_path / "project", {"dashboards/rows.json": dashboard("rows", "Rows", panels)}
    )
    preview = serve_preview(root)
    open_dashboard(page, preview, "_default", "rows")
    before = {item["key"]: item for item in drawn_grid(page)["items"]}
    assert "Hidden A (timeseries)" in before["p1"]["text"]
    assert "collapsed, 2 panels" in before["p1"]["text"]
    assert "repeats for each $instance (horizontal, max 4 per row)" in before["p0"]["text"]
    assert "repeats for each $host" in before["p2"]["text"]
    assert "p1.0" not in before

    page.evaluate("document.querySelector('.row-toggle:not(.static)').click()")
    page.wait_for("document.querySelector('[data-key=\"p1.0\"]')")
    drawn = drawn_grid(page)
    after = {item["key"]: item for item in drawn["items"]}
    # Grafana's toggleRow: the first hidden panel starts right under the row (y 6), the
    # others keep their offsets, and what follows moves down by their height (9).
    assert_drawn_at(after["p1.0"], {"x": 0, "y": 6, "w": 12, "h": 6}, drawn["width"])
    assert_drawn_at(after["p1.1"], {"x": 12, "y": 6, "w": 12, "h": 9}, drawn["width"])
    assert_drawn_at(after["p2"], {"x": 0, "y": 15, "w": 24, "h": 1}, drawn["width"])
    assert_drawn_at(after["p3"], {"x": 0, "y": 16, "w": 24, "h": 4}, drawn["width"])
    assert_drawn_at(after["p0"], {"x": 0, "y": 0, "w": 24, "h": 5}, drawn["width"])


def test_a_save_updates_open_pages_and_a_broken_save_keeps_the_last_good_layout(
    tmp_path: Path, start_preview: StartPreview, chromium: object, page: Page, screenshots: Path
) -> None:
    source = "dashboards/live.json"
    first = dashboard("live", "Live", [panel("A", 0, 0, 12, 8), panel("B", 12, 0, 12, 8)])
    root = write_project(tmp_path / "project", {source: first})
    preview = start_preview(root)
    open_dashboard(page, preview, "_default", "live")
    index = chromium.new_page()  # type: ignore[attr-defined]
    try:
        index.goto(preview.url)
        index.wait_for("document.querySelector('table.index tbody tr')")
        page.evaluate("window.__notReloaded = true")
        index.evaluate("window.__notReloaded = true")

        second = dashboard(
            "live", "Live v2", [panel("A", 0, 0, 8, 8), panel("B moved", 8, 2, 16, 6)]
        )
        (root / source).write_text(json.dumps(second, indent=2) + "\n")
        page.wait_for(
            "[...document.querySelectorAll('.panel-title')].some(n => n.textContent === 'B moved')"
        )
        drawn = drawn_grid(page)
        items = {item["key"]: item for item in drawn["items"]}
        assert_drawn_at(items["p1"], {"x": 8, "y": 2, "w": 16, "h": 6}, drawn["width"])
        assert_drawn_at(items["p0"], {"x": 0, "y": 0, "w": 8, "h": 8}, drawn["width"])
        assert page.evaluate("document.querySelector('.dash-title').textContent") == "Live v2"
        index.wait_for("document.querySelector('table.index').innerText.includes('Live v2')")

        (root / source).write_text(
            '{\n  "uid": "live",\n  "title": "Live v3",\n  "panels": [,]\n}\n'
        )
        page.wait_for("document.getElementById('build').dataset.state === 'failed'")
        problems = page.evaluate("document.querySelector('#build .problems').innerText")
        assert "dashboards/live.json:4" in problems and "error" in problems
        # The last good layout is still drawn, where it was.
        drawn = drawn_grid(page)
        items = {item["key"]: item for item in drawn["items"]}
        assert items["p1"]["title"] == "B moved"
        assert_drawn_at(items["p1"], {"x": 8, "y": 2, "w": 16, "h": 6}, drawn["width"])
        index.wait_for("document.getElementById('build').dataset.state === 'failed'")
        assert "Live v2" in index.evaluate("document.querySelector('table.index').innerText")
        assert "dashboards/live.json:4" in index.evaluate(
            "document.getElementById('build').innerText"
        )
        page.screenshot(screenshots / "failed-build.png")

        (root / source).write_text(json.dumps(first, indent=2) + "\n")
        page.wait_for("document.getElementById('build').dataset.state === 'ok'")
        page.wait_for("document.querySelector('.dash-title').textContent === 'Live'")

        (root / source).unlink()  # the dashboard goes away: the page says so, keeps its layout
        page.wait_for("!document.getElementById('missing').hidden")
        assert "not in the current build" in page.evaluate(
            "document.getElementById('missing').innerText"
        )
        assert len(drawn_grid(page)["items"]) == 2
        index.wait_for("document.querySelector('.empty')")
        assert page.evaluate("window.__notReloaded") is True
        assert index.evaluate("window.__notReloaded") is True
        assert not index.errors
    finally:
        index.close()


XSS_TITLE = '<img src=x onerror="window.__xss=1">"><script>window.__xss=2</script>'


def test_nothing_a_dashboard_says_becomes_markup_or_script(
    tmp_path: Path, serve_preview: ServePreview, page: Page
) -> None:
    markdown = (
        "# Notes <img src=x onerror=window.__xss=3>\n\n"
        "**bold** and [a link](https://example.com/docs) and [bad](javascript:window.__xss=4)\n"
    )
    panels = [
        {
            "type": "text",
            "title": "<script>window.__xss=5</script>",
            "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
            "options": {"mode": "markdown", "content": markdown},
        },
        {
            "type": "text",
            "title": "html",
            "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
            "options": {"mode": "html", "content": "<img src=x onerror=window.__xss=6><b>hi</b>"},
        },
        panel(
            "<svg onload=window.__xss=7>",
            0,
            8,
            24,
            4,
            targets=[{"refId": "A", "expr": "<img src=x onerror=window.__xss=8>"}],
        ),
    ]
    templating = {"list": [{"name": "v", "type": "custom", "label": "<b onmouseover=x>"}]}
    doc = dashboard("xss", XSS_TITLE, panels, tags=["<i>tag</i>"], templating=templating)
    root = write_project(tmp_path / "project", {"dashboards/xss.json": doc})
    preview = serve_preview(root)

    open_dashboard(page, preview, "_default", "xss")
    page.wait_for("document.querySelector('.markdown h1')")
    assert page.evaluate("document.querySelector('.dash-title').textContent") == XSS_TITLE
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert (
        page.evaluate("document.querySelectorAll('img, svg, b, i, script:not([src])').length") == 0
    )
    hrefs = page.evaluate("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert "https://example.com/docs" in hrefs
    assert not [h for h in hrefs if h.lower().startswith("javascript")]
    assert "<img src=x onerror=window.__xss=6>" in page.evaluate(
        "document.querySelector('.text-source').textContent"
    )
    page.evaluate("document.querySelectorAll('.markdown span').forEach(n => n.click())")
    assert page.evaluate("typeof window.__xss") == "undefined"

    page.goto(preview.url)
    page.wait_for("document.querySelector('table.index tbody tr')")
    assert XSS_TITLE in page.evaluate("document.querySelector('table.index').innerText")
    assert page.evaluate("document.querySelectorAll('img, svg, script:not([src])').length") == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_pixel_maths_matches_react_grid_layout_for_a_known_width() -> None:
    # 1248 px wide: columns of (1248 - 8 * 23) / 24 = 44.33 px.
    assert expected_box({"x": 12, "y": 9, "w": 12, "h": 8}, 1248) == {
        "left": 628,
        "top": 342,
        "width": 620,
        "height": 296,
    }

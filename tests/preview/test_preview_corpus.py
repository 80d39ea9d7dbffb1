"""Every real dashboard of ../shared/corpus as the preview sees it: each panel an item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from preview_helpers import assert_drawn_at, drawn_grid, grid_of, write_project

from dashgen.build import BuiltDashboard
from dashgen.model.forms import FormError, dashboard_model
from dashgen.model.legacy_rows import convert_legacy_rows
from dashgen.model.normalize import normalize
from dashgen.preview.page import page_model


def corpus_dashboards(corpus: Path) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((corpus / "dashboards").glob("*.json")):
        document = json.loads(path.read_text())
        inputs = document.get("__inputs") if isinstance(document, dict) else None
        values = {i["name"]: "ds" for i in inputs or [] if isinstance(i, dict) and "name" in i}
        try:
            model = dashboard_model(document, values)
        except FormError:
            continue  # not a dashboard, a v2 resource, library panels: the build refuses them
        found.append((path.name, normalize(model.dashboard, source=path.name)))
    return found


@pytest.mark.corpus
def test_every_corpus_dashboard_becomes_a_page_with_every_panel(corpus_dir: Path) -> None:
    dashboards = corpus_dashboards(corpus_dir)
    assert len(dashboards) >= 20
    for name, dashboard in dashboards:
        built = BuiltDashboard(
            "o", dashboard["uid"], dashboard["title"], Path(name), Path(name), ""
        )
        page = page_model(built, dashboard, grafana_url=None)
        orjson.dumps(page)  # the page is plain JSON
        expected = convert_legacy_rows(dashboard)["panels"]
        items = page["layout"]["items"]
        assert [item["id"] for item in items] == [p.get("id") for p in expected], name
        for item, panel in zip(items, expected, strict=True):
            if item["kind"] == "row":
                assert len(item["children"]) == len(panel.get("panels") or []), name
                assert item["gridPos"]["w"] == 24
            else:
                assert item["gridPos"] == panel["gridPos"], name


@pytest.mark.corpus
def test_every_corpus_dashboard_is_drawn_in_the_browser(
    corpus_dir: Path, tmp_path: Path, serve_preview: Any, page: Any
) -> None:
    dashboards = corpus_dashboards(corpus_dir)
    files = {}
    for index, (name, dashboard) in enumerate(dashboards):
        dashboard["uid"] = f"corpus-{index}"  # versions of one dashboard share their uid
        files[f"dashboards/{name}"] = dashboard
    preview = serve_preview(write_project(tmp_path / "corpus", files))
    for index, (name, _) in enumerate(dashboards):
        built = json.loads(
            (tmp_path / "corpus/build/_default" / f"corpus-{index}.json").read_text()
        )
        page.goto(f"{preview.url}d/_default/corpus-{index}")
        page.wait_for("document.querySelector('#grid') && document.body.dataset.generation")
        drawn = drawn_grid(page)
        panels = convert_legacy_rows(built)["panels"]
        items = {item["key"]: item for item in drawn["items"]}
        assert len(items) == len(panels), name
        for position, panel in enumerate(panels):
            assert_drawn_at(items[f"p{position}"], grid_of(panel), drawn["width"])

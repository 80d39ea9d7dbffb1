"""Hand-made schema v2 specs (grafana-apis.md §7.2) and v2 build outputs on disk.

Until v2 sources build, the preview's v2 tests write ``build/<org>/<uid>.json`` (the spec)
and ``build/manifest.json`` (``manifest_bytes`` of ``BuiltDashboard(schema="v2")``)
themselves, as the build does for a v2 dashboard. The layout and panel builders live in
``tests/v2_dashboards.py`` (shared with the import, pull and publish tests).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dashgen.build import BuiltDashboard
from dashgen.build.manifest import MANIFEST_NAME, manifest_bytes
from v2_dashboards import (  # the builders, re-exported for the preview tests
    auto_grid,
    full_panel,
    grid,
    library_panel,
    panel_query,
    rows,
    tabs,
)


def viz_panel(panel_id: int, title: str, group: str, **options: Any) -> dict[str, Any]:
    query = panel_query({"name": "prom-main"}, f"sum(rate({group}_total[5m]))")
    field_config = {"defaults": {}, "overrides": []}
    viz_spec = {"options": options, "fieldConfig": field_config}
    return full_panel(panel_id, title, group, query, viz_spec=viz_spec)


def text_panel(panel_id: int, title: str, markdown: str) -> dict[str, Any]:
    panel = viz_panel(panel_id, title, "text", mode="markdown", content=markdown)
    panel["spec"]["data"]["spec"]["queries"] = []
    return panel


def v2_spec(title: str, elements: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any]:
    return {
        "annotations": [],
        "cursorSync": "Off",
        "elements": elements,
        "layout": layout,
        "links": [],
        "preload": False,
        "tags": ["v2"],
        "timeSettings": {"timezone": "utc", "from": "now-3h", "to": "now", "autoRefresh": "1m"},
        "title": title,
        "variables": [
            {
                "kind": "CustomVariable",
                "spec": {
                    "name": "env",
                    "label": "Environment",
                    "query": "prod,staging",
                    "current": {"text": "prod", "value": "prod"},
                    "hide": "dontHide",
                    "multi": False,
                    "includeAll": False,
                },
            }
        ],
    }


# Every layout kind, nested: rows holding a grid (with a missing reference), a collapsed
# row, and tabs holding an auto grid (with a library panel and a missing reference) and a
# grid; one element the layout never places.
SHOWCASE_ELEMENTS = {
    "panel-1": viz_panel(1, "Requests", "timeseries"),
    "panel-2": text_panel(
        2, "Runbook", "# On call\n\n**Page** the [team](https://example.com/oncall)"
    ),
    "panel-3": library_panel(3, "Shared CPU", "lib-cpu", "CPU usage"),
    "panel-4": viz_panel(4, "Errors", "stat"),
    "panel-5": viz_panel(5, "Saturation", "gauge"),
    "panel-6": viz_panel(6, "Hidden table", "table"),
    "panel-7": viz_panel(7, "Second tab panel", "bargauge"),
    "panel-8": viz_panel(8, "Never placed", "stat"),
}
SHOWCASE_LAYOUT = rows(
    (
        "Overview",
        False,
        grid(("panel-1", 0, 0, 12, 8), ("panel-2", 12, 0, 12, 8), ("panel-9", 0, 8, 24, 4)),
    ),
    ("Details", True, grid(("panel-6", 0, 0, 24, 6))),
    (
        "More",
        False,
        tabs(
            (
                "Auto",
                auto_grid(
                    "panel-3",
                    "panel-4",
                    "panel-5",
                    "panel-10",
                    maxColumnCount=3,
                    columnWidthMode="narrow",
                    rowHeightMode="short",
                ),
            ),
            ("Second", grid(("panel-7", 6, 0, 12, 5))),
        ),
    ),
    Details={"repeat": {"mode": "variable", "value": "env"}},
)


def showcase() -> dict[str, Any]:
    """A fresh copy each time: tests change theirs."""
    fresh = json.loads(json.dumps({"e": SHOWCASE_ELEMENTS, "l": SHOWCASE_LAYOUT}))
    return v2_spec("Showcase v2", fresh["e"], fresh["l"])


def buildable_showcase() -> dict[str, Any]:
    """The showcase without its references to missing elements (the build refuses those)."""
    spec = showcase()
    overview, _, more = spec["layout"]["spec"]["rows"]
    overview["spec"]["layout"]["spec"]["items"].pop()  # panel-9
    auto = more["spec"]["layout"]["spec"]["tabs"][0]["spec"]["layout"]
    auto["spec"]["items"].pop()  # panel-10
    return spec


def resource(uid: str, spec: dict[str, Any], version: str = "v2") -> dict[str, Any]:
    """A v2 dashboard resource file, as gcx pulls it (a source since issue 16)."""
    return {
        "apiVersion": f"dashboard.grafana.app/{version}",
        "kind": "Dashboard",
        "metadata": {"name": uid, "annotations": {"grafana.app/folder": "ops"}},
        "spec": spec,
    }


def write_v2_build(
    root: Path, dashboards: dict[str, dict[str, Any]], *, org: str = "main", schema: str = "v2"
) -> list[BuiltDashboard]:
    """``build/<org>/<uid>.json`` for each spec and the manifest listing them."""
    output = root / "build"
    built = []
    for uid, spec in dashboards.items():
        path = output / org / f"{uid}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(spec, indent=2) + "\n")
        source = Path("dashboards") / f"{uid}.json"
        built.append(BuiltDashboard(org, uid, spec["title"], source, path, "hash", schema=schema))
    (output / MANIFEST_NAME).write_bytes(manifest_bytes(built))
    return built


__all__ = [
    "auto_grid",
    "buildable_showcase",
    "grid",
    "library_panel",
    "resource",
    "rows",
    "showcase",
    "tabs",
    "text_panel",
    "v2_spec",
    "viz_panel",
    "write_v2_build",
]

"""Opt-in conversion of legacy ``rows`` (schemaVersion < 16): Grafana's v16 grid migration."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from build_support import Project

from dashgen.build.cache import BuildCache
from dashgen.config import load_config
from dashgen.errors import ConfigError
from dashgen.model.legacy_rows import convert_legacy_rows, has_legacy_rows
from dashgen.model.normalize import comparable, iter_panels, normalize
from dashgen.model.validate import _check_overlaps, validate

FIXTURES = Path(__file__).parent / "fixtures"
# Grafana's own expected output for its v16 migration test input (see fixtures/README.md).
GRAFANA_V16_OUTPUT = FIXTURES / "grafana-v16.grid_layout_upgrade.v16.json"
GRAFANA_V16_INPUT = "grafana__v16.grid_layout_upgrade.json"


def _corpus_doc(corpus_dir: Path, name: str) -> dict[str, Any]:
    doc = json.loads((corpus_dir / "dashboards" / name).read_text())
    if isinstance(doc.get("dashboard"), dict):  # the GET /api/dashboards/uid envelope
        doc = doc["dashboard"]
    return doc


def _layout(panels: list[dict[str, Any]], *, grafana_output: bool = False) -> list[dict[str, Any]]:
    """The layout fields of each panel, nested panels of rows included.

    ``grafana_output``: undo what later steps of Grafana's test pipeline add on top of
    the v16 migration (the angular panel auto-migration renames ``graph`` to
    ``timeseries`` and records ``autoMigrateFrom``), and give row panels the one-unit
    height Grafana's dashboard grid stores for them (the migration writes the old row's
    height, which the grid replaces with 1; see dashgen.legacy_rows).
    """
    found = []
    for panel in panels:
        grid = dict(panel["gridPos"])
        kind = panel.get("type")
        if grafana_output:
            kind = panel.get("autoMigrateFrom", kind)
            if kind == "row":
                grid["h"] = 1
        found.append(
            {
                "id": panel.get("id"),
                "type": kind,
                "title": panel.get("title"),
                "gridPos": grid,
                "collapsed": panel.get("collapsed"),
                "repeat": panel.get("repeat"),
                "minSpan": panel.get("minSpan"),
                "panels": _layout(panel.get("panels") or [], grafana_output=grafana_output),
            }
        )
    return found


# -- golden comparisons with Grafana


def test_matches_grafanas_own_v16_migration_output(corpus_dir: Path) -> None:
    source = _corpus_doc(corpus_dir, GRAFANA_V16_INPUT)
    expected = json.loads(GRAFANA_V16_OUTPUT.read_text())

    converted = convert_legacy_rows(source)

    assert "rows" not in converted
    assert converted["schemaVersion"] == expected["schemaVersion"] == 16
    assert _layout(converted["panels"]) == _layout(expected["panels"], grafana_output=True)
    # The migration's own row heights, before the grid sets them to 1: ceil(px / 38).
    assert [p["gridPos"]["h"] for p in expected["panels"] if p["type"] == "row"] == [7, 8, 6, 4, 7]
    assert all("span" not in p for p in iter_panels(converted["panels"]))
    assert "rows" in source and source["schemaVersion"] == 15  # the input is not touched


def test_matches_the_same_grafanalib_dashboard_after_grafana_saved_it(corpus_dir: Path) -> None:
    legacy = _corpus_doc(corpus_dir, "grr__legacy-workers.json")
    resaved = _corpus_doc(corpus_dir, "grr__fleetspeak-grr-worker-resaved.json")

    converted = convert_legacy_rows(legacy)

    def layout(panels: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(p["id"], p["title"], p["gridPos"]) for p in panels]

    assert layout(converted["panels"]) == layout(resaved["panels"])


def test_every_corpus_dashboard_with_legacy_rows_converts_cleanly(corpus_dir: Path) -> None:
    names = sorted(p.name for p in (corpus_dir / "dashboards").glob("*.json"))
    with_rows = [name for name in names if has_legacy_rows(_corpus_doc(corpus_dir, name))]
    assert GRAFANA_V16_INPUT in with_rows and "rfmoz__node-exporter-full@34c169c.json" in with_rows
    assert "grr__legacy-workers.json" in with_rows
    assert sum(name.startswith("grafanalib__") for name in with_rows) >= 3
    for name in with_rows:
        source = _corpus_doc(corpus_dir, name)
        legacy_panels = sum(
            len(row.get("panels") or []) for row in source["rows"] if not row.get("repeatIteration")
        )

        dashboard = normalize(convert_legacy_rows(source), source=name)

        assert "rows" not in dashboard, name
        panels = iter_panels(dashboard["panels"])
        assert sum(p.get("type") != "row" for p in panels) >= legacy_panels, name
        ids = [p["id"] for p in panels]
        assert len(ids) == len(set(ids)), name
        for panel in panels:
            grid = panel["gridPos"]
            assert grid["x"] >= 0 and grid["w"] >= 1, (name, grid)
            assert grid["x"] + grid["w"] <= 24, (name, grid)
            assert grid["y"] >= 0 and grid["h"] >= 1, (name, grid)
        assert list(_check_overlaps(dashboard["panels"])) == [], name
        for row in (p for p in dashboard["panels"] if p.get("type") == "row"):
            assert list(_check_overlaps(row["panels"])) == [], name
        assert not [p for p in validate(dashboard) if "panel id" in p.message], name
        assert normalize(dashboard) == dashboard, name  # already canonical


# -- the migration's rules


def _legacy(*rows: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"title": "Legacy", "schemaVersion": 14, "rows": list(rows), **top}


def _row(*panels: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"panels": list(panels), **fields}


def _grids(dashboard: dict[str, Any]) -> list[tuple[Any, dict[str, int]]]:
    return [(p["id"], p["gridPos"]) for p in dashboard["panels"]]


@pytest.mark.parametrize(
    ("height", "grid_height"),
    [(250, 7), ("250px", 7), (304, 8), (100, 3), (30, 3), (None, 7), (0, 7), ("junk", 7)],
)
def test_row_height_in_grid_units(height: Any, grid_height: int) -> None:
    row = _row({"id": 1, "span": 12})
    if height is not None:
        row["height"] = height
    converted = convert_legacy_rows(_legacy(row))
    assert converted["panels"][0]["gridPos"]["h"] == grid_height


def test_widths_spans_and_placement() -> None:
    converted = convert_legacy_rows(
        _legacy(
            _row(
                {"id": 1, "span": 6},
                {"id": 2},  # no span: Grafana's default 4
                {"id": 3, "span": 0},  # zero counts as missing
                {"id": 4, "span": 13},  # wider than the grid: clamped
                height=228,
            )
        )
    )
    assert _grids(converted) == [
        (1, {"x": 0, "y": 0, "w": 12, "h": 6}),
        (2, {"x": 12, "y": 0, "w": 8, "h": 6}),
        (3, {"x": 0, "y": 6, "w": 8, "h": 6}),
        (4, {"x": 0, "y": 12, "w": 24, "h": 6}),
    ]


def test_short_panels_stack_beside_a_tall_one() -> None:
    # Grafana's "should properly place panels with fixed height" case.
    converted = convert_legacy_rows(
        _legacy(
            _row({"id": 1, "span": 6}, {"id": 2, "span": 6, "height": 114}, height=228),
            _row({"id": 3, "span": 6, "height": 114}, height=228),
        )
    )
    assert _grids(converted) == [
        (1, {"x": 0, "y": 0, "w": 12, "h": 6}),
        (2, {"x": 12, "y": 0, "w": 12, "h": 3}),
        (3, {"x": 0, "y": 6, "w": 12, "h": 3}),
    ]
    assert converted["panels"][1]["height"] == 114  # Grafana keeps the old field


def test_plain_rows_get_no_row_panels() -> None:
    converted = convert_legacy_rows(_legacy(_row({"id": 1}), _row({"id": 2}, title="Hidden")))
    assert [p.get("type") for p in converted["panels"]] == [None, None]
    assert _grids(converted)[1] == (2, {"x": 0, "y": 7, "w": 8, "h": 7})


def test_row_panels_ids_repeat_and_collapse() -> None:
    converted = convert_legacy_rows(
        _legacy(
            _row({"id": 7, "span": 12}, {"title": "no id"}, collapse=True, title="Closed"),
            _row({"id": 2, "span": 12}, repeat="host", showTitle=False),
            _row({"id": 3, "span": 12}, repeatIteration=1234),
        )
    )
    closed, repeated, second = converted["panels"]  # ordered by gridPos, as Grafana does
    # Grafana's ids (public/app/features/dashboard/state/DashboardMigrator.ts
    # upgradeToGridLayout: ``maxPanelId = max([...rowPanelIds, ...topLevelPanelIds])``,
    # ``nextRowId = maxPanelId + 1``, ``rowPanel.id = nextRowId; nextRowId++`` per row that
    # is not a repeatIteration; apps/dashboard/pkg/migration/schemaversion/v16.go
    # getMaxPanelID/nextRowID the same), and DashboardModel.ensurePanelsHaveUniqueIds
    # (``if (!panel.id ...) panel.id = nextPanelId++`` over panelIterator, from max id + 1):
    # max over 7, 2 and 3 (the repeat iteration's id counts) is 7; row "Closed" is 8, row
    # "host" 9; then the panel without an id gets max(7, 2, 8, 9) + 1 = 10.
    assert closed == {
        "id": 8,
        "type": "row",
        "title": "Closed",
        "collapsed": True,
        "panels": [
            {"id": 7, "gridPos": {"x": 0, "y": 1, "w": 24, "h": 7}},
            {"id": 10, "title": "no id", "gridPos": {"x": 0, "y": 8, "w": 8, "h": 7}},
        ],
        "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
    }
    # As in Grafana, a collapsed row's hidden panels still move the next row down.
    assert second == {"id": 2, "gridPos": {"x": 0, "y": 9, "w": 24, "h": 7}}
    assert repeated == {
        "id": 9,
        "type": "row",
        "repeat": "host",
        "panels": [],
        "gridPos": {"x": 0, "y": 8, "w": 24, "h": 1},
    }


def test_min_span_and_schema_version() -> None:
    converted = convert_legacy_rows(_legacy(_row({"id": 1, "span": 4, "minSpan": 3})))
    assert converted["panels"][0]["minSpan"] == 6
    assert converted["schemaVersion"] == 16
    newer = convert_legacy_rows({"title": "x", "schemaVersion": 41, "rows": [], "panels": []})
    assert newer == {"title": "x", "schemaVersion": 41, "panels": []}


def test_panels_already_at_top_level_stay_above_the_converted_rows() -> None:
    dashboard = _legacy(
        _row({"id": 1, "span": 12}, {"id": "bad", "span": 12}),
        panels=[{"id": 5, "title": "top", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 3}}],
    )
    converted = convert_legacy_rows(dashboard)
    assert _grids(converted) == [
        (5, {"x": 0, "y": 0, "w": 24, "h": 3}),
        (1, {"x": 0, "y": 3, "w": 24, "h": 7}),
        # An id of the wrong type is kept (Grafana's ``!panel.id`` keeps a non-empty string
        # too): the build's structure check reports it, nothing replaces it silently.
        ("bad", {"x": 0, "y": 10, "w": 24, "h": 7}),
    ]


def test_ids_as_grafana_gives_them_top_level_and_missing_ids() -> None:
    """Grafana's rule (DashboardMigrator.ts upgradeToGridLayout: ``maxPanelId`` over the rows'
    and the top-level panels' ids, ``nextRowId = maxPanelId + 1`` per shown row; then
    DashboardModel.ensurePanelsHaveUniqueIds: a panel without an id gets ``nextPanelId++``
    from max id + 1, in panelIterator order over the panels sorted by gridPos)."""
    dashboard = _legacy(
        _row({"title": "a"}, {"id": 4, "span": 6}, title="One", showTitle=True),
        _row({"title": "b"}, collapse=True, title="Two"),
        panels=[{"id": 6, "title": "top", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 3}}],
    )
    converted = convert_legacy_rows(dashboard)
    # max(4, 6) = 6: row "One" 7, row "Two" 8; then, in sorted order (top, One, a, 4, Two,
    # Two's nested b), "a" gets max(6, 7, 4, 8) + 1 = 9 and "b" 10.
    order = [(p.get("title"), p["id"]) for p in converted["panels"]]
    assert order == [("top", 6), ("One", 7), ("a", 9), (None, 4), ("Two", 8)]
    assert [(p["title"], p["id"]) for p in converted["panels"][-1]["panels"]] == [("b", 10)]


def test_ids_without_row_panels() -> None:
    """No row collapsed, titled or repeated: no row panels, so the missing ids start at
    max id + 1 (ensurePanelsHaveUniqueIds), in the sorted order (y, then x)."""
    converted = convert_legacy_rows(
        _legacy(_row({"title": "a", "span": 6}, {"id": 3, "span": 6}), _row({"title": "b"}))
    )
    assert [(p.get("title"), p["id"]) for p in converted["panels"]] == [
        ("a", 4),
        (None, 3),
        ("b", 5),
    ]


def test_nothing_to_convert_gives_an_equal_copy() -> None:
    modern = {"title": "x", "schemaVersion": 39, "panels": [{"id": 1, "type": "text"}]}
    converted = convert_legacy_rows(modern)
    assert converted == modern and converted is not modern


def test_publish_comparison_never_converts() -> None:
    legacy = _legacy(_row({"id": 1, "span": 12}, collapse=True))
    assert comparable(legacy)["rows"] == legacy["rows"]
    assert "panels" not in comparable(legacy)


# -- the switch: config key, CLI flag, cache key


def _legacy_project(project: Project, config: str | None = None) -> dict[str, Any]:
    dashboard = _legacy(
        _row({"id": 1, "type": "graph", "title": "CPU", "span": 6}, showTitle=True, title="Host"),
        _row({"id": 2, "type": "graph", "title": "Disk", "span": 12}, collapse=True),
        uid="legacy",
    )
    project.write("dashboards/legacy.json", dashboard)
    if config is not None:
        project.write("dashgen.toml", config)
    return dashboard


def test_switch_off_leaves_legacy_rows_as_they_are(project: Project) -> None:
    source = _legacy_project(project)
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    built = project.output("_default", "legacy")
    assert built["rows"] == source["rows"]
    assert "panels" not in built and built["schemaVersion"] == 14
    assert load_config(project.root).convert_legacy_rows is False


def test_config_key_turns_conversion_on(project: Project) -> None:
    _legacy_project(project, "[build]\nconvert_legacy_rows = true\n")
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    built = project.output("_default", "legacy")
    assert "rows" not in built and built["schemaVersion"] == 16
    assert [(p["id"], p["type"]) for p in built["panels"]] == [(3, "row"), (1, "graph"), (4, "row")]
    assert built["panels"][2]["panels"][0]["id"] == 2  # nested in the collapsed row
    assert "0 warnings" in result.output


def test_cli_flag_overrides_the_config_and_a_change_of_switch_rebuilds(project: Project) -> None:
    source = _legacy_project(project)
    on = project.cli("build", "--convert-legacy-rows")
    assert on.exit_code == 0, on.output
    assert "rows" not in project.output("_default", "legacy")
    again = project.cli("build", "--convert-legacy-rows")
    assert "0 rebuilt" in again.output  # same switch: nothing to compile
    off = project.cli("build")
    assert "1 rebuilt" in off.output  # the switch is part of the cache key
    assert project.output("_default", "legacy")["rows"] == source["rows"]

    project.write("dashgen.toml", "[build]\nconvert_legacy_rows = true\n")
    assert project.cli("build", "--no-convert-legacy-rows").exit_code == 0
    assert project.output("_default", "legacy")["rows"] == source["rows"]
    assert project.cli("build").exit_code == 0
    assert "rows" not in project.output("_default", "legacy")


def test_cache_key_includes_the_switch_and_is_unchanged_when_off(tmp_path: Path) -> None:
    off = BuildCache.compute_key(None, {})
    assert BuildCache.compute_key(None, {}, convert_legacy_rows=False) == off
    assert BuildCache.compute_key(None, {}, convert_legacy_rows=True) != off


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[build]\nconvert_legacy_rows = "yes"\n', "build.convert_legacy_rows must be a boolean"),
        ("[build]\nconvert_legacy_rows = 1\n", "build.convert_legacy_rows must be a boolean"),
        ("[build]\nconvert_rows = true\n", "unknown key build.convert_rows"),
        ('build = "fast"\n', "build must be a table"),
    ],
)
def test_config_key_is_validated(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "dashgen.toml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert problem in str(raised.value)


def test_config_key_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dashgen.build]\nconvert_legacy_rows = "on"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert "tool.dashgen.build.convert_legacy_rows must be a boolean" in str(raised.value)
    (tmp_path / "pyproject.toml").write_text("[tool.dashgen.build]\nconvert_legacy_rows = true\n")
    assert load_config(tmp_path).convert_legacy_rows is True


def test_cli_reports_a_bad_config_key_as_a_usage_error(project: Project) -> None:
    _legacy_project(project, "[build]\nconvert_legacy_rows = 'yes'\n")
    result = project.cli("build")
    assert result.exit_code == 2
    assert "build.convert_legacy_rows must be a boolean, got a string" in result.output


def test_conversion_does_not_touch_its_input() -> None:
    source = _legacy(_row({"id": 1, "span": 6}, collapse=True))
    before = copy.deepcopy(source)
    convert_legacy_rows(source)
    assert source == before

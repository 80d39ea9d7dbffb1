"""The dashboard model's structure, through the real CLI: each wrong value is an error that
names the file and, for JSON sources, the line of that value; nothing is replaced silently."""

from __future__ import annotations

import json
from typing import Any

import pytest
from build_support import Project, assert_no_traceback, line_of


def _dashboard(**fields: Any) -> dict[str, Any]:
    base = {"uid": "s", "title": "S", "schemaVersion": 39}
    base.update(fields)
    return base


def _panel(**fields: Any) -> dict[str, Any]:
    base = {"id": 1, "type": "stat", "title": "P", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}}
    base.update(fields)
    return base


def _build_expecting(project: Project, doc: dict[str, Any], needle: str, message: str) -> None:
    """A good build, then ``doc`` as dashboards/s.json: exit 1, ``message`` at the line of
    ``needle`` (a line before it when it starts with "^"), no traceback, build/ unchanged."""
    project.write("dashboards/s.json", _dashboard(panels=[_panel()]))
    assert project.cli("build").exit_code == 0
    before = project.outputs(hidden=True)
    path = project.write("dashboards/s.json", doc)
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    line = line_of(path.read_text(), needle.lstrip("^")) - needle.startswith("^")
    assert f"dashboards/s.json:{line}: error: {message}" in result.output, result.output
    assert_no_traceback(result.output)
    assert project.outputs(hidden=True) == before


@pytest.mark.parametrize(
    ("grid", "key", "message"),
    [
        (
            {"x": -1, "y": 0, "w": 12, "h": 8},
            '"x"',
            "gridPos.x must be an integer from 0 to 23, got -1",
        ),
        (
            {"x": 24, "y": 0, "w": 1, "h": 8},
            '"x"',
            "gridPos.x must be an integer from 0 to 23, got 24",
        ),
        (
            {"x": 0, "y": -8, "w": 12, "h": 8},
            '"y"',
            "gridPos.y must be an integer of 0 or more, got -8",
        ),
        (
            {"x": 0, "y": 0, "w": 0, "h": 8},
            '"w"',
            "gridPos.w must be an integer from 1 to 24, got 0",
        ),
        (
            {"x": 0, "y": 0, "w": 25, "h": 8},
            '"w"',
            "gridPos.w must be an integer from 1 to 24, got 25",
        ),
        (
            {"x": 0, "y": 0, "w": 12, "h": 0},
            '"h"',
            "gridPos.h must be an integer of 1 or more, got 0",
        ),
        (
            {"x": 0, "y": 0, "w": 12.5, "h": 8},
            '"w"',
            "gridPos.w must be an integer from 1 to 24, got 12.5",
        ),
        (
            {"x": "0", "y": 0, "w": 12, "h": 8},
            '"x"',
            'gridPos.x must be an integer from 0 to 23, got the string "0"',
        ),
        (
            {"x": 0, "y": True, "w": 12, "h": 8},
            '"y"',
            "gridPos.y must be an integer of 0 or more, got true",
        ),
        (
            {"x": 0, "y": 0, "w": 12},
            '"gridPos"',
            "gridPos has no h (it needs integers x, y, w and h)",
        ),
        (
            "top",
            '"gridPos"',
            "gridPos must be an object with integers x, y, w and h, got the string",
        ),
        (
            [0, 0, 12, 8],
            '"gridPos"',
            "gridPos must be an object with integers x, y, w and h, got a list",
        ),
    ],
)
def test_grid_pos_values_name_their_line(
    project: Project, grid: Any, key: str, message: str
) -> None:
    doc = _dashboard(panels=[_panel(id=1, title="First"), _panel(id=2, title="CPU", gridPos=grid)])
    occurrence = 2  # the key inside the second panel (the first panel has every key too)
    project.write("dashboards/s.json", _dashboard(panels=[_panel()]))
    assert project.cli("build").exit_code == 0
    before = project.outputs(hidden=True)
    path = project.write("dashboards/s.json", doc)
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    line = line_of(path.read_text(), key, occurrence)
    assert f'dashboards/s.json:{line}: error: panel 2 "CPU": {message}' in result.output
    assert_no_traceback(result.output)
    assert project.outputs(hidden=True) == before


def test_string_grid_values_are_not_replaced_silently(project: Project) -> None:
    project.write(
        "dashboards/s.json",
        _dashboard(panels=[_panel(gridPos={"x": "0", "y": "0", "w": "12", "h": "8"})]),
    )
    result = project.cli("build")
    assert result.exit_code == 1
    assert result.output.count("must be an integer") == 4
    assert not (project.root / "build/_default/s.json").exists()


def test_panel_reaching_past_the_grid_is_a_warning(project: Project) -> None:
    path = project.write(
        "dashboards/s.json", _dashboard(panels=[_panel(gridPos={"x": 20, "y": 0, "w": 8, "h": 4})])
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    line = line_of(path.read_text(), '"gridPos"')
    assert f'dashboards/s.json:{line}: warning: panel 1 "P" reaches past the 24-column grid' in (
        result.output
    )
    assert project.cli("build", "--strict").exit_code == 1


def test_a_panel_without_grid_pos_is_still_placed(project: Project) -> None:
    panel = _panel()
    del panel["gridPos"]
    project.write("dashboards/s.json", _dashboard(panels=[panel]))
    assert project.cli("build").exit_code == 0
    assert project.output("_default", "s")["panels"][0]["gridPos"] == {
        "h": 8,
        "w": 12,
        "x": 0,
        "y": 0,
    }


@pytest.mark.parametrize(
    ("doc", "needle", "message"),
    [
        (_dashboard(title=42), '"title"', "title must be a string, got 42"),
        (_dashboard(title=["a"]), '"title"', "title must be a string, got a list"),
        (_dashboard(title=None), '"title"', 'dashboard has no title: set "title"'),
        (_dashboard(title="  "), '"title"', "dashboard has an empty title"),
        (_dashboard(uid=12), '"uid"', "uid must be a string, got 12"),
        (_dashboard(uid="has space"), '"uid"', "uid 'has space' is invalid"),
        (
            _dashboard(panels={"a": 1}),
            '"panels"',
            "panels must be a list of panel objects, got an object",
        ),
        (_dashboard(panels=[_panel(), 7]), "    7\n", "panels[1] must be a panel object, got 7"),
        (
            _dashboard(panels=[_panel(), "oops"]),
            '"oops"',
            'panels[1] must be a panel object, got the string "oops"',
        ),
        (
            _dashboard(panels=[_panel(id="3")]),
            '"id"',
            'panel 3 "P": id must be an integer, got the string "3"',
        ),
        (
            _dashboard(panels=[_panel(type=5)]),
            '"type"',
            'panel 1 "P": type must be a string, got 5',
        ),
        (
            _dashboard(panels=[_panel(targets={"expr": "up"})]),
            '"targets"',
            'panel 1 "P": targets must be a list of objects, got an object',
        ),
        (
            _dashboard(panels=[{"id": 1, "type": "row", "title": "R", "panels": [None]}]),
            "null",
            "panels[0].panels[0] must be a panel object, got null",
        ),
        (
            _dashboard(templating={"list": {}}),
            '"list"',
            "templating.list must be a list of objects",
        ),
        (
            _dashboard(templating={"list": [{"type": "query"}]}),
            '^"type": "query"',
            "templating.list[0] (a template variable) needs a string name, got null",
        ),
        (
            _dashboard(annotations=[]),
            '"annotations"',
            'annotations must be an object with a "list"',
        ),
        (
            _dashboard(tags="prod"),
            '"tags"',
            'tags must be a list of strings, got the string "prod"',
        ),
        (_dashboard(tags=["ok", 3]), "    3\n", "tags[1] must be a string, got 3"),
        (_dashboard(links={}), '"links"', "links must be a list of objects, got an object"),
        (_dashboard(time={"from": 6, "to": "now"}), '"from"', "time.from must be a string"),
        (_dashboard(time="now-6h"), '"time"', 'time must be an object with "from" and "to"'),
        (_dashboard(schemaVersion="39"), '"schemaVersion"', "schemaVersion must be an integer"),
        (_dashboard(rows={}), '"rows"', "rows must be a list of row objects, got an object"),
    ],
)
def test_wrong_values_name_their_own_line(
    project: Project, doc: dict[str, Any], needle: str, message: str
) -> None:
    _build_expecting(project, doc, needle, message)


def test_every_wrong_value_is_reported_at_once(project: Project) -> None:
    doc = _dashboard(
        title=1,
        panels=[_panel(gridPos={"x": -1, "y": 0, "w": 30, "h": 8}), "x"],
        tags=[None],
    )
    project.write("dashboards/s.json", doc)
    result = project.cli("build")
    assert result.exit_code == 1
    assert "build failed: 5 errors" in result.output


def test_envelope_problems_point_inside_the_dashboard(project: Project) -> None:
    doc = {
        "meta": {"slug": "s"},
        "dashboard": _dashboard(panels=[_panel(gridPos={"x": 0, "y": 0, "w": 99, "h": 8})]),
    }
    path = project.write("dashboards/s.json", doc)
    result = project.cli("build")
    assert result.exit_code == 1
    line = line_of(path.read_text(), '"w"')
    assert f'dashboards/s.json:{line}: error: panel 1 "P": gridPos.w must be' in result.output


def test_problems_point_at_the_line_in_compact_json(project: Project) -> None:
    text = (
        '{"uid": "s",\n "title": "S", "panels": [\n'
        '  {"type": "stat", "gridPos": {"x": 0, "y": 0, "w": 12, "h": -2}}]}\n'
    )
    project.write("dashboards/s.json", text)
    result = project.cli("build")
    assert (
        "dashboards/s.json:3: error: panel 1: gridPos.h must be an integer of 1 or more, got -2"
        in (result.output)
    )


# -- Python values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("Row(title='r')", "grafanalib Row"),
        ("RowPanel(title='r')", "grafanalib RowPanel"),
        ("TimeSeries(title='t')", "grafanalib TimeSeries"),
        ("Target(expr='up')", "grafanalib Target"),
    ],
)
def test_python_value_must_be_a_grafanalib_dashboard(
    project: Project, value: str, kind: str
) -> None:
    project.write(
        "dashboards/g.py",
        f"from grafanalib.core import Row, RowPanel, TimeSeries, Target\n\ndashboard = {value}\n",
    )
    result = project.cli("build")
    assert result.exit_code == 1
    assert f"dashboards/g.py:3: error: dashboard #1 is a {kind}, not a Dashboard" in result.output
    assert_no_traceback(result.output)


def test_python_value_must_be_a_foundation_sdk_dashboard(project: Project) -> None:
    project.write(
        "dashboards/sdk.py",
        "from grafana_foundation_sdk.builders import dashboard, timeseries\n"
        "dashboard = timeseries.Panel().title('x')\n",
    )
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/sdk.py:2: error: dashboard #1 is a Foundation SDK Panel" in result.output


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "{'type': 'row', 'title': 'r', 'panels': []}",
            "this is a row's Python value, not a dashboard",
        ),
        ("{'type': 'stat', 'title': 'p', 'gridPos': {}}", "this is a single panel's Python value"),
        (
            "{'title': 'r', 'height': 250, 'showTitle': True, 'panels': []}",
            "this is a row's Python value",
        ),
    ],
)
def test_python_dict_that_is_a_panel_or_row_is_refused(
    project: Project, value: str, message: str
) -> None:
    project.write("dashboards/d.py", f"dashboard = {value}\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert f"dashboards/d.py:1: error: dashboard #1: {message}" in result.output


def test_every_wrong_item_of_a_dashboards_list_is_reported_with_its_line(project: Project) -> None:
    project.write("dashboards/good.json", _dashboard(uid="good", panels=[_panel()]))
    assert project.cli("build").exit_code == 0
    before = project.outputs(hidden=True)
    project.write(
        "dashboards/many.py",
        """
        from grafanalib.core import Dashboard, Row, TimeSeries
        GRID = {"x": 0, "y": 0, "w": 0, "h": 1}
        dashboards = [
            Dashboard(title="Fine", uid="fine"),
            Row(title="a row"),
            None,
            TimeSeries(title="a panel"),
            {"title": 42, "uid": "n42"},
            42,
            {"title": "Grid", "uid": "grid", "panels": [{"type": "a", "gridPos": GRID}]},
        ]
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 1
    output = result.output
    assert "dashboards/many.py:5: error: dashboard #2 is a grafanalib Row" in output
    assert "dashboards/many.py:7: error: dashboard #4 is a grafanalib TimeSeries" in output
    assert "dashboards/many.py:8: error: dashboard #5: title must be a string, got 42" in output
    assert "dashboards/many.py:9: error: dashboard #6 is a int, not a dashboard" in output
    assert "dashboards/many.py:10: error: dashboard #7: panel 1: gridPos.w must be" in output
    assert "build failed: 5 errors" in output
    assert project.outputs(hidden=True) == before


# -- uids derived from names ----------------------------------------------------------------


def test_names_whose_characters_all_vanish_get_distinct_stable_uids(project: Project) -> None:
    for name in ("ü.json", "日本.json", "ö/ä.json"):
        project.write(f"dashboards/{name}", {"title": name, "panels": []})
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    files = sorted(name for name in project.outputs() if name != "manifest.json")
    assert len(files) == 3
    assert all(name.startswith("_default/dashboard-") for name in files)
    assert project.cli("build").exit_code == 0
    assert sorted(n for n in project.outputs() if n != "manifest.json") == files  # stable
    titles = {json.loads(project.outputs()[f])["title"] for f in files}
    assert titles == {"ü.json", "日本.json", "ö/ä.json"}


# -- JSON nested deeper than the parsers go ---------------------------------------------------


def _deep(depth: int) -> str:
    return (
        '{"uid": "deep", "title": "Deep", "panels": [],\n"x": ' + "[" * depth + "]" * depth + "}\n"
    )


def test_json_deeper_than_the_parser_reads_is_reported(project: Project) -> None:
    project.write("dashboards/deep.json", _deep(5000))
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/deep.json:2: error: nests arrays and objects more than 1024 levels" in (
        result.output
    )
    assert "invalid JSON" not in result.output  # it is valid, only too deep
    assert_no_traceback(result.output)


@pytest.mark.parametrize("depth", [995, 1020])
def test_json_deeper_than_the_recursion_limit_is_reported(project: Project, depth: int) -> None:
    project.write("dashboards/deep.json", _deep(depth))
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/deep.json:2: error: nests arrays and objects too deeply" in result.output
    assert "RecursionError" not in result.output
    assert_no_traceback(result.output)


def test_moderately_deep_json_builds(project: Project) -> None:
    project.write("dashboards/deep.json", _deep(300))
    result = project.cli("build")
    assert result.exit_code == 0, result.output


def test_python_value_deeper_than_the_recursion_limit_is_reported(project: Project) -> None:
    project.write(
        "dashboards/deep.py",
        """
        value = []
        for _ in range(5000):
            value = [value]
        dashboard = {"uid": "deep", "title": "Deep", "x": value}
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/deep.py:4: error: dashboard #1 nests too deeply to be turned into JSON" in (
        result.output
    )
    assert_no_traceback(result.output)

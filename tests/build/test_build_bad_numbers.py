"""Numbers JSON or Grafana cannot take: NaN and infinities in every source kind, and panel ids
outside what Grafana's dashboard model keeps."""

from __future__ import annotations

import math
from dataclasses import dataclass

from build_support import Project, assert_no_traceback

from dashgen.sources import finite

_PANEL = '"id": 1, "type": "stat", "title": "Up", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4}'


def test_a_nan_or_infinity_in_a_python_source_is_a_warning_naming_its_path(
    project: Project,
) -> None:
    project.write(
        "dashboards/values.py",
        """
        import dataclasses
        import math

        from grafanalib.core import Dashboard, GridPos, Stat, Target, Threshold

        @dataclasses.dataclass
        class Options:
            limit: float

        dashboards = [
            Dashboard(title="Lib", uid="lib", panels=[
                Stat(title="s", targets=[Target(expr="up")], gridPos=GridPos(h=4, w=6, x=0, y=0),
                     thresholds=[Threshold("green", 0, -math.inf), Threshold("red", 1, math.inf)]),
            ]).auto_panel_ids(),
            {"uid": "plain", "title": "Plain", "schemaVersion": 39, "panels": [{
                "id": 1, "type": "stat", "title": "p", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
                "options": {"big": 2**70, "ratio": float("nan")},
            }]},
            {"uid": "data", "title": "Data", "schemaVersion": 39, "panels": [{
                "id": 1, "type": "stat", "title": "p", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
                "fieldConfig": {"defaults": {"custom": Options(1e308 * 10)}},
            }]},
        ]
        """,
    )

    result = project.cli("build")

    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "which JSON cannot hold" in line]
    assert len(warnings) == 3, result.output  # the base step's -Infinity is Grafana's own
    assert warnings[0].startswith(
        "dashboards/values.py:11: warning: dashboard #1: "
        "panels[0].fieldConfig.defaults.thresholds.steps[1].value is Infinity"
    )
    # a value orjson cannot write (2**70) takes the stdlib's way, which finds it too
    assert "dashboard #2: panels[0].options.ratio is NaN" in warnings[1]
    assert "dashboard #3: panels[0].fieldConfig.defaults.custom.limit is Infinity" in warnings[2]
    steps = project.output("_default", "lib")["panels"][0]["fieldConfig"]["defaults"]
    assert steps["thresholds"]["steps"][1]["value"] is None
    plain = project.output("_default", "plain")["panels"][0]
    assert plain["options"] == {"big": 2**70, "ratio": None}
    data = project.output("_default", "data")["panels"][0]
    assert data["fieldConfig"]["defaults"]["custom"] == {"limit": None}


def test_a_nan_width_is_named_beside_the_missing_width_it_became(project: Project) -> None:
    project.write(
        "dashboards/grid.py",
        'dashboard = {"uid": "g", "title": "G", "schemaVersion": 39, "panels": [{"id": 1,\n'
        '    "type": "stat", "gridPos": {"x": 0, "y": 0, "w": float("nan"), "h": 8}}]}\n',
    )

    result = project.cli("build")

    assert result.exit_code == 1
    assert "dashboards/grid.py:1: error: panel 1: gridPos has no w" in result.output
    assert "dashboards/grid.py:1: warning: panels[0].gridPos.w is NaN" in result.output
    assert_no_traceback(result.output)


def test_finite_python_values_take_the_fast_look_only() -> None:
    @dataclass
    class Box:
        value: float

    class Mapping(dict):  # type: ignore[type-arg]
        pass

    fine = [{"a": 1.5, "b": [0.0, -2.0, 1e308], "c": Box(3.0), "d": Mapping(x=(1.0,))}]
    assert not finite.may_hold_non_finite(fine)
    for bad in (math.nan, math.inf, -math.inf, float("-nan")):
        assert finite.may_hold_non_finite([{"deep": [Mapping(x=(Box(bad),))]}])
    # other bytes may look like one (a string with DEL and an emoji): only the exact look runs
    assert finite.non_finite_paths({"title": "G\x7f\U0001f600"}, str) == []


def test_nan_and_infinity_in_json_and_jinja_sources_are_named_errors(project: Project) -> None:
    project.write("dashboards/nan.json", '{"uid": "n", "title": "N",\n "refresh": NaN}\n')
    project.write("dashboards/minus.json", '{"uid": "m", "title": "M", "x": -Infinity}\n')
    project.write("dashboards/huge.json", '{"uid": "h", "title": "H",\n\n "x": 1e999}\n')
    project.write(
        "dashboards/inf.json.j2",
        '{"uid": "j", "title": "J",\n "panels": [{' + _PANEL + ', "max": {{ 1e999 }} }]}\n',
    )

    result = project.cli("build")

    assert result.exit_code == 1
    assert "dashboards/nan.json:2: error: invalid JSON: NaN is not a JSON number" in result.output
    assert "dashboards/minus.json:1: error: invalid JSON: -Infinity is not a JSON number" in (
        result.output
    )
    assert "dashboards/huge.json:3: error: invalid JSON: number is infinity" in result.output
    assert "dashboards/inf.json.j2:2: error: rendered output is not valid JSON: inf is not" in (
        result.output
    )
    assert result.output.count("write a finite number") == 4
    assert_no_traceback(result.output)


def test_a_long_line_shows_the_text_around_the_failing_column(project: Project) -> None:
    filler = ", ".join(f'"k{i}": {i}' for i in range(40))
    project.write("dashboards/long.json", '{"uid": "l", "title": "L", ' + filler + ', "x": NaN}')

    result = project.cli("build")

    assert result.exit_code == 1
    assert '"k39": 39, "x": NaN}' in result.output
    assert "near: ..." in result.output


def test_panel_ids_grafana_does_not_keep_are_warnings(project: Project) -> None:
    panels = [
        {"id": panel_id, "type": "stat", "title": f"p{index}",
         "gridPos": {"x": 0, "y": index * 4, "w": 6, "h": 4}}
        for index, panel_id in enumerate([0, -3, 2**32, 2**32 - 1, 1])
    ]  # fmt: skip
    project.write(
        "dashboards/ids.json",
        {"uid": "ids", "title": "Ids", "schemaVersion": 39, "panels": panels},
    )

    result = project.cli("build")

    assert result.exit_code == 0, result.output
    assert 'panel 0 "p0": id 0 is not a panel id: Grafana\'s dashboard model takes 0' in (
        result.output
    )
    assert 'panel -3 "p1": id -3 is not a panel id' in result.output
    assert f'panel {2**32} "p2": id {2**32} is not a panel id' in result.output
    assert result.output.count("is not a panel id") == 3
    assert project.cli("build", "--strict").exit_code == 1

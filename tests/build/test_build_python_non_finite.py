"""A NaN or Infinity in a Python source's value (a dict, a grafanalib object, a Foundation
SDK builder) is an error naming the source, the line and the JSON path; orjson would have
written null."""

from __future__ import annotations

import pytest
from build_support import Project, assert_no_traceback, line_of

from dashgen.sources.finite import Conversions, non_finite

PLAIN = """
import math

dashboard = {
    "uid": "plain",
    "title": "Plain",
    "panels": [{"id": 1, "type": "stat", "title": "A", "fieldConfig": {
        "defaults": {"thresholds": {"steps": [{"color": "green", "value": -math.inf}]}}}}],
}
"""

GRAFANALIB = """
from grafanalib.core import Dashboard, GridPos, Stat, Target

dashboard = Dashboard(
    title="Lib",
    uid="lib",
    panels=[
        Stat(title="A", gridPos=GridPos(h=4, w=6, x=0, y=0), targets=[Target(expr="up")]),
        Stat(
            title="B",
            gridPos=GridPos(h=4, w=6, x=6, y=0),
            targets=[Target(expr="up")],
            decimals=float("nan"),
        ),
    ],
)
"""

SDK = """
from grafana_foundation_sdk.builders import dashboard, stat

dashboard = (
    dashboard.Dashboard("SDK")
    .uid("sdk")
    .with_panel(stat.Panel().title("A").max(float("inf")))
)
"""

# (file, source text, the line blamed, what the error says)
CASES = {
    "plain dict": (
        "plain.py",
        PLAIN,
        "dashboard = {",
        "dashboard #1: panels[0].fieldConfig.defaults.thresholds.steps[0].value is -Infinity, "
        "which is not a JSON number: write a finite number",
    ),
    "grafanalib": (
        "lib.dashboard.py",
        GRAFANALIB,
        "dashboard = Dashboard(",
        "panels[1].fieldConfig.defaults.decimals is NaN",
    ),
    "foundation sdk": (
        "sdk.py",
        SDK,
        "dashboard = (",
        "panels[0].fieldConfig.defaults.max is Infinity",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_non_finite_float_in_a_python_source_is_an_error_at_its_path(
    project: Project, case: str
) -> None:
    name, text, blamed, message = CASES[case]
    project.write("dashboards/good.json", {"uid": "good", "title": "Good", "panels": []})
    project.write(f"dashboards/{name}", text)
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    line = line_of(text.lstrip("\n"), blamed)
    assert f"dashboards/{name}:{line}: error: " in result.output
    assert message in result.output
    assert result.output.count("error:") == 1, result.output
    assert_no_traceback(result.output)
    assert not (project.root / "build").exists()


def test_one_item_of_a_dashboards_list_is_blamed_at_its_line(project: Project) -> None:
    text = (
        "dashboards = [\n"
        '    {"uid": "a", "title": "A"},\n'
        '    {"uid": "b", "title": "B", "refresh": 1e999},\n'
        "]\n"
    )
    project.write("dashboards/many.py", text)
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    assert "dashboards/many.py:3: error: dashboard #2: refresh is Infinity" in result.output


def test_finite_floats_nulls_and_lookalike_bytes_pass() -> None:
    # bytes that look like a non-finite float in pickle's output (a G, then 0x7f 0xf0)
    # send the check to its walk, which finds nothing
    value = {"a": 1.5, "b": None, "c": "G\x7f\U000f0000", "d": [0.0, -1.7e308]}
    assert non_finite(value, Conversions()) is None
    assert non_finite({"x": [1, {"y": float("nan")}]}, Conversions()) == "x[1].y is NaN"

"""Integral floats in integer fields (``12.0``, ``1e3``), through the real CLI: Grafana's
frontend takes them (``JSON.parse("12.0")`` is 12) and so does the build, writing ints; a
float that is not whole, a boolean, NaN/Infinity and other types stay errors naming the
file, the panel and (for JSON) the line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from build_support import Project, assert_no_traceback, line_of

GOOD_GRID = '{"x": 0, "y": 0, "w": 12, "h": 8}'


def _json_source(grid: str, panel_id: str = "3", extra: str = "") -> str:
    """A dashboard's JSON text with ``grid`` and ``panel_id`` spelled exactly as given."""
    return (
        '{\n  "uid": "f",\n  "title": "F",\n  "schemaVersion": 39' + extra + ",\n"
        '  "panels": [\n    {\n      "id": ' + panel_id + ',\n      "type": "stat",\n'
        '      "title": "CPU",\n      "maxDataPoints": 1e3,\n'
        '      "gridPos": ' + grid + "\n    }\n  ]\n}\n"
    )


def _python_source(grid: str, panel_id: str = "3") -> str:
    return (
        "dashboard = {\n"
        "    'uid': 'f', 'title': 'F', 'schemaVersion': 39.0, 'graphTooltip': 1.0,\n"
        f"    'panels': [{{'id': {panel_id}, 'type': 'stat', 'title': 'CPU',\n"
        f"                'gridPos': {grid}}}],\n"
        "}\n"
    )


@pytest.mark.parametrize(
    "grid",
    [
        '{"x": 0, "y": 0, "w": 12.0, "h": 8}',
        '{"x": 0.0, "y": 0e0, "w": 1.2e1, "h": 8.0}',
    ],
)
def test_integral_floats_in_json_build_as_ints(project: Project, grid: str) -> None:
    project.write("dashboards/f.json", _json_source(grid, "3.0", ',\n  "graphTooltip": 1.0'))
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    out = project.output("_default", "f")
    panel = out["panels"][0]
    assert panel["gridPos"] == {"x": 0, "y": 0, "w": 12, "h": 8}
    assert all(type(v) is int for v in panel["gridPos"].values())
    assert type(panel["id"]) is int and panel["id"] == 3
    assert type(panel["maxDataPoints"]) is int and panel["maxDataPoints"] == 1000
    assert type(out["graphTooltip"]) is int
    # The output text is the same as for the dashboard written with ints (deterministic).
    text = project.outputs()
    project.write(
        "dashboards/f.json",
        _json_source(GOOD_GRID, "3", ',\n  "graphTooltip": 1').replace("1e3", "1000"),
    )
    assert project.cli("build").exit_code == 0
    assert project.outputs() == text


def test_integral_floats_in_a_python_dict_build_as_ints(project: Project) -> None:
    project.write(
        "dashboards/f.py", _python_source("{'x': 0.0, 'y': 0, 'w': 12.0, 'h': 8.0}", "3.0")
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    out = project.output("_default", "f")
    assert out["schemaVersion"] == 39 and type(out["schemaVersion"]) is int
    assert type(out["graphTooltip"]) is int
    panel = out["panels"][0]
    assert type(panel["id"]) is int and panel["id"] == 3
    assert panel["gridPos"] == {"x": 0, "y": 0, "w": 12, "h": 8}
    assert all(type(v) is int for v in panel["gridPos"].values())


@pytest.mark.parametrize(
    ("w", "shown"),
    [("12.5", "12.5"), ("true", "true"), ('"12"', 'the string "12"')],
)
def test_non_integral_values_in_json_stay_errors(project: Project, w: str, shown: str) -> None:
    path = project.write(
        "dashboards/f.json", _json_source('{"x": 0, "y": 0,\n "w": ' + w + ', "h": 8}')
    )
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    line = line_of(path.read_text(), '"w"')
    message = f'panel 3 "CPU": gridPos.w must be an integer from 1 to 24, got {shown}'
    assert f"dashboards/f.json:{line}: error: {message}" in result.output, result.output
    assert_no_traceback(result.output)


def test_non_integral_panel_id_in_json_is_an_error(project: Project) -> None:
    path = project.write("dashboards/f.json", _json_source(GOOD_GRID, "3.5"))
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    line = line_of(path.read_text(), '"id"')
    message = 'panel 3.5 "CPU": id must be an integer, got 3.5'
    assert f"dashboards/f.json:{line}: error: {message}" in result.output, result.output


@pytest.mark.parametrize("w", ["NaN", "Infinity", "1e400"])
def test_nan_and_infinity_in_json_are_errors(project: Project, w: str) -> None:
    """Not JSON (RFC 8259 has no NaN/Infinity; 1e400 overflows a double): the reader's error,
    at the value's line."""
    path = project.write(
        "dashboards/f.json", _json_source('{"x": 0, "y": 0,\n "w": ' + w + ', "h": 8}')
    )
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    line = line_of(path.read_text(), '"w"')
    assert f"dashboards/f.json:{line}: error: invalid JSON" in result.output, result.output
    assert_no_traceback(result.output)


@pytest.mark.parametrize(
    ("w", "shown"),
    [("12.5", "got 12.5"), ("True", "got true"), ("'12'", 'got the string "12"')],
)
def test_non_integral_values_in_a_python_dict_stay_errors(
    project: Project, w: str, shown: str
) -> None:
    project.write("dashboards/f.py", _python_source("{'x': 0, 'y': 0, 'w': " + w + ", 'h': 8}"))
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    message = f'panel 3 "CPU": gridPos.w must be an integer from 1 to 24, {shown}'
    assert "dashboards/f.py" in result.output and message in result.output, result.output
    assert_no_traceback(result.output)


def test_python_nan_and_infinity_are_errors(project: Project) -> None:
    for value in ("float('nan')", "float('inf')"):
        project.write(
            "dashboards/f.py", _python_source("{'x': 0, 'y': 0, 'w': " + value + ", 'h': 8}")
        )
        result = project.cli("build")
        assert result.exit_code == 1, result.output
        assert "dashboards/f.py" in result.output and 'panel 3 "CPU": gridPos' in result.output
        assert_no_traceback(result.output)


def test_schema_version_float(project: Project) -> None:
    doc: dict[str, Any] = {"uid": "f", "title": "F", "schemaVersion": 39.0, "panels": []}
    project.write("dashboards/f.json", json.dumps(doc))
    assert project.cli("build").exit_code == 0
    assert type(project.output("_default", "f")["schemaVersion"]) is int
    doc["schemaVersion"] = 39.5
    project.write("dashboards/f.json", json.dumps(doc))
    result = project.cli("build")
    assert result.exit_code == 1 and "schemaVersion must be an integer, got 39.5" in result.output

"""The Python loader: grafanalib and Foundation SDK values, fresh imports, helper dependencies."""

from __future__ import annotations

import json
import sys

import pytest
from build_support import Project
from grafanalib._gen import DashboardEncoder

from dashgen.build import Builder
from dashgen.config import load_config
from dashgen.model.normalize import normalize

GRAFANALIB_SOURCE = """
from grafanalib.core import Dashboard, Graph, Row, Target, Templating, Template

dashboard = Dashboard(
    title="Legacy rows",
    uid="legacy",
    templating=Templating(list=[Template(name="job", query="label_values(up, job)")]),
    rows=[Row(panels=[Graph(title="Up", dataSource="prom", targets=[Target(expr="up")])])],
).auto_panel_ids()
"""


def test_grafanalib_output_matches_its_own_encoder(project: Project) -> None:
    source = project.write("dashboards/legacy.dashboard.py", GRAFANALIB_SOURCE)
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    expected = json.loads(json.dumps(namespace["dashboard"].to_json_data(), cls=DashboardEncoder))
    assert project.output("_default", "legacy") == normalize(expected)


def test_foundation_sdk_style_builder_is_built(project: Project) -> None:
    # The SDK is optional; this mirrors its shape: a builder whose build() gives a model
    # with to_json(), and nested models serialised the same way.
    project.write(
        "dashboards/sdk.py",
        """
        class Panel:
            def to_json(self):
                return {"type": "stat", "title": "Requests"}

        class DashboardModel:
            def to_json(self):
                return {"uid": "sdk", "title": "From the SDK", "panels": [Panel()]}

        class DashboardBuilder:
            def build(self):
                return DashboardModel()

        dashboard = DashboardBuilder()
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    built = project.output("_default", "sdk")
    assert built["panels"][0]["title"] == "Requests" and built["panels"][0]["id"] == 1


def test_non_dashboard_value_is_an_error_with_line(project: Project) -> None:
    project.write("dashboards/odd.py", "import os\n\ndashboard = 42\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/odd.py:3: error: dashboard #1 is a int, not a dashboard" in result.output


def test_project_modules_are_dropped_and_sys_path_restored(project: Project) -> None:
    project.write("dashboards/lib/__init__.py", "")
    project.write("dashboards/lib/titles.py", "TITLE = 'T'\n")
    project.write("dashboards/a.py", "from lib.titles import TITLE\ndashboard = {'title': TITLE}\n")
    path_before = list(sys.path)
    result = Builder(load_config(project.root)).build()
    assert result.ok, result.problems
    assert sys.path == path_before
    assert not [m for m in sys.modules if m == "lib" or m.startswith(("lib.", "_dashgen_source"))]


def test_helper_change_rebuilds_only_its_importers(project: Project) -> None:
    project.write("dashboards/lib/__init__.py", "")
    helper = project.write("dashboards/lib/titles.py", "TITLE = 'T'\n")
    for name in ("a", "b"):
        project.write(
            f"dashboards/{name}.py", "from lib.titles import TITLE\ndashboard = {'title': TITLE}\n"
        )
    project.write("dashboards/c.py", "dashboard = {'title': 'C'}\n")
    builder = Builder(load_config(project.root))
    assert len(builder.build().rebuilt) == 3
    helper.write_text("TITLE = 'New'\n")
    assert sorted(d.uid for d in builder.build([helper]).rebuilt) == ["a", "b"]
    helper.write_text("TITLE = 'Newer'\n")
    fresh = Builder(load_config(project.root)).build()  # decided by hashes, from the cache file
    assert sorted(d.uid for d in fresh.rebuilt) == ["a", "b"]
    assert project.output("_default", "a")["title"] == "Newer"


def test_helper_that_becomes_a_source_is_built(project: Project) -> None:
    helper = project.write("dashboards/shared.py", "X = 1\n")
    builder = Builder(load_config(project.root))
    assert builder.build().dashboards == []
    helper.write_text("dashboard = {'title': 'Now a source'}\n")
    assert [d.uid for d in builder.build([helper]).rebuilt] == ["shared"]


def test_error_while_converting_names_the_user_line(project: Project) -> None:
    project.write(
        "dashboards/conv.py",
        """
        class Builder:
            def build(self):
                raise ValueError("no datasource configured")

        dashboard = Builder()
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/conv.py:3: error: ValueError: no datasource configured" in result.output


def test_python_source_returning_an_export_is_refused(project: Project) -> None:
    project.write(
        "dashboards/exported.py",
        """
        dashboard = {
            "title": "Copied from grafana.com",
            "__inputs": [{"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"}],
        }
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/exported.py:1: error: this is a Share > Export file" in result.output
    assert "DS_PROM (prometheus)" in result.output


def test_real_foundation_sdk_builder(project: Project) -> None:
    pytest.importorskip("grafana_foundation_sdk")  # the optional `sdk` extra
    source = project.write(
        "dashboards/sdk_real.py",
        """
        from grafana_foundation_sdk.builders.dashboard import Dashboard
        from grafana_foundation_sdk.builders.timeseries import Panel

        dashboard = Dashboard("Made with the SDK").uid("sdk-real").with_panel(Panel().title("A"))
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    from grafana_foundation_sdk.cog.encoder import JSONEncoder

    expected = json.loads(JSONEncoder().encode(namespace["dashboard"].build()))
    assert project.output("_default", "sdk-real") == normalize(expected)


def test_conversion_errors(project: Project) -> None:
    project.write(
        "dashboards/values.py",
        """
        dashboards = [
            {"title": "Big", "uid": "big", "x": 2**70},
            {"title": "Odd", "uid": "odd", "when": object()},
        ]
        """,
    )
    project.write(
        "dashboards/broken.py",
        """
        class Broken:
            def to_json_data(self):
                return {"title": self.missing}

        dashboard = Broken()
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 1
    # The line of the item in the `dashboards` list.
    assert "dashboards/values.py:3: error: dashboard #2 cannot be turned into JSON: object" in (
        result.output
    )
    assert "dashboards/broken.py:3: error: AttributeError" in result.output
    (project.root / "dashboards/broken.py").unlink()
    project.write(
        "dashboards/values.py", 'dashboard = {"title": "Big", "uid": "big", "x": 2**70}\n'
    )
    assert project.cli("build").exit_code == 0
    assert project.output("_default", "big")["x"] == 2**70


def test_panel_warning_points_at_the_panel_in_python(project: Project) -> None:
    project.write(
        "dashboards/warn.py",
        """
        from grafanalib.core import Dashboard, TimeSeries

        dashboard = Dashboard(
            title="Warned",
            panels=[
                TimeSeries(title="Fine"),
                TimeSeries(title="Pointing nowhere", dataSource="$nope"),
            ],
        )
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert 'dashboards/warn.py:7: warning: panel 2 "Pointing nowhere" uses datasource $nope' in (
        result.output
    )


def test_namespace_helper_package_does_not_leak_into_the_next_project(tmp_path) -> None:
    """dashboards/lib without __init__.py is a namespace package: dropped after each build."""
    first, second = Project(tmp_path / "first"), Project(tmp_path / "second")
    first.write("dashboards/lib/one.py", "TITLE = 'one'\n")
    first.write("dashboards/a.py", "from lib.one import TITLE\ndashboard = {'title': TITLE}\n")
    second.write("dashboards/lib/two.py", "TITLE = 'two'\n")
    second.write("dashboards/b.py", "from lib.two import TITLE\ndashboard = {'title': TITLE}\n")
    for built in (first, second):
        result = Builder(load_config(built.root)).build()
        assert result.ok, result.problems
    assert "lib" not in sys.modules


def test_non_finite_numbers_are_written_as_grafana_saves_them(project: Project) -> None:
    # JSON has no NaN or Infinity; Grafana's frontend saves them as null (JSON.stringify),
    # and null is how a threshold's base step says -Infinity. orjson writes the same, so a
    # Python source's -math.inf base step is what Grafana would store, not an error; a NaN
    # elsewhere is written as null too, with a warning (tests/build/test_build_bad_numbers.py).
    project.write(
        "dashboards/steps.py",
        """
        import math

        dashboard = {
            "uid": "steps",
            "title": "Steps",
            "schemaVersion": 39,
            "panels": [{
                "id": 1, "type": "stat", "title": "Up",
                "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
                "fieldConfig": {"defaults": {"max": math.nan, "thresholds": {"mode": "absolute",
                    "steps": [{"color": "green", "value": -math.inf},
                              {"color": "red", "value": 80}]}}},
            }],
        }
        """,
    )

    result = project.cli("build")

    assert result.exit_code == 0, result.output
    assert "panels[0].fieldConfig.defaults.max is NaN, which JSON cannot hold" in result.output
    assert result.output.count("which JSON cannot hold") == 1  # not the base step
    defaults = project.output("_default", "steps")["panels"][0]["fieldConfig"]["defaults"]
    assert defaults["max"] is None
    assert defaults["thresholds"]["steps"] == [
        {"color": "green", "value": None},
        {"color": "red", "value": 80},
    ]

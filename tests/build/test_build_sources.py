"""Each source kind through the real `dashgen build`, and each loader error with file:line."""

from __future__ import annotations

import json

from build_support import Project

GRAFANALIB_SOURCE = """
from grafanalib.core import Dashboard, TimeSeries, Target, GridPos
from lib.panels import cpu_panel

dashboard = Dashboard(
    title="Hosts",
    uid="hosts",
    panels=[
        cpu_panel(),
        TimeSeries(
            title="Load", targets=[Target(expr="node_load1")], gridPos=GridPos(h=8, w=12, x=12, y=0)
        ),
    ],
).auto_panel_ids()
"""

HELPER = """
from grafanalib.core import TimeSeries, Target, GridPos

def cpu_panel():
    return TimeSeries(
        title="CPU", targets=[Target(expr="rate(cpu[5m])")], gridPos=GridPos(h=8, w=12, x=0, y=0)
    )
"""


def test_grafanalib_source_with_helper_module(project: Project) -> None:
    project.write("dashboards/hosts.dashboard.py", GRAFANALIB_SOURCE)
    project.write("dashboards/lib/__init__.py", "")
    project.write("dashboards/lib/panels.py", HELPER)
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    built = project.output("_default", "hosts")
    assert built["title"] == "Hosts"
    assert built["id"] is None and "version" not in built
    assert [p["title"] for p in built["panels"]] == ["CPU", "Load"]
    assert "__inputs" not in built  # grafanalib's empty __inputs is not kept
    assert "1 dashboard, 1 rebuilt, 0 errors" in result.output


def test_python_dict_and_dashboards_list_derive_uids(project: Project) -> None:
    project.write(
        "dashboards/team/many.py",
        """
        dashboards = [
            {"title": "First", "panels": [{"type": "stat", "title": "a"}]},
            {"title": "Second", "panels": []},
        ]
        """,
    )
    project.write("dashboards/team/single.py", 'dashboard = {"title": "Only"}\n')
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    names = sorted(project.outputs())
    assert "_default/team-single.json" in names
    assert "_default/team-many-first.json" in names and "_default/team-many-second.json" in names
    first = project.output("_default", "team-many-first")
    assert first["panels"][0]["id"] == 1
    assert first["panels"][0]["gridPos"] == {"h": 8, "w": 12, "x": 0, "y": 0}


def test_python_sources_load_fresh_each_build(project: Project) -> None:
    project.write("dashboards/lib/__init__.py", "")
    project.write("dashboards/lib/names.py", 'TITLE = "Old"\n')
    project.write(
        "dashboards/app.py",
        'from lib.names import TITLE\ndashboard = {"title": TITLE, "uid": "app"}\n',
    )
    assert project.cli("build").exit_code == 0
    project.write("dashboards/lib/names.py", 'TITLE = "New"\n')
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert project.output("_default", "app")["title"] == "New"
    assert "1 rebuilt" in result.output


def test_python_exception_names_the_user_file_and_line(project: Project) -> None:
    project.write("dashboards/lib/__init__.py", "")
    project.write("dashboards/lib/broken.py", "def panel():\n    return 1 / 0\n")
    project.write(
        "dashboards/bad.dashboard.py", "from lib.broken import panel\n\ndashboard = panel()\n"
    )
    result = project.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards/lib/broken.py:2: error: ZeroDivisionError: division by zero "
        "(while loading dashboards/bad.dashboard.py)" in result.output
    )


def test_python_syntax_error_names_file_and_line(project: Project) -> None:
    project.write("dashboards/syntax.dashboard.py", "x = 1\ndashboard = {\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/syntax.dashboard.py:2: error: SyntaxError" in result.output


def test_dashboard_py_without_dashboard_is_an_error_but_helpers_are_not(project: Project) -> None:
    project.write("dashboards/defaults.py", "COLOR = 'red'\n")
    project.write("dashboards/empty.dashboard.py", "COLOR = 'blue'\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/empty.dashboard.py: error: defines neither 'dashboard'" in result.output
    assert "defaults.py" not in result.output


def test_python_source_yielding_nothing_is_an_error(project: Project) -> None:
    project.write("dashboards/none.py", "import os\n\ndashboards = []\n")
    project.write("dashboards/mapping.py", "dashboards = {'a': {'title': 'A'}}\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/none.py:3: error: yields no dashboard" in result.output
    assert "dashboards/mapping.py:1: error: 'dashboards' must be a list" in result.output


MACROS = """
{% macro stat(title, expr, x) -%}
{"type": "stat", "title": {{ title | tojson }}, "gridPos": {"x": {{ x }}, "y": 0, "w": 12, "h": 4},
 "datasource": {"type": "prometheus", "uid": {{ prometheus_uid | tojson }}},
 "targets": [{"expr": {{ expr | tojson }}, "refId": "A"}]}
{%- endmacro %}
"""

TEMPLATE = """
{% import "macros.j2" as m %}
{
  "uid": "red-{{ org }}",
  "title": "RED {{ environment }}",
  "panels": [
    {{ m.stat("Rate", 'sum(rate(http_requests_total{code=~"5.."}[5m]))', 0) }},
    {{ m.stat("Errors", "sum(errors)", 12) }}
  ]
}
"""

TWO_ORGS = """
[vars]
environment = "prod"
prometheus_uid = "global-prom"
[orgs.apiorg.vars]
prometheus_uid = "api-prom"
[orgs.ops]
folder = "Ops"
"""


def test_jinja_template_renders_once_per_org_with_org_vars(project: Project) -> None:
    project.write("dashgen.toml", TWO_ORGS)
    project.write("templates/macros.j2", MACROS)
    project.write("dashboards/red.json.j2", TEMPLATE)
    result = project.cli("build", "--var", "environment=staging")
    assert result.exit_code == 0, result.output
    api = project.output("apiorg", "red-apiorg")
    ops = project.output("ops", "red-ops")
    assert api["title"] == ops["title"] == "RED staging"
    assert api["panels"][0]["datasource"]["uid"] == "api-prom"
    assert ops["panels"][0]["datasource"]["uid"] == "global-prom"
    assert (
        api["panels"][0]["targets"][0]["expr"] == 'sum(rate(http_requests_total{code=~"5.."}[5m]))'
    )
    manifest = json.loads((project.root / "build/manifest.json").read_text())
    assert {(d["org"], d["folder"]) for d in manifest["dashboards"]} == {
        ("apiorg", None),
        ("ops", "Ops"),
    }


def test_jinja_undefined_variable_names_template_and_line(project: Project) -> None:
    project.write("templates/macros.j2", MACROS)
    project.write("dashboards/red.json.j2", TEMPLATE)
    result = project.cli("build", "--var", "environment=x")
    assert result.exit_code == 1
    assert "templates/macros.j2:3: error: undefined variable: 'prometheus_uid' is undefined" in (
        result.output
    )


def test_jinja_syntax_error_names_template_and_line(project: Project) -> None:
    project.write("dashboards/broken.json.j2", '{\n  "title": "x",\n  {% if %}\n}\n')
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/broken.json.j2:3: error: template syntax error" in result.output


def test_jinja_invalid_json_names_rendered_line_and_snippet(project: Project) -> None:
    project.write("dashboards/bad.json.j2", '{\n  "title": "{{ "a" }}"\n  "uid": "x"\n}\n')
    result = project.cli("build")
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "bad.json.j2" in x)
    assert "line 3" in line and "rendered output" in line and '"uid": "x"' in line


def test_view_json_and_api_wrapper(project: Project, view_dashboard) -> None:
    project.write("dashboards/plain.json", view_dashboard(uid="plain"))
    wrapped = {"dashboard": {**view_dashboard(uid="wrapped"), "id": 7, "version": 3}}
    project.write("dashboards/wrapped.json", {**wrapped, "meta": {"slug": "x"}})
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert project.output("_default", "wrapped")["id"] is None
    assert "version" not in project.output("_default", "wrapped")
    assert project.output("_default", "plain")["title"] == "Service"


def test_invalid_json_names_file_and_line(project: Project) -> None:
    project.write("dashboards/bad.json", '{\n  "title": "x",\n  "uid": 1,,\n}\n')
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/bad.json:3: error: invalid JSON" in result.output


def test_json_that_is_no_object_says_what_it_is(project: Project) -> None:
    project.write("dashboards/many.json", '[{"title": "A"}, {"title": "B"}]\n')
    project.write("dashboards/text.json", '"a dashboard"\n')
    project.write("dashboards/number.json", "42\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/many.json:1: error: this JSON is a list, not a Grafana dashboard " in (
        result.output
    )
    assert "a file holds one dashboard" in result.output
    assert "dashboards/text.json:1: error: this JSON is a string, not a Grafana" in result.output
    assert "dashboards/number.json:1: error: this JSON is the value 42, not a" in result.output


def test_export_is_refused_with_inputs_listed(project: Project, view_dashboard) -> None:
    export = {
        **view_dashboard(uid="exp"),
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "type": "datasource",
                "pluginId": "prometheus",
                "label": "Prometheus",
            }
        ],
        "__requires": [{"type": "grafana", "id": "grafana"}],
    }
    export["panels"][0]["datasource"] = "${DS_PROMETHEUS}"
    project.write("dashboards/export.json", export)
    result = project.cli("build")
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "export.json" in x)
    assert "dashboards/export.json:" in line and "Share > Export" in line
    assert "DS_PROMETHEUS (prometheus" in line and "Fix:" in line
    assert not (project.root / "build").exists()

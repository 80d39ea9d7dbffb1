"""Python sources read their org's variables through dashgen.context."""

from __future__ import annotations

import pytest
from build_support import Project

from dashgen import context

TWO_ORGS = """
[vars]
prometheus_uid = "prom-global"

[orgs.alpha]
folder = "Alpha"
[orgs.alpha.vars]
prometheus_uid = "prom-alpha"

[orgs.beta]
"""

ORG_AWARE = """
from dashgen import context

dashboard = {
    "uid": "node",
    "title": f"Node ({context.org()})",
    "panels": [
        {
            "id": 1,
            "type": "timeseries",
            "title": "CPU",
            "datasource": {"type": "prometheus", "uid": context.var("prometheus_uid")},
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
        }
    ],
}
"""


def test_python_source_gets_each_orgs_variables(project: Project) -> None:
    project.write("dashgen.toml", TWO_ORGS)
    project.write("dashboards/node.py", ORG_AWARE)
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    alpha, beta = project.output("alpha", "node"), project.output("beta", "node")
    assert alpha["panels"][0]["datasource"]["uid"] == "prom-alpha"
    assert beta["panels"][0]["datasource"]["uid"] == "prom-global"
    assert (alpha["title"], beta["title"]) == ("Node (alpha)", "Node (beta)")


def test_var_option_overrides_org_variables_for_python(project: Project) -> None:
    project.write("dashgen.toml", TWO_ORGS)
    project.write("dashboards/node.py", ORG_AWARE)
    result = project.cli("build", "--var", "prometheus_uid=prom-cli")
    assert result.exit_code == 0, result.output
    assert project.output("alpha", "node")["panels"][0]["datasource"]["uid"] == "prom-cli"


def test_helper_module_reading_context_makes_its_user_per_org(project: Project) -> None:
    project.write("dashgen.toml", TWO_ORGS)
    project.write(
        "dashboards/lib/ds.py",
        """
        from dashgen import context

        def prometheus() -> dict:
            return {"type": "prometheus", "uid": context.var("prometheus_uid")}
        """,
    )
    project.write(
        "dashboards/svc.py",
        """
        from lib.ds import prometheus

        dashboard = {"uid": "svc", "title": "Svc", "panels": [
            {"id": 1, "type": "stat", "title": "Up", "datasource": prometheus(),
             "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0}}]}
        """,
    )
    assert project.cli("build").exit_code == 0
    assert project.output("alpha", "svc")["panels"][0]["datasource"]["uid"] == "prom-alpha"
    assert project.output("beta", "svc")["panels"][0]["datasource"]["uid"] == "prom-global"


def test_missing_variable_names_the_source_and_how_to_fix(project: Project) -> None:
    project.write("dashgen.toml", "[orgs.beta]\n")
    project.write("dashboards/node.py", ORG_AWARE)
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/node.py" in result.output
    assert "'prometheus_uid' is not set for org 'beta'" in result.output
    assert not (project.root / "build" / "beta" / "node.json").exists()


def test_outside_a_build_var_falls_back_to_its_default() -> None:
    assert context.org() is None
    assert context.var("prometheus_uid", default="prometheus") == "prometheus"
    with pytest.raises(context.UnknownVariableError, match="not inside dashgen build"):
        context.var("prometheus_uid")

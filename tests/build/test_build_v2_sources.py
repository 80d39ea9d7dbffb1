"""Schema v2 dashboards from every source kind, through a real `dashgen build`: a resource
file, a Foundation SDK dashboardv2 builder (bare, or in a resource Manifest), a dict and a
Jinja template all give the v2 spec as the output, with the schema in the manifest."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from build_support import Project, assert_no_traceback, run_cli

from dashgen.model.normalize import dumps


def v2_spec(title: str = "Service v2") -> dict[str, Any]:
    return {
        "title": title,
        "cursorSync": "Off",
        "elements": {
            "panel-1": {
                "kind": "Panel",
                "spec": {
                    "id": 1,
                    "title": "Requests",
                    "data": {
                        "kind": "QueryGroup",
                        "spec": {
                            "queries": [
                                {
                                    "kind": "PanelQuery",
                                    "spec": {
                                        "refId": "A",
                                        "query": {
                                            "kind": "DataQuery",
                                            "group": "prometheus",
                                            "version": "v0",
                                            "datasource": {"name": "prom-uid"},
                                            "spec": {"expr": "up"},
                                        },
                                    },
                                }
                            ]
                        },
                    },
                    "vizConfig": {"kind": "VizConfig", "group": "timeseries", "spec": {}},
                },
            },
            "panel-2": {"kind": "Panel", "spec": {"id": 2, "title": "Errors"}},
        },
        "layout": {
            "kind": "RowsLayout",
            "spec": {
                "rows": [
                    {
                        "kind": "RowsLayoutRow",
                        "spec": {
                            "title": "Top",
                            "layout": {
                                "kind": "GridLayout",
                                "spec": {
                                    "items": [
                                        _grid_item("panel-1", 0, 0, 12, 8),
                                        _grid_item("panel-2", 12, 0, 12, 8),
                                    ]
                                },
                            },
                        },
                    }
                ]
            },
        },
        "timeSettings": {"from": "now-6h", "to": "now"},
        "variables": [],
        "annotations": [],
        "links": [],
        "tags": [],
    }


def _grid_item(name: str, x: int, y: int, width: int, height: int) -> dict[str, Any]:
    return {
        "kind": "GridLayoutItem",
        "spec": {
            "x": x,
            "y": y,
            "width": width,
            "height": height,
            "element": {"kind": "ElementReference", "name": name},
        },
    }


def resource(spec: dict[str, Any], name: str = "svc-v2", version: str = "v2") -> dict[str, Any]:
    return {
        "apiVersion": f"dashboard.grafana.app/{version}",
        "kind": "Dashboard",
        "metadata": {
            "name": name,
            "resourceVersion": "17",
            "generation": 2,
            "annotations": {"grafana.app/folder": "team-v2", "grafana.app/updatedBy": "user:u"},
        },
        "spec": spec,
        "status": {},
    }


def entries(project: Project) -> dict[str, dict[str, Any]]:
    data = json.loads((project.root / "build" / "manifest.json").read_text())
    return {entry["uid"]: entry for entry in data["dashboards"]}


def output_text(project: Project, uid: str) -> str:
    return (project.root / "build" / "_default" / f"{uid}.json").read_text()


@pytest.mark.parametrize("version", ["v2", "v2beta1", "v2alpha1"])
def test_a_v2_resource_file_builds_its_spec(project: Project, version: str) -> None:
    project.write("dashboards/svc.json", resource(v2_spec(), version=version))
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert "0 warnings" in result.output  # no schemaVersion warning for v2
    assert output_text(project, "svc-v2") == dumps(v2_spec())  # the spec, sorted keys
    entry = entries(project)["svc-v2"]
    assert entry["schema"] == version
    assert entry["title"] == "Service v2"
    assert entry["folder_uid"] == "team-v2"


def test_v2_output_is_the_spec_as_written_with_no_classic_normalisation(
    project: Project,
) -> None:
    spec = v2_spec()
    spec["elements"]["panel-2"]["spec"].pop("id")  # no id assigned, no gridPos added
    project.write("dashboards/svc.json", resource(spec))
    assert project.cli("build").exit_code == 0
    built = project.output("_default", "svc-v2")
    assert built == spec
    assert "id" not in built and "uid" not in built and "version" not in built


def test_a_bare_v2_dict_gets_its_uid_from_the_path(project: Project) -> None:
    project.write("dashboards/team/bare.json", v2_spec("Bare"))
    project.write("dashboards/from_py.py", f"dashboard = {v2_spec('From Python')!r}\n")
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    found = entries(project)
    assert found["team-bare"]["schema"] == "v2" and found["team-bare"]["title"] == "Bare"
    assert found["from_py"]["schema"] == "v2"
    assert project.output("_default", "from_py") == v2_spec("From Python")


def test_a_uid_inside_a_bare_v2_spec_is_refused_with_the_fix(project: Project) -> None:
    path = project.write("dashboards/bare.json", {**v2_spec(), "uid": "mine"})
    result = project.cli("build")
    assert result.exit_code == 1
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if '"uid"' in t)
    assert f"dashboards/bare.json:{line}: error: a schema v2 spec has no uid field" in result.output
    assert '"metadata": {"name": "<uid>"}' in result.output


def test_a_jinja_template_rendering_v2_goes_through_the_same_step(project: Project) -> None:
    spec = v2_spec()
    text = json.dumps(resource(spec), indent=2).replace('"Service v2"', '"{{ team }} service"')
    project.write("dashgen.toml", '[vars]\nteam = "Payments"\n')
    project.write("dashboards/svc.json.j2", text)
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert project.output("_default", "svc-v2")["title"] == "Payments service"
    assert entries(project)["svc-v2"]["schema"] == "v2"


def test_a_foundation_sdk_dashboardv2_builder(project: Project) -> None:
    # the dev extra pins a grafana-foundation-sdk that has it: missing is a failure, not a skip
    importlib.import_module("grafana_foundation_sdk.builders.dashboardv2")
    project.write(
        "dashboards/sdk_v2.py",
        """
        from grafana_foundation_sdk.builders import dashboardv2 as v2
        from grafana_foundation_sdk.builders.resource import Manifest, named

        def made(title):
            return (
                v2.Dashboard(title)
                .element("panel-1", v2.Panel().id(1).title("A"))
                .layout(v2.Grid().item(v2.GridItem().name("panel-1").width(12).height(8)))
            )

        dashboards = [
            made("Bare builder"),
            Manifest()
            .api_version("dashboard.grafana.app/v2beta1")
            .kind("Dashboard")
            .metadata(named("sdk-named"))
            .spec(made("In a manifest").build()),
        ]
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    found = entries(project)
    named_entry = found.pop("sdk-named")
    assert (named_entry["schema"], named_entry["title"]) == ("v2beta1", "In a manifest")
    [(uid, bare)] = found.items()
    assert (bare["schema"], bare["title"]) == ("v2", "Bare builder")
    built = project.output("_default", uid)
    assert built["layout"]["kind"] == "GridLayout"
    assert built["elements"]["panel-1"]["spec"]["title"] == "A"
    from grafana_foundation_sdk.cog.encoder import JSONEncoder

    namespace: dict[str, Any] = {}
    exec((project.root / "dashboards" / "sdk_v2.py").read_text(), namespace)
    expected = json.loads(JSONEncoder().encode(namespace["dashboards"][0].build()))
    assert built == expected


def test_a_foundation_sdk_dashboardv2beta1_builder_builds_as_v2beta1(project: Project) -> None:
    # the dev extra pins a grafana-foundation-sdk that has it: missing is a failure, not a skip
    importlib.import_module("grafana_foundation_sdk.builders.dashboardv2beta1")
    project.write(
        "dashboards/beta.py",
        """
        from grafana_foundation_sdk.builders import dashboardv2beta1 as beta

        dashboard = (
            beta.Dashboard("Beta")
            .element("panel-1", beta.Panel().id(1).title("A"))
            .layout(beta.Grid().item(beta.GridItem().name("panel-1").width(24).height(8)))
        )
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert entries(project)["beta"]["schema"] == "v2beta1"
    assert project.output("_default", "beta")["title"] == "Beta"


def test_the_cache_keeps_schema_and_folder_across_a_no_op_rebuild(project: Project) -> None:
    project.write("dashboards/svc.json", resource(v2_spec()))
    assert project.cli("build").exit_code == 0
    first = (project.root / "build" / "manifest.json").read_bytes()
    project.write("dashboards/other.json", {"uid": "o", "title": "O", "panels": []})
    completed = run_cli(project, "build")  # a new process: the records come from the cache
    assert completed.returncode == 0, completed.stderr
    assert_no_traceback(completed.stdout, completed.stderr)
    again = entries(project)
    assert (again["svc-v2"]["schema"], again["svc-v2"]["folder_uid"]) == ("v2", "team-v2")
    assert json.loads(first)["dashboards"][0] == again["svc-v2"]

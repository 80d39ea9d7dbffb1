"""`dashgen import`: forms, inputs, library panels, variables, destinations, the proof."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from adopt_support import Project, dashboard

from dashgen.adopt import text as adopt_text
from dashgen.model.normalize import comparable

EXPORT_INPUTS = [
    {
        "name": "DS_PROM",
        "label": "Prometheus",
        "description": "",
        "type": "datasource",
        "pluginId": "prometheus",
        "pluginName": "Prometheus",
    },
    {"name": "VAR_SITE", "type": "constant", "label": "site", "value": "home"},
]


def export(**extra: Any) -> dict[str, Any]:
    return {
        "__inputs": copy.deepcopy(EXPORT_INPUTS),
        "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10"}],
        "uid": "exp",
        "title": "Exported ${VAR_SITE}",
        "schemaVersion": 39,
        "panels": [
            {
                "id": 1,
                "type": "timeseries",
                "title": "Up ${unknown}",
                "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "${DS_PROM}"},
                "targets": [{"refId": "A", "expr": 'up{site="${VAR_SITE}"}'}],
            }
        ],
        **extra,
    }


def test_view_json_is_normalised_and_builds_back(project: Project) -> None:
    source = project.write("in/service.json", dashboard())
    result = project.dashgen("import", str(source))
    assert result.code == 0, result.output
    assert "created" in result.stdout and "dashboards/service.json" in result.stdout
    written = json.loads((project.root / "dashboards/service.json").read_text())
    assert "id" not in written and "version" not in written and written["uid"] == "svc"
    assert project.built()["svc"] == comparable(dashboard())


def test_api_envelope_is_unwrapped(project: Project) -> None:
    envelope = {"dashboard": dashboard("env"), "meta": {"version": 7, "folderUid": ""}}
    source = project.write("env.json", envelope)
    assert project.dashgen("import", str(source)).code == 0
    assert project.built()["env"] == comparable(dashboard("env"))


def test_missing_inputs_are_listed_with_label_type_plugin_and_flags(project: Project) -> None:
    source = project.write("exp.json", export())
    result = project.dashgen("import", str(source))
    assert result.code == 1
    message = result.stderr
    assert 'DS_PROM: datasource, plugin prometheus, label "Prometheus" (MISSING)' in message
    assert "VAR_SITE: constant" in message and "(has a value)" in message
    assert "--input 'DS_PROM=<prometheus datasource uid>'" in message
    assert project.sources() == []


def test_export_converted_like_grafana_import(project: Project) -> None:
    source = project.write("exp.json", export())
    result = project.dashgen("import", str(source), "--input", "DS_PROM=prom-main")
    assert result.code == 0, result.output
    built = project.built()["exp"]
    assert built["title"] == "Exported home"
    panel = built["panels"][0]
    assert panel["datasource"] == {"type": "prometheus", "uid": "prom-main"}
    assert panel["title"] == "Up ${unknown}"  # not an input: left alone
    assert "__inputs" not in built and "__requires" not in built


def test_inputs_from_the_config(project: Project) -> None:
    project.config('[orgs.apiorg.inputs]\nDS_PROM = "prom-org"\n')
    assert project.dashgen("import", str(project.write("exp.json", export()))).code == 0
    assert project.built()["exp"]["panels"][0]["datasource"]["uid"] == "prom-org"


def _library_export() -> dict[str, Any]:
    doc = export()
    doc["panels"].append(
        {
            "id": 2,
            "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0},
            "libraryPanel": {"uid": "lib-cost", "name": "Cost"},
        }
    )
    doc["__elements"] = {
        "lib-cost": {
            "name": "Cost",
            "uid": "lib-cost",
            "kind": 1,
            "model": {
                "type": "stat",
                "title": "Cost",
                "datasource": {"type": "prometheus", "uid": "${DS_PROM}"},
                "targets": [{"refId": "A", "expr": "cost"}],
            },
        }
    }
    return doc


def test_library_panels_stay_references_and_the_import_says_so(project: Project) -> None:
    source = project.write("lib.json", _library_export())
    result = project.dashgen("import", str(source), "--input", "DS_PROM=p")
    assert result.code == 0, result.output
    assert '"Cost" (uid lib-cost) stay references' in result.stdout
    assert "must exist in every org" in result.stdout
    panel = project.built()["exp"]["panels"][1]
    assert panel == {
        "id": 2,
        "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0},
        "libraryPanel": {"uid": "lib-cost", "name": "Cost"},
    }


def test_inline_library_panels_from_elements(project: Project) -> None:
    source = project.write("lib.json", _library_export())
    result = project.dashgen(
        "import", str(source), "--input", "DS_PROM=p", "--inline-library-panels"
    )
    assert result.code == 0, result.output
    panel = project.built()["exp"]["panels"][1]
    assert "libraryPanel" not in panel
    assert (panel["id"], panel["type"], panel["gridPos"]["x"]) == (2, "stat", 12)
    assert panel["datasource"] == {"type": "prometheus", "uid": "p"}  # input substituted


def test_inline_without_a_model_is_refused(project: Project) -> None:
    doc = dashboard("refs")
    doc["panels"].append(
        {
            "id": 5,
            "gridPos": {"h": 4, "w": 6, "x": 0, "y": 8},
            "libraryPanel": {"uid": "gone", "name": "Gone"},
        }
    )
    source = project.write("refs.json", doc)
    result = project.dashgen("import", str(source), "--inline-library-panels")
    assert result.code == 1 and '"Gone" (uid gone) is only a reference' in result.stderr
    assert project.dashgen("import", str(source)).code == 0  # references build fine


@pytest.mark.parametrize(
    ("document", "said"),
    [
        ({"type": "graph", "title": "x", "targets": [], "gridPos": {}}, "single panel"),
        ({"apiVersion": "dashboard.grafana.app/v2", "kind": "Dashboard", "spec": {}}, "v2"),
        ({"name": "my-app", "version": "1.0.0"}, "not a Grafana dashboard"),
        ([1, 2, 3], "not a Grafana dashboard"),
    ],
)
def test_not_a_dashboard_is_refused_with_what_it_is(
    project: Project, document: Any, said: str
) -> None:
    result = project.dashgen("import", str(project.write("thing.json", document)))
    assert result.code == 1 and said in result.stderr and "thing.json" in result.stderr
    assert project.sources() == []


def test_invalid_json_names_file_and_line(project: Project) -> None:
    source = project.write("broken.json", '{\n  "title": "x",\n  oops\n}\n')
    result = project.dashgen("import", str(source))
    assert result.code == 1 and "broken.json:3: invalid JSON" in result.stderr
    assert "Traceback" not in result.output


def test_jinja_turns_datasources_into_variables_and_keeps_legends(project: Project) -> None:
    doc = dashboard()
    doc["panels"].append(
        {
            "id": 2,
            "type": "timeseries",
            "title": "Other Prometheus {% not a tag %}",
            "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0},
            "datasource": {"type": "prometheus", "uid": "prom-b"},
            "targets": [{"refId": "A", "expr": "up", "legendFormat": "{# x #} {{job}}"}],
        }
    )
    doc["panels"].append(
        {
            "id": 3,
            "type": "text",
            "title": "Mixed",
            "gridPos": {"h": 2, "w": 24, "x": 0, "y": 8},
            "datasource": {"type": "datasource", "uid": "-- Mixed --"},
        }
    )
    source = project.write("svc.json", doc)
    result = project.dashgen("import", str(source), "--as", "jinja", "--org", "apiorg")
    assert result.code == 0, result.output
    template = (project.root / "dashboards/svc.json.j2").read_text()
    assert '"uid": "{{ prometheus_uid }}"' in template
    assert '"uid": "{{ prometheus_2_uid }}"' in template
    assert "{% raw %}{{instance}}{% endraw %}" in template
    assert "[orgs.apiorg.vars]" in result.stdout and 'prometheus_2_uid = "prom-b"' in result.stdout
    project.config('[orgs.apiorg.vars]\nprometheus_uid = "prom-a"\nprometheus_2_uid = "prom-b"\n')
    assert project.built()["svc"] == comparable(doc)
    project.config('[orgs.apiorg.vars]\nprometheus_uid = "prom-x"\nprometheus_2_uid = "prom-y"\n')
    other = project.built()["svc"]
    assert other["panels"][0]["datasource"]["uid"] == "prom-x"
    assert other["panels"][1]["targets"][0]["legendFormat"] == "{# x #} {{job}}"
    assert other["panels"][2]["datasource"]["uid"] == "-- Mixed --"


def test_template_variables_and_builtins_are_not_datasource_variables(project: Project) -> None:
    doc = dashboard()
    doc["panels"][0]["datasource"] = {"type": "prometheus", "uid": "${datasource}"}
    doc["panels"][0]["targets"][0]["datasource"] = "$datasource"
    doc["annotations"] = {"list": [{"datasource": {"type": "grafana", "uid": "-- Grafana --"}}]}
    result = project.dashgen("import", str(project.write("svc.json", doc)), "--as", "jinja")
    assert result.code == 0, result.output
    assert (
        "{{"
        not in (project.root / "dashboards/svc.json.j2")
        .read_text()
        .replace("{% raw %}{{instance}}{% endraw %}", "")
        .split("#}", 1)[1]
    )
    assert "Add to the config" not in result.stdout


def test_existing_variables_are_reused_or_skipped(project: Project) -> None:
    project.config(
        '[vars]\nprometheus_uid = "prom-a"\n\n[orgs.apiorg.vars]\nloki_uid = "someone-elses"\n'
    )
    doc = dashboard()
    doc["panels"][0]["targets"].append(
        {"refId": "B", "datasource": {"type": "loki", "uid": "loki-1"}, "expr": '{job="x"}'}
    )
    result = project.dashgen("import", str(project.write("svc.json", doc)), "--as", "python")
    assert result.code == 0, result.output
    module = (project.root / "dashboards/svc.dashboard.py").read_text()
    assert 'PROMETHEUS_UID = context.var("prometheus_uid")' in module
    assert 'LOKI_2_UID = context.var("loki_2_uid")' in module
    assert 'loki_2_uid = "loki-1"' in result.stdout and "prometheus_uid =" not in result.stdout


def test_write_config_keeps_comments_and_layout(project: Project) -> None:
    original = (
        "# our dashboards\n"
        'grafana_url = "https://grafana.example.com"  # prod\n\n'
        "[orgs.apiorg]\n"
        'folder = "Platform"   # keep\n\n'
        "[orgs.apiorg.vars]\n"
        'environment = "prod"  # used by the SLO panels\n'
    )
    project.config(original)
    source = project.write("svc.json", dashboard())
    result = project.dashgen("import", str(source), "--as", "python", "--write-config")
    assert result.code == 0, result.output
    text = (project.root / "dashgen.toml").read_text()
    assert text.startswith(original.rstrip("\n"))
    assert 'prometheus_uid = "prom-a"' in text and text.count("[orgs.apiorg.vars]") == 1
    assert project.built()["svc"] == comparable(dashboard())


def test_python_source_reads_uids_through_context(project: Project) -> None:
    result = project.dashgen(
        "import", str(project.write("svc.json", dashboard())), "--as", "python"
    )
    assert result.code == 0
    module = (project.root / "dashboards/svc.dashboard.py").read_text()
    assert "from dashgen import context" in module
    assert '"uid": PROMETHEUS_UID' in module and "prom-a" not in module
    compile(module, "svc.dashboard.py", "exec")


def test_existing_source_is_replaced_only_with_overwrite(project: Project) -> None:
    source = project.write("svc.json", dashboard())
    assert project.dashgen("import", str(source)).code == 0
    again = project.dashgen("import", str(source))
    assert again.code == 0 and "unchanged" in again.stdout
    source.write_text(json.dumps(dashboard(title="Changed title")))
    refused = project.dashgen("import", str(source))
    assert refused.code == 1 and "exists and differs; --overwrite replaces it" in refused.stderr
    assert json.loads((project.root / "dashboards/svc.json").read_text())["title"] == "Service svc"
    replaced = project.dashgen("import", str(source), "--overwrite")
    assert replaced.code == 0 and "updated" in replaced.stdout
    assert project.built()["svc"]["title"] == "Changed title"


def test_another_kind_of_the_same_dashboard_is_refused(project: Project) -> None:
    source = project.write("svc.json", dashboard())
    assert project.dashgen("import", str(source)).code == 0
    result = project.dashgen("import", str(source), "--as", "python", "--overwrite")
    assert result.code == 1 and "dashboards/svc.json already holds this dashboard" in result.stderr


def test_same_uid_twice_in_one_run_is_refused(project: Project) -> None:
    first = project.write("a/svc.json", dashboard())
    second = project.write("b/svc-copy.json", dashboard())
    result = project.dashgen("import", str(first), str(second))
    assert result.code == 1 and "uid 'svc' is also in" in result.stderr
    assert project.sources() == ["svc.json"]


def test_to_must_be_under_the_sources_dir(project: Project) -> None:
    result = project.dashgen(
        "import", str(project.write("svc.json", dashboard())), "--to", "elsewhere"
    )
    assert result.code == 2 and "not under the sources dir" in result.stderr
    ok = project.dashgen("import", str(project.root / "svc.json"), "--to", "dashboards/team-a")
    assert ok.code == 0 and project.sources() == ["team-a/svc.json"]


def test_a_source_that_does_not_build_back_is_refused_and_nothing_written(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The writers are correct by construction, so the proof is exercised with a broken one.
    def lossy(document: dict[str, Any]) -> str:
        document = copy.deepcopy(document)
        document["panels"][0]["targets"][0]["expr"] = "up"
        return json.dumps(document)

    monkeypatch.setattr(adopt_text, "view_json", lossy)
    monkeypatch.setattr("dashgen.adopt.importer.view_json", lossy)
    result = project.dashgen("import", str(project.write("svc.json", dashboard())))
    assert result.code == 1
    assert "first difference at panels[0].targets[0].expr" in result.stderr
    assert project.sources() == []


def test_a_dashboard_the_build_rejects_is_refused(project: Project) -> None:
    doc = dashboard()
    doc["panels"].append({**doc["panels"][0], "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0}})
    result = project.dashgen("import", str(project.write("dup.json", doc)))
    assert result.code == 1 and "dashgen build would reject" in result.stderr
    assert "duplicate" in result.stderr.lower() and project.sources() == []


def test_help_has_an_example(project: Project) -> None:
    for command in ("import", "pull"):
        result = project.dashgen(command, "--help")
        assert result.code == 0 and "Examples:" in result.stdout
        assert f"dashgen {command} " in result.stdout


def test_template_datasources_with_json_writes_a_template(project: Project) -> None:
    source = project.write("svc.json", dashboard())
    result = project.dashgen("import", str(source), "--template-datasources", "--write-config")
    assert result.code == 0, result.output
    assert project.sources() == ["svc.json.j2"]
    assert project.built()["svc"] == comparable(dashboard())


def test_several_orgs_need_org_to_name_the_variables(project: Project) -> None:
    project.config("[orgs.a]\n[orgs.b]\n")
    source = project.write("svc.json", dashboard())
    result = project.dashgen("import", str(source), "--as", "jinja")
    assert result.code == 2 and "--org NAME" in result.stderr
    assert project.dashgen("import", str(source)).code == 0  # plain View JSON needs no org


def test_a_target_that_cannot_be_written_is_named_not_its_temporary(project: Project) -> None:
    # (a folder where the source file goes: as root, the one write that always fails)
    first = project.write("a.json", dashboard("a"))
    second = project.write("b.json", dashboard("b"))
    (project.root / "dashboards/team/b.json").mkdir(parents=True)
    result = project.dashgen("import", str(first), str(second), "--to", "dashboards/team")
    assert result.code == 1, result.output
    assert (
        "cannot write dashboards/team/b.json: Is a directory; written before it: "
        "dashboards/team/a.json (the config was not changed)" in result.stderr
    )
    assert ".tmp" not in result.output and "internal error" not in result.output
    assert sorted(p.name for p in (project.root / "dashboards/team").iterdir()) == [
        "a.json",
        "b.json",
    ]

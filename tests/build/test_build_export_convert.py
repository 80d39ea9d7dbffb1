"""Share > Export files are converted as Grafana's import does, given a value per input."""

from __future__ import annotations

import copy
import csv
import json
import re
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from build_support import Project, line_of

from dashgen.build import build
from dashgen.config import load_config
from dashgen.errors import ConfigError
from dashgen.model.forms import (
    Form,
    LibraryPanelsError,
    MissingInputsError,
    convert_export,
    missing_inputs,
    unwrap,
)

DS_INPUT = {
    "name": "DS_PROMETHEUS",
    "label": "Prometheus",
    "description": "",
    "type": "datasource",
    "pluginId": "prometheus",
    "pluginName": "Prometheus",
}
SITE_INPUT = {
    "name": "VAR_SITE",
    "type": "constant",
    "label": "site",
    "value": "home",
    "description": "",
}


def export_doc(uid: str = "exp", *, object_refs: bool = True) -> dict[str, Any]:
    """A small export: object-style refs (newer Grafana) or string refs (7.x)."""
    ref: Any = (
        {"type": "prometheus", "uid": "${DS_PROMETHEUS}"} if object_refs else "${DS_PROMETHEUS}"
    )
    return {
        "__inputs": [DS_INPUT, SITE_INPUT],
        "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10"}],
        "__elements": {},
        "id": None,
        "uid": uid,
        "title": "Exported ${VAR_SITE}",
        "schemaVersion": 39,
        "panels": [
            {
                "id": 1,
                "type": "timeseries",
                "title": "Up at ${VAR_SITE}",
                "datasource": copy.deepcopy(ref),
                "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                "targets": [
                    {
                        "datasource": copy.deepcopy(ref),
                        "expr": 'up{site="${VAR_SITE}", job="$job"}',
                        "legendFormat": "${unknown} ${DS_PROMETHEUS}",
                    }
                ],
            }
        ],
        "templating": {
            "list": [
                {
                    "name": "job",
                    "type": "query",
                    "datasource": copy.deepcopy(ref),
                    "query": 'label_values(up{site="${VAR_SITE}"}, job)',
                    "options": [],
                    "current": {},
                },
                {"name": "site", "type": "constant", "query": "${VAR_SITE}"},
            ]
        },
    }


def write_config(project: Project, text: str) -> None:
    project.write("dashgen.toml", text)


# -- the pure function


def test_object_refs_are_converted_and_export_keys_stripped() -> None:
    doc = export_doc()
    before = copy.deepcopy(doc)
    out = convert_export(doc, {"DS_PROMETHEUS": "prom-uid"})
    assert doc == before  # pure: the input is not modified
    assert not {"__inputs", "__requires", "__elements"} & out.keys()
    panel = out["panels"][0]
    assert panel["datasource"] == {"type": "prometheus", "uid": "prom-uid"}
    assert panel["targets"][0]["datasource"] == {"type": "prometheus", "uid": "prom-uid"}
    assert out["templating"]["list"][0]["datasource"]["uid"] == "prom-uid"


def test_string_refs_7x_style_are_converted() -> None:
    out = convert_export(export_doc(object_refs=False), {"DS_PROMETHEUS": "prom-uid"})
    assert out["panels"][0]["datasource"] == "prom-uid"
    assert out["panels"][0]["targets"][0]["datasource"] == "prom-uid"
    assert out["templating"]["list"][0]["datasource"] == "prom-uid"


def test_constants_fall_back_to_their_value_and_can_be_mapped() -> None:
    out = convert_export(export_doc(), {"DS_PROMETHEUS": "p"})
    assert out["title"] == "Exported home"
    assert out["panels"][0]["targets"][0]["expr"] == 'up{site="home", job="$job"}'
    assert out["templating"]["list"][0]["query"] == 'label_values(up{site="home"}, job)'
    assert out["templating"]["list"][1]["query"] == "home"
    mapped = convert_export(export_doc(), {"DS_PROMETHEUS": "p", "VAR_SITE": "office"})
    assert mapped["panels"][0]["title"] == "Up at office"


def test_unknown_placeholders_stay_and_known_ones_inside_text_are_replaced() -> None:
    out = convert_export(export_doc(), {"DS_PROMETHEUS": "p"})
    assert out["panels"][0]["targets"][0]["legendFormat"] == "${unknown} p"
    doc = {"__inputs": [DS_INPUT], "title": "t", "panels": [], "x": "${DS_OTHER}${VAR_SITE}"}
    assert convert_export(doc, {"DS_PROMETHEUS": "p"})["x"] == "${DS_OTHER}${VAR_SITE}"


def test_datasource_inputs_have_no_fallback() -> None:
    with pytest.raises(MissingInputsError) as caught:
        convert_export(export_doc(), {"VAR_SITE": "x"})
    assert [i.name for i in caught.value.missing] == ["DS_PROMETHEUS"]
    assert [i.name for i in missing_inputs(export_doc(), {})] == ["DS_PROMETHEUS"]
    assert missing_inputs(export_doc(), {"DS_PROMETHEUS": "p"}) == []


def test_expression_datasource_input_is_forced() -> None:
    expr = {"name": "DS_EXPR", "type": "datasource", "pluginId": "__expr__"}
    doc = {"__inputs": [expr], "title": "t", "panels": [{"datasource": "${DS_EXPR}"}]}
    assert convert_export(doc, {})["panels"][0]["datasource"] == "__expr__"


def test_library_panels_are_refused_with_their_names() -> None:
    doc = export_doc()
    doc["__elements"] = {"lib-1": {"name": "Total Cost", "uid": "lib-1", "kind": 1}}
    doc["panels"] = [{"gridPos": {}, "id": 1, "libraryPanel": {"uid": "lib-1", "name": "x"}}]
    with pytest.raises(LibraryPanelsError) as caught:
        convert_export(doc, {"DS_PROMETHEUS": "p"})
    assert caught.value.names == ["Total Cost"]


# -- config


def test_inputs_config_is_read_and_validated(tmp_path: Path) -> None:
    (tmp_path / "dashgen.toml").write_text(
        '[inputs]\nDS_PROMETHEUS = "prom"\n"DS_SUN AND MOON" = "sun"\n'
        '[orgs.a.inputs]\nDS_PROMETHEUS = "prom-a"\n'
    )
    config = load_config(tmp_path)
    assert config.inputs == {"DS_PROMETHEUS": "prom", "DS_SUN AND MOON": "sun"}
    assert config.org("a").inputs == {"DS_PROMETHEUS": "prom-a"}
    (tmp_path / "dashgen.toml").write_text(
        '[inputs]\nDS_X = 3\n[orgs.a]\ninputs = "nope"\n[orgs.b.inputs]\nDS_Y = true\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    text = str(caught.value)
    assert "inputs.DS_X must be a string" in text
    assert "orgs.a.inputs must be a table" in text
    assert "orgs.b.inputs.DS_Y must be a string" in text


# -- builds


def test_export_with_global_inputs_builds_with_real_uids(project: Project) -> None:
    project.write("dashboards/exp.json", export_doc())
    write_config(project, '[inputs]\nDS_PROMETHEUS = "prom-uid"\n')
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    out = project.output("_default", "exp")
    assert not {"__inputs", "__requires", "__elements"} & out.keys()
    assert out["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prom-uid"}
    assert out["title"] == "Exported home" and out["id"] is None
    assert "${DS_PROMETHEUS}" not in json.dumps(out)


def test_api_wrapper_around_an_export_is_converted(project: Project) -> None:
    project.write("dashboards/exp.json", {"dashboard": export_doc(), "meta": {}})
    result = project.cli("build", "--input", "DS_PROMETHEUS=w")
    assert result.exit_code == 0, result.output
    assert project.output("_default", "exp")["panels"][0]["datasource"]["uid"] == "w"


def test_per_org_inputs_give_each_org_its_own_output(project: Project) -> None:
    project.write("dashboards/exp.json", export_doc())
    write_config(
        project,
        """
        [inputs]
        DS_PROMETHEUS = "prom-global"
        [orgs.a]
        [orgs.b]
        [orgs.b.inputs]
        DS_PROMETHEUS = "prom-b"
        VAR_SITE = "office"
        [orgs.c.inputs]
        DS_PROMETHEUS = "prom-c"
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    uids = {org: project.output(org, "exp")["panels"][0]["datasource"]["uid"] for org in "abc"}
    assert uids == {"a": "prom-global", "b": "prom-b", "c": "prom-c"}
    assert project.output("a", "exp")["title"] == "Exported home"
    assert project.output("b", "exp")["title"] == "Exported office"


def test_per_org_input_alone_leaves_other_orgs_missing(project: Project) -> None:
    project.write("dashboards/exp.json", export_doc())
    write_config(project, '[orgs.a]\n[orgs.b.inputs]\nDS_PROMETHEUS = "prom-b"\n')
    result = project.cli("build")
    assert result.exit_code == 1
    assert "[orgs.a.inputs]" in result.output and "DS_PROMETHEUS" in result.output
    assert "[orgs.b.inputs]" not in result.output
    # Building only org b works.
    assert project.cli("build", "--org", "b").exit_code == 0


def test_input_flag_overrides_config(project: Project) -> None:
    project.write("dashboards/exp.json", export_doc())
    write_config(
        project, '[inputs]\nDS_PROMETHEUS = "cfg"\n[orgs.a.inputs]\nDS_PROMETHEUS = "cfg-a"\n'
    )
    result = project.cli("build", "--input", "DS_PROMETHEUS=cli", "--input", "VAR_SITE=x=y")
    assert result.exit_code == 0, result.output
    out = project.output("a", "exp")
    assert out["panels"][0]["datasource"]["uid"] == "cli"
    assert out["title"] == "Exported x=y"
    bad = project.cli("build", "--input", "DS_PROMETHEUS")
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.output


def test_missing_input_fails_naming_file_inputs_and_config_lines(project: Project) -> None:
    doc = export_doc()
    doc["__inputs"].append(
        {"name": "DS_SUN AND MOON", "type": "datasource", "pluginId": "sunandmoon"}
    )
    project.write("dashboards/exp.json", doc)
    project.write("dashboards/ok.json", {"uid": "ok", "title": "OK", "panels": []})
    write_config(project, '[inputs]\n"DS_SUN AND MOON" = "sun"\n')
    result = project.cli("build")
    assert result.exit_code == 1
    out = result.output
    assert "dashboards/exp.json:2: error:" in out
    assert "Share > Export" in out and "missing: DS_PROMETHEUS." in out
    assert "[inputs]\n    DS_PROMETHEUS = " in out
    assert "[orgs.<org>.inputs]" in out
    assert "--input DS_PROMETHEUS=" in out
    assert '"DS_SUN AND MOON" =' not in out  # mapped: not asked for again
    assert not (project.root / "build" / "_default").exists()


@pytest.mark.parametrize("inputs", ["DS_PROMETHEUS", ["DS_PROMETHEUS"], [DS_INPUT, 7], {"a": 1}])
def test_inputs_that_are_not_input_objects_are_an_error_at_their_line(
    project: Project, inputs: Any
) -> None:
    """(They used to be dropped with every placeholder left in place, silently.)"""
    doc = export_doc()
    doc["__inputs"] = inputs
    project.write("dashboards/exp.json", doc)
    result = project.cli("build", "--input", "DS_PROMETHEUS=p", "--input", "VAR_SITE=s")
    assert result.exit_code == 1, result.output
    line = line_of((project.root / "dashboards/exp.json").read_text(), '"__inputs"')
    assert f"dashboards/exp.json:{line}: error: __inputs is not a list of input objects" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_an_export_of_library_panels_alone_needs_no_inputs(project: Project) -> None:
    doc = export_doc()
    del doc["__inputs"]
    doc["__elements"] = {"lib-1": {"name": "Total Cost", "uid": "lib-1", "kind": 1, "model": {}}}
    project.write("dashboards/lib.json", doc)
    result = project.cli("build")
    assert result.exit_code == 1
    assert "library panels" in result.output and "__inputs is not" not in result.output


def test_library_panel_export_is_refused_even_with_inputs(project: Project) -> None:
    doc = export_doc()
    doc["__elements"] = {"lib-1": {"name": "Total Cost", "uid": "lib-1", "kind": 1, "model": {}}}
    doc["panels"].append({"gridPos": {}, "id": 2, "libraryPanel": {"uid": "lib-1"}})
    project.write("dashboards/lib.json", doc)
    result = project.cli("build", "--input", "DS_PROMETHEUS=p")
    assert result.exit_code == 1
    assert "dashboards/lib.json" in result.output
    assert '"Total Cost"' in result.output and "library panels" in result.output
    assert "View JSON" in result.output


def test_python_source_returning_an_export(project: Project) -> None:
    project.write("dashboards/exp.py", f"dashboard = {export_doc(object_refs=False)!r}\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/exp.py" in result.output and "missing: DS_PROMETHEUS" in result.output
    result = project.cli("build", "--input", "DS_PROMETHEUS=py")
    assert result.exit_code == 0, result.output
    assert project.output("_default", "exp")["panels"][0]["datasource"] == "py"


def test_python_export_is_built_per_org_with_org_inputs(project: Project) -> None:
    project.write("dashboards/exp.py", f"dashboard = {export_doc()!r}\n")
    write_config(
        project,
        '[orgs.a.inputs]\nDS_PROMETHEUS = "pa"\n[orgs.b.inputs]\nDS_PROMETHEUS = "pb"\n',
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert project.output("a", "exp")["panels"][0]["datasource"]["uid"] == "pa"
    assert project.output("b", "exp")["panels"][0]["datasource"]["uid"] == "pb"


def test_changing_an_input_value_rebuilds(project: Project) -> None:
    project.write("dashboards/exp.json", export_doc())
    write_config(project, '[inputs]\nDS_PROMETHEUS = "one"\n')
    assert project.cli("build").exit_code == 0
    assert "0 rebuilt" in project.cli("build").output  # nothing changed: no compile work
    write_config(project, '[inputs]\nDS_PROMETHEUS = "two"\n')
    assert "1 rebuilt" in project.cli("build").output
    assert project.output("_default", "exp")["panels"][0]["datasource"]["uid"] == "two"
    result = project.cli("build", "--input", "DS_PROMETHEUS=three")
    assert "1 rebuilt" in result.output
    assert project.output("_default", "exp")["panels"][0]["datasource"]["uid"] == "three"
    assert "0 rebuilt" in project.cli("build", "--input", "DS_PROMETHEUS=three").output
    assert "1 rebuilt" in project.cli("build").output
    assert project.output("_default", "exp")["panels"][0]["datasource"]["uid"] == "two"


# -- the corpus


def _corpus_exports(corpus_dir: Path) -> list[tuple[str, dict[str, Any], bool]]:
    """(file, export body, has library panels) for each MANIFEST export with datasource inputs."""
    with (corpus_dir / "MANIFEST.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    found = []
    for row in rows:
        if not row["form"].startswith("export(__inputs=") or row["form"].startswith(
            "export(__inputs=0)"
        ):
            continue
        form, body = unwrap(orjson.loads((corpus_dir / "dashboards" / row["file"]).read_bytes()))
        assert form is Form.EXPORT, row["file"]
        if any(i.get("type") == "datasource" for i in body["__inputs"]):
            found.append((row["file"], body, row["library_panels"] == "yes"))
    return found


def _values_for(body: dict[str, Any]) -> dict[str, str]:
    """A value for every input, derived from the file's own __inputs."""
    return {
        item["name"]: "uid-" + re.sub(r"[^a-z0-9]+", "-", item["name"].lower())
        for item in body["__inputs"]
    }


@pytest.mark.corpus
def test_corpus_exports_convert_when_every_input_has_a_value(corpus_dir: Path) -> None:
    exports = _corpus_exports(corpus_dir)
    assert len(exports) >= 9
    for file, body, library in exports:
        values = _values_for(body)
        if library:
            with pytest.raises(LibraryPanelsError):
                convert_export(body, values)
            continue
        out = convert_export(body, values)
        text = json.dumps(out)
        assert not {"__inputs", "__requires", "__elements"} & out.keys(), file
        original = json.dumps(body)
        for name, value in values.items():
            assert "${" + name + "}" not in text, (file, name)
            # Where the export used the placeholder, the value is there now.
            assert (value in text) == ("${" + name + "}" in original), (file, name)
        with pytest.raises(MissingInputsError):
            convert_export(body, {})


@pytest.mark.corpus
def test_building_corpus_exports_with_and_without_inputs(
    corpus_dir: Path, project: Project
) -> None:
    exports = _corpus_exports(corpus_dir)
    values: dict[str, str] = {}
    (project.root / "dashboards").mkdir(parents=True)
    for file, body, _ in exports:
        shutil.copy(corpus_dir / "dashboards" / file, project.root / "dashboards" / file)
        values.update(_values_for(body))
    result = build(load_config(project.root))  # without values: every one refused
    refused = {Path(p.path).name for p in result.errors if "Share > Export" in p.message}
    assert refused == {file for file, _, _ in exports}
    lines = "".join(f"{json.dumps(name)} = {json.dumps(v)}\n" for name, v in values.items())
    write_config(project, "[inputs]\n" + lines)
    result = build(load_config(project.root))
    by_file: dict[str, list[str]] = {}
    for problem in result.errors:
        by_file.setdefault(Path(problem.path).name, []).append(problem.message)
    for file, _, library in exports:
        found = by_file.get(file, [])
        if library:
            assert found and "library panels" in found[0], file
            (project.root / "dashboards" / file).unlink()
        else:
            assert not found, (file, found)
    result = build(load_config(project.root))
    assert result.ok, [str(p) for p in result.errors]
    assert len(result.dashboards) == sum(1 for _, _, library in exports if not library)
    for built in result.dashboards:
        text = built.path.read_text()
        assert "__inputs" not in text and "__requires" not in text, built.source
        assert not any("${" + name + "}" in text for name in values), built.source


# -- the same export from every source kind


def _as_source(kind: str, doc: dict[str, Any]) -> tuple[str, str]:
    text = json.dumps(doc, indent=2)
    if kind == "json":
        return "dashboards/exp.json", text + "\n"
    if kind == "jinja":  # a real template: the title is rendered
        rendered_title = text.replace('"Exported ${VAR_SITE}"', '"{{ word }} ${VAR_SITE}"')
        assert rendered_title != text
        return "dashboards/exp.json.j2", rendered_title + "\n"
    return "dashboards/exp.py", f"import json\n\ndashboard = json.loads(r'''{text}''')\n"


@pytest.mark.parametrize("org_inputs", [False, True], ids=["global-inputs", "per-org-inputs"])
def test_an_export_converts_the_same_from_json_jinja_and_python(
    tmp_path: Path, org_inputs: bool
) -> None:
    config = '[vars]\nword = "Exported"\n[orgs.a]\n[orgs.b]\n'
    if org_inputs:
        config += '[orgs.a.inputs]\nDS_PROMETHEUS = "prom-a"\n'
        config += '[orgs.b.inputs]\nDS_PROMETHEUS = "b"\n'
    else:
        config += '[inputs]\nDS_PROMETHEUS = "prom-uid"\n'
    outputs: dict[str, dict[str, bytes]] = {}
    for kind in ("json", "jinja", "python"):
        project = Project(tmp_path / kind)
        project.write("dashgen.toml", config)
        rel, text = _as_source(kind, export_doc())
        project.write(rel, text)
        result = project.cli("build")
        assert result.exit_code == 0, result.output
        outputs[kind] = {
            org: (project.root / "build" / org / "exp.json").read_bytes() for org in ("a", "b")
        }
    assert outputs["jinja"] == outputs["json"]
    assert outputs["python"] == outputs["json"]
    expected_a = "prom-a" if org_inputs else "prom-uid"
    assert json.loads(outputs["json"]["a"])["panels"][0]["datasource"]["uid"] == expected_a


def test_an_export_rendered_by_jinja_without_values_names_the_missing_inputs(
    project: Project,
) -> None:
    rel, text = _as_source("jinja", export_doc())
    project.write("dashgen.toml", '[vars]\nword = "Exported"\n')
    project.write(rel, text)
    before = project.outputs(hidden=True) if (project.root / "build").exists() else {}
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/exp.json.j2:2: error: this is a Share > Export file" in result.output
    assert "missing: DS_PROMETHEUS" in result.output
    assert "--input DS_PROMETHEUS=..." in result.output
    after = project.outputs(hidden=True) if (project.root / "build").exists() else {}
    assert after == before


@pytest.mark.parametrize("how", ["config", "flag"])
def test_an_empty_datasource_input_is_missing(project: Project, how: str) -> None:
    # DS_PROMETHEUS = "" would build panels that name no datasource (uid "")
    project.write("dashboards/exp.json", export_doc())
    if how == "config":
        write_config(project, '[inputs]\nDS_PROMETHEUS = " "\n')
        result = project.cli("build")
    else:
        result = project.cli("build", "--input", "DS_PROMETHEUS=")
    assert result.exit_code == 1, result.output
    assert "dashboards/exp.json:2: error:" in result.output
    assert "missing: DS_PROMETHEUS." in result.output
    assert not (project.root / "build").exists()

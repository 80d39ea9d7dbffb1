"""YAML sources (`*.yaml`, `*.yml`: what `gcx resources pull -o yaml` writes) through a real
`dashgen build`: the same resource in YAML and in JSON builds the same bytes, several
documents are several dashboards, and what is not a dashboard is refused or skipped."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from build_support import Project, assert_no_traceback
from test_build_resource_files import SPEC, manifest_entries, pulled
from test_build_v2_sources import v2_spec


def as_yaml(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def both_builds(tmp_path: Path, document: dict[str, Any], name: str) -> tuple[Project, Project]:
    """The document as dashboards/<name>.json in one project, .yaml in another, both built."""
    projects = []
    for suffix in ("json", "yaml"):
        project = Project(tmp_path / suffix)
        project.write("dashgen.toml", "")
        text = json.dumps(document, indent=2) if suffix == "json" else as_yaml(document)
        project.write(f"dashboards/{name}.{suffix}", text)
        result = project.cli("build")
        assert result.exit_code == 0, result.output
        projects.append(project)
    return projects[0], projects[1]


def same_build(left: Project, right: Project) -> None:
    assert left.outputs() == right.outputs() or _only_sources_differ(left, right)


def _only_sources_differ(left: Project, right: Project) -> bool:
    """Outputs equal byte for byte; the manifests differ only in each entry's source."""
    lo, ro = left.outputs(), right.outputs()
    assert lo.keys() == ro.keys()
    for name in lo:
        if name != "manifest.json":
            assert lo[name] == ro[name], name
    entries = [manifest_entries(p) for p in (left, right)]
    for entry in (*entries[0].values(), *entries[1].values()):
        entry.pop("source")
    assert entries[0] == entries[1]
    return True


@pytest.mark.parametrize("version", ["v0alpha1", "v1beta1", "v1", "v2", "v2beta1", "v2alpha1"])
def test_a_yaml_resource_builds_the_bytes_of_the_json_one(tmp_path: Path, version: str) -> None:
    spec = v2_spec() if version.startswith("v2") else SPEC
    json_project, yaml_project = both_builds(tmp_path, pulled(spec, version=version), "svc")
    same_build(json_project, yaml_project)
    entry = manifest_entries(yaml_project)["svc"]
    assert entry["source"] == "dashboards/svc.yaml"
    assert entry["schema"] == (version if version.startswith("v2") else "v1")
    assert entry["folder_uid"] == "team-a"


def test_a_classic_dashboard_in_yaml_builds_as_its_view_json(tmp_path: Path) -> None:
    json_project, yaml_project = both_builds(tmp_path, SPEC, "plain")  # no uid: from the path
    same_build(json_project, yaml_project)
    assert sorted(manifest_entries(yaml_project)) == ["plain"]


def test_yaml_as_go_writes_it_reads_as_the_json_it_came_from(
    project: Project, tmp_path: Path
) -> None:
    """sigs.k8s.io/yaml (gcx) quotes strings YAML 1.1 would read otherwise and writes small
    floats as 1e-05; a .yml file is a source too."""
    project.write(
        "dashboards/go.yml",
        """
        apiVersion: dashboard.grafana.app/v1
        kind: Dashboard
        metadata:
          name: go
        spec:
          description: "yes"
          panels:
          - fieldConfig:
              defaults:
                max: 1e-05
                min: 1.5e+09
                unit: "1:30"
            gridPos:
              h: 8
              w: 12
              x: 0
              "y": 0
            id: 1
            title: "on"
            type: stat
          schemaVersion: 41
          tags: []
          time:
            from: 2026-01-23T05:17:31Z
          title: Go
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    same = Project(tmp_path / "json")
    same.write("dashgen.toml", "")
    panel = {
        "fieldConfig": {"defaults": {"max": 1e-05, "min": 1.5e09, "unit": "1:30"}},
        "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
        "id": 1,
        "title": "on",
        "type": "stat",
    }
    spec = {
        "description": "yes",
        "panels": [panel],
        "schemaVersion": 41,
        "tags": [],
        "time": {"from": "2026-01-23T05:17:31Z"},
        "title": "Go",
    }
    same.write("dashboards/go.json", pulled(spec, name="go"))
    assert same.cli("build").exit_code == 0
    assert (project.root / "build/_default/go.json").read_bytes() == (
        same.root / "build/_default/go.json"
    ).read_bytes()


def test_several_documents_are_several_dashboards(project: Project) -> None:
    folder = {"apiVersion": "folder.grafana.app/v1", "kind": "Folder", "metadata": {"name": "f"}}
    documents = [
        pulled(SPEC, name="first"),
        folder,
        None,  # an empty document is nothing
        pulled({**SPEC, "title": "Second"}, name="second"),
        {**SPEC, "title": "No uid"},
    ]
    project.write("dashboards/many.yaml", yaml.safe_dump_all(documents, sort_keys=False))
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    entries = manifest_entries(project)
    assert sorted(entries) == ["first", "many-5", "second"]  # the 5th document's uid: path#5
    assert entries["second"]["title"] == "Second"
    assert entries["many-5"]["title"] == "No uid"
    assert {e["source"] for e in entries.values()} == {"dashboards/many.yaml"}


def test_a_uid_twice_is_an_error_within_a_file_and_across_formats(project: Project) -> None:
    project.write(
        "dashboards/twice.yaml",
        yaml.safe_dump_all([pulled(SPEC, name="x"), pulled(SPEC, name="x")]),
    )
    project.write("dashboards/a.yaml", as_yaml(pulled(SPEC, name="svc")))
    project.write("dashboards/b.json", {**SPEC, "uid": "svc"})
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/twice.yaml (twice)" in result.output
    assert "dashboards/a.yaml and dashboards/b.json" in result.output or (
        "dashboards/b.json and dashboards/a.yaml" in result.output
    )
    assert not (project.root / "build" / "_default").exists()


def test_a_provisioning_file_is_skipped_with_a_warning_and_other_yaml_is_an_error(
    project: Project,
) -> None:
    project.write("dashboards/provider.yaml", "apiVersion: 1\nproviders:\n  - name: default\n")
    project.write("dashboards/svc.yaml", as_yaml(pulled(SPEC)))
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert (
        "dashboards/provider.yaml:1: warning: a Grafana provisioning file (providers:), not a "
        "dashboard: skipped" in result.output
    )
    again = project.cli("build")  # a no-op rebuild says it again
    assert "0 rebuilt" in again.output and "provider.yaml:1: warning" in again.output

    project.write("dashboards/compose.yml", "services:\n  grafana:\n    image: grafana\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/compose.yml" in result.output and "error" in result.output
    assert_no_traceback(result.output)


def test_a_no_op_build_does_not_import_pyyaml(project: Project) -> None:
    project.write("dashboards/svc.yaml", as_yaml(pulled(SPEC)))
    program = textwrap.dedent(
        f"""
        import sys
        from dashgen.cli import main
        try:
            main(["-C", {str(project.root)!r}, "build"])
        except SystemExit as exit:
            assert exit.code == 0, exit.code
        print("yaml" in sys.modules, "dashgen.sources.yaml_reader" in sys.modules)
        """
    )

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    assert run() == "True True"  # the first build compiles it
    assert run() == "False False"  # nothing changed: nothing YAML is loaded
    project.write("dashboards/svc.yaml", as_yaml(pulled({**SPEC, "title": "Edited"})))
    assert run() == "True True"
    assert manifest_entries(project)["svc"]["title"] == "Edited"


@pytest.mark.corpus
def test_corpus_dashboards_in_yaml_build_their_json_bytes(corpus_dir: Path, tmp_path: Path) -> None:
    """Every corpus file that builds, as it is and (View JSON) wrapped as a v1 resource the
    way gcx pulls it: the YAML of the same document builds the same bytes as its JSON."""
    with (corpus_dir / "MANIFEST.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    builds = [r for r in rows if "__inputs=0" in r["form"] or "resource" in r["form"]]
    builds += [r for r in rows if r["form"] in ("view", "export(__requires only)")]
    assert any("resource" in r["form"] for r in builds), "the corpus has resource files"
    json_project, yaml_project = Project(tmp_path / "json"), Project(tmp_path / "yaml")
    for project in (json_project, yaml_project):
        project.write("dashgen.toml", "")
    for row in builds:
        document = json.loads((corpus_dir / "dashboards" / row["file"]).read_text())
        stem = row["file"].removesuffix(".json")
        documents = {stem: document}
        if row["form"] == "view":
            name = re.sub(r"[^a-z0-9]+", "-", f"res-{stem}".lower())[:40].strip("-")
            documents[f"{stem}-resource"] = pulled({**document, "uid": name}, name=name)
        for name, value in documents.items():
            json_project.write(f"dashboards/{name}.json", json.dumps(value, indent=2))
            yaml_project.write(f"dashboards/{name}.yaml", as_yaml(value))
    for project in (json_project, yaml_project):
        result = project.cli("build")
        assert result.exit_code == 0, result.output
    same_build(json_project, yaml_project)
    assert len(manifest_entries(yaml_project)) > len(builds)

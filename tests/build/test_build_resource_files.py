"""Resource files (the k8s envelopes gcx pulls and Git Sync reads) as sources, through a
real `dashgen build`: a v1 resource builds the same bytes as the View JSON of its spec."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from build_support import Project, assert_no_traceback, line_of

SPEC: dict[str, Any] = {
    "title": "Service",
    "schemaVersion": 41,
    "tags": ["team-a"],
    "panels": [
        {
            "id": 1,
            "type": "timeseries",
            "title": "Requests",
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
        },
        {"type": "stat", "title": "Errors"},
    ],
}


def pulled(spec: dict[str, Any], *, name: str = "svc", version: str = "v1") -> dict[str, Any]:
    """A dashboard as `gcx resources pull` or a GET on /apis gives it, server fields and all
    (grafana-apis.md §3.1)."""
    return {
        "apiVersion": f"dashboard.grafana.app/{version}",
        "kind": "Dashboard",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": "7c3c1f0e-2d5e-4a8e-9a0a-6f1b2c3d4e5f",
            "resourceVersion": "1758777451428472",
            "generation": 3,
            "creationTimestamp": "2026-01-23T22:06:40Z",
            "labels": {"grafana.app/deprecatedInternalID": "11"},
            "annotations": {
                "grafana.app/folder": "team-a",
                "grafana.app/createdBy": "service-account:abc",
                "grafana.app/updatedBy": "user:def",
                "grafana.app/updatedTimestamp": "2026-01-23T05:17:31Z",
                "grafana.app/message": "edited",
            },
            "managedFields": [{"manager": "curl", "operation": "Update"}],
        },
        "spec": spec,
        "status": {"conversion": {"failed": False, "storedVersion": "v1"}},
    }


def manifest_entries(project: Project) -> dict[str, dict[str, Any]]:
    data = json.loads((project.root / "build" / "manifest.json").read_text())
    return {entry["uid"]: entry for entry in data["dashboards"]}


@pytest.mark.parametrize("version", ["v0alpha1", "v1beta1", "v1"])
def test_a_v1_resource_builds_the_bytes_of_its_view_json(
    project: Project, tmp_path: Path, version: str
) -> None:
    project.write("dashboards/svc.json", pulled(SPEC, version=version))
    result = project.cli("build")
    assert result.exit_code == 0, result.output

    view = Project(tmp_path / "view")
    view.write("dashboards/svc.json", {**SPEC, "uid": "svc"})
    assert view.cli("build").exit_code == 0
    built = (project.root / "build" / "_default" / "svc.json").read_bytes()
    assert built == (view.root / "build" / "_default" / "svc.json").read_bytes()
    entry = manifest_entries(project)["svc"]
    assert entry["schema"] == "v1"
    assert entry["folder_uid"] == "team-a"  # the folder annotation
    assert entry["title"] == "Service"


def test_a_spec_uid_that_agrees_is_accepted_and_one_that_disagrees_is_an_error(
    project: Project,
) -> None:
    project.write("dashboards/same.json", pulled({**SPEC, "uid": "same"}, name="same"))
    path = project.write("dashboards/other.json", pulled({**SPEC, "uid": "elsewhere"}, name="x"))
    result = project.cli("build")
    assert result.exit_code == 1
    line = line_of(path.read_text(), '"uid": "elsewhere"')
    assert f"dashboards/other.json:{line}: error: spec.uid 'elsewhere' disagrees" in result.output
    assert "metadata.name 'x'" in result.output
    assert_no_traceback(result.output)


def test_the_config_folder_wins_over_the_annotation(project: Project) -> None:
    project.write(
        "dashgen.toml",
        """
        [orgs.main]
        [orgs.main.folders]
        "platform" = { title = "Platform", uid = "platform" }
        """,
    )
    project.write("dashboards/platform/svc.json", pulled(SPEC, name="svc"))
    project.write("dashboards/loose.json", pulled(SPEC, name="loose"))
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    entries = manifest_entries(project)
    assert (entries["svc"]["folder"], entries["svc"]["folder_uid"]) == ("Platform", "platform")
    assert (entries["loose"]["folder"], entries["loose"]["folder_uid"]) == (None, "team-a")


def test_a_folder_resource_is_skipped_quietly(project: Project) -> None:
    project.write(
        "dashboards/folders.v1.folder.grafana.app/team-a.json",
        {
            "apiVersion": "folder.grafana.app/v1",
            "kind": "Folder",
            "metadata": {"name": "team-a"},
            "spec": {"title": "Team A"},
        },
    )
    project.write("dashboards/dashboards.v1.dashboard.grafana.app/svc.json", pulled(SPEC))
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert "0 warnings" in result.output
    assert sorted(manifest_entries(project)) == ["svc"]


def test_other_kinds_and_broken_envelopes_are_errors_naming_file_and_line(
    project: Project,
) -> None:
    playlist = project.write(
        "dashboards/playlist.json",
        {"apiVersion": "playlist.grafana.app/v0alpha1", "kind": "Playlist", "spec": {}},
    )
    no_spec = project.write(
        "dashboards/nospec.json",
        {"apiVersion": "dashboard.grafana.app/v1", "kind": "Dashboard", "spec": "x"},
    )
    bad_name = project.write(
        "dashboards/badname.json",
        {**pulled(SPEC), "metadata": {"name": 42}},
    )
    v2_as_v1 = project.write(
        "dashboards/mixed.json",
        pulled({"title": "T", "elements": {}, "layout": {"kind": "GridLayout"}}),
    )
    result = project.cli("build")
    assert result.exit_code == 1
    output = result.output
    kind_line = line_of(playlist.read_text(), '"kind"')
    assert f"dashboards/playlist.json:{kind_line}: error: this is a 'Playlist' resource" in output
    spec_line = line_of(no_spec.read_text(), '"spec"')
    assert f"dashboards/nospec.json:{spec_line}: error: spec must be an object" in output
    name_line = line_of(bad_name.read_text(), '"name": 42')
    assert f"dashboards/badname.json:{name_line}: error: metadata.name must be" in output
    api_line = line_of(v2_as_v1.read_text(), '"apiVersion"')
    assert f"dashboards/mixed.json:{api_line}: error: apiVersion dashboard.grafana.app/v1" in output
    assert "does not convert between v1 and v2" in output
    assert_no_traceback(output)


def test_a_python_source_may_assign_a_resource_dict(project: Project) -> None:
    project.write(
        "dashboards/res.py",
        f"""
        dashboard = {pulled(SPEC, name="from-py")!r}
        """,
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert project.output("_default", "from-py")["title"] == "Service"
    assert manifest_entries(project)["from-py"]["folder_uid"] == "team-a"


def test_a_resource_of_the_same_uid_as_a_view_json_is_a_duplicate(project: Project) -> None:
    project.write("dashboards/a.json", pulled(SPEC, name="svc"))
    project.write("dashboards/b.json", {**SPEC, "uid": "svc"})
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/a.json" in result.output and "dashboards/b.json" in result.output


@pytest.mark.corpus
def test_corpus_resource_files_build(corpus_dir: Path, project: Project) -> None:
    with (corpus_dir / "MANIFEST.tsv").open() as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if "resource" in r["form"]]
    assert rows, "the corpus has resource files"
    for row in rows:
        target = project.root / "dashboards" / row["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus_dir / "dashboards" / row["file"], target)
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    entries = manifest_entries(project)
    for row in rows:
        doc = json.loads((corpus_dir / "dashboards" / row["file"]).read_text())
        uid = doc["metadata"]["name"]
        version = doc["apiVersion"].rpartition("/")[2]
        assert entries[uid]["schema"] == (version if version.startswith("v2") else "v1")
        built = project.output("_default", uid)
        assert built == doc["spec"] if version.startswith("v2") else built["uid"] == uid

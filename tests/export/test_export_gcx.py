"""`dashgen export --format gcx`: the layout gcx pulls and pushes (grafana-apis.md §8.1)."""

from __future__ import annotations

import json

from export_support import Project, assert_no_traceback

from dashgen.model.normalize import dumps
from dashgen.publish.provenance import version_message

CONFIG = """\
project = "platform-dashboards"
[orgs.prod]
folder = "Platform"
folder_uid = "platform"
[orgs.prod.folders]
"team-a" = { title = "Team A", uid = "team-a" }
"general" = ""
"""

DASHBOARDS_V1 = "dashboards.v1.dashboard.grafana.app"
FOLDERS_V1 = "folders.v1.folder.grafana.app"


def _project(project: Project) -> Project:
    project.write("dashgen.toml", CONFIG)
    project.dashboard("api.json", "api", panels=2)
    project.dashboard("team-a/queue.json", "queue")
    project.dashboard("general/home.json", "home", title="Home")
    return project


def test_one_file_per_resource_under_plural_version_group(project: Project) -> None:
    result = _project(project).cli("export", "--format", "gcx")
    assert result.exit_code == 0, result.output
    assert sorted(project.files("resources")) == [
        f"{DASHBOARDS_V1}/api.json",
        f"{DASHBOARDS_V1}/home.json",
        f"{DASHBOARDS_V1}/queue.json",
        f"{FOLDERS_V1}/platform.json",
        f"{FOLDERS_V1}/team-a.json",
    ]
    assert "exported 3 dashboards and 2 folders of prod (gcx) to resources/" in result.output
    assert f"written  resources/{DASHBOARDS_V1}/api.json" in result.output


def test_dashboard_envelope_wraps_the_build_output(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    built = project.build_output("prod", "api")
    envelope = project.read(f"resources/{DASHBOARDS_V1}/api.json")
    manifest = {d["uid"]: d for d in project.read("build/manifest.json")["dashboards"]}
    assert envelope == {
        "apiVersion": "dashboard.grafana.app/v1",
        "kind": "Dashboard",
        "metadata": {
            "name": "api",
            "annotations": {
                "grafana.app/folder": "platform",
                "grafana.app/message": version_message(
                    manifest["api"]["content_hash"], project="platform-dashboards"
                ),
            },
        },
        "spec": built,
    }
    # the build's own text: sorted keys, indent 2, trailing newline
    text = (project.root / "resources" / DASHBOARDS_V1 / "api.json").read_text()
    assert text == dumps(envelope)
    assert text.endswith("}\n") and "namespace" not in text


def test_no_server_owned_fields_or_namespace(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    for name, data in project.files("resources").items():
        document = json.loads(data)
        assert set(document) == {"apiVersion", "kind", "metadata", "spec"}, name
        assert set(document["metadata"]) <= {"name", "annotations"}, name
        for key in document["metadata"].get("annotations", {}):
            assert key in {"grafana.app/folder", "grafana.app/message"}, (name, key)


def test_general_dashboard_has_no_folder_annotation(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    home = project.read(f"resources/{DASHBOARDS_V1}/home.json")
    assert "grafana.app/folder" not in home["metadata"]["annotations"]
    queue = project.read(f"resources/{DASHBOARDS_V1}/queue.json")
    assert queue["metadata"]["annotations"]["grafana.app/folder"] == "team-a"


def test_folders_are_resource_files(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    assert project.read(f"resources/{FOLDERS_V1}/team-a.json") == {
        "apiVersion": "folder.grafana.app/v1",
        "kind": "Folder",
        "metadata": {"name": "team-a"},
        "spec": {"title": "Team A"},
    }


def test_a_folder_known_only_by_uid_gets_no_file(project: Project) -> None:
    project.write("dashgen.toml", '[orgs.prod]\nfolder_uid = "existing"\n')
    project.dashboard("api.json", "api")
    result = project.cli("export", "--format", "gcx")
    assert result.exit_code == 0, result.output
    assert list(project.files("resources")) == [f"{DASHBOARDS_V1}/api.json"]
    api = project.read(f"resources/{DASHBOARDS_V1}/api.json")
    assert api["metadata"]["annotations"]["grafana.app/folder"] == "existing"


def test_message_without_project_names_only_the_hash(project: Project) -> None:
    project.dashboard("api.json", "api")
    assert project.cli("export", "--format", "gcx").exit_code == 0
    api = project.read(f"resources/{DASHBOARDS_V1}/api.json")
    content_hash = project.read("build/manifest.json")["dashboards"][0]["content_hash"]
    assert api["metadata"]["annotations"] == {"grafana.app/message": version_message(content_hash)}


def test_api_version_v1beta1_for_grafana_12(project: Project) -> None:
    _project(project)
    result = project.cli("export", "--format", "gcx", "--api-version", "v1beta1")
    assert result.exit_code == 0, result.output
    names = sorted(project.files("resources"))
    assert "dashboards.v1beta1.dashboard.grafana.app/api.json" in names
    api = project.read("resources/dashboards.v1beta1.dashboard.grafana.app/api.json")
    assert api["apiVersion"] == "dashboard.grafana.app/v1beta1"
    # folders have one version
    assert f"{FOLDERS_V1}/platform.json" in names


def test_to_names_the_folder_gcx_path_points_at(project: Project) -> None:
    _project(project)
    result = project.cli("export", "--format", "gcx", "--to", "deploy/gcx")
    assert result.exit_code == 0, result.output
    assert f"{DASHBOARDS_V1}/api.json" in project.files("deploy/gcx")
    assert not (project.root / "resources").exists()
    assert_no_traceback(result)

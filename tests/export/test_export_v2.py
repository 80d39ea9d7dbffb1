"""Schema v2 dashboards in an export: always their own apiVersion; --api-version v2 only
when every dashboard is v2 (dashgen does not convert)."""

from __future__ import annotations

import json

from export_support import Project, v2_resource


def _mixed(project: Project) -> Project:
    project.write("dashgen.toml", '[orgs.prod]\nfolder = "Platform"\nfolder_uid = "platform"\n')
    project.dashboard("classic.json", "classic")
    project.write("dashboards/new.json", v2_resource("new", "New layout"))
    project.write("dashboards/beta.json", v2_resource("beta", "Beta", version="v2beta1"))
    return project


def test_gcx_writes_each_v2_dashboard_under_its_own_version(project: Project) -> None:
    result = _mixed(project).cli("export", "--format", "gcx")
    assert result.exit_code == 0, result.output
    assert sorted(project.files("resources")) == [
        "dashboards.v1.dashboard.grafana.app/classic.json",
        "dashboards.v2.dashboard.grafana.app/new.json",
        "dashboards.v2beta1.dashboard.grafana.app/beta.json",
        "folders.v1.folder.grafana.app/platform.json",
    ]
    new = project.read("resources/dashboards.v2.dashboard.grafana.app/new.json")
    assert new["apiVersion"] == "dashboard.grafana.app/v2"
    assert new["metadata"]["name"] == "new"
    assert new["spec"] == project.build_output("prod", "new")
    assert "elements" in new["spec"] and "uid" not in new["spec"]
    beta = project.read("resources/dashboards.v2beta1.dashboard.grafana.app/beta.json")
    assert beta["apiVersion"] == "dashboard.grafana.app/v2beta1"


def test_v1beta1_changes_only_the_classic_dashboards(project: Project) -> None:
    result = _mixed(project).cli("export", "--format", "git-sync", "--api-version", "v1beta1")
    assert result.exit_code == 0, result.output
    versions = {
        name: json.loads(data)["apiVersion"] for name, data in project.files("git-sync").items()
    }
    assert versions == {
        "platform/_folder.json": "folder.grafana.app/v1",
        "platform/classic.json": "dashboard.grafana.app/v1beta1",
        "platform/new.json": "dashboard.grafana.app/v2",
        "platform/beta.json": "dashboard.grafana.app/v2beta1",
    }


def test_api_version_v2_with_a_classic_dashboard_is_refused(project: Project) -> None:
    result = _mixed(project).cli("export", "--format", "gcx", "--api-version", "v2")
    assert result.exit_code == 2
    assert "1 dashboard(s) use the classic (v1) model: classic (dashboards/classic.json)" in (
        result.output
    )
    assert not (project.root / "resources").exists()


def test_api_version_v2_when_every_dashboard_is_v2(project: Project) -> None:
    project.write("dashboards/new.json", v2_resource("new", "New layout"))
    result = project.cli("export", "--format", "gcx", "--api-version", "v2")
    assert result.exit_code == 0, result.output
    assert list(project.files("resources")) == ["dashboards.v2.dashboard.grafana.app/new.json"]


def test_a_folder_named_only_by_an_annotation(project: Project) -> None:
    project.write("dashboards/new.json", v2_resource("new", "New", folder_uid="team-v2"))
    assert project.cli("export", "--format", "git-sync").exit_code == 0
    # Git Sync names a folder without a title after its directory
    assert project.read("git-sync/team-v2/_folder.json") == {
        "apiVersion": "folder.grafana.app/v1",
        "kind": "Folder",
        "metadata": {"name": "team-v2"},
        "spec": {},
    }
    assert project.cli("export", "--format", "gcx").exit_code == 0
    assert list(project.files("resources")) == ["dashboards.v2.dashboard.grafana.app/new.json"]
    new = project.read("resources/dashboards.v2.dashboard.grafana.app/new.json")
    assert new["metadata"]["annotations"]["grafana.app/folder"] == "team-v2"

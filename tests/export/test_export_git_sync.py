"""`dashgen export --format git-sync`: the repository tree Git Sync reads (grafana-apis.md §8.2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_support import Project, view_dashboard

from dashgen.build import read_manifest
from dashgen.errors import ExportError
from dashgen.export import ExportOptions
from dashgen.export.layout_git_sync import GIT_SYNC_MAX_DEPTH
from dashgen.export.plan import plan_export

CONFIG = """\
[orgs.prod]
[orgs.prod.folders]
"team-a" = { title = "Team A", uid = "team-a" }
"team-b" = "Team B"
"""


def _project(project: Project) -> Project:
    project.write("dashgen.toml", CONFIG)
    project.dashboard("home.json", "home")
    project.dashboard("team-a/api.json", "api")
    project.dashboard("team-a/queue.json", "queue")
    project.dashboard("team-b/db.json", "db")
    return project


def test_a_directory_per_folder_and_general_at_the_root(project: Project) -> None:
    result = _project(project).cli("export", "--format", "git-sync")
    assert result.exit_code == 0, result.output
    assert sorted(project.files("git-sync")) == [
        "home.json",
        "team-a/_folder.json",
        "team-a/api.json",
        "team-a/queue.json",
        "team-b/_folder.json",
        "team-b/db.json",
    ]


def test_folder_file_fixes_uid_and_title(project: Project) -> None:
    _project(project).cli("export", "--format", "git-sync")
    assert project.read("git-sync/team-a/_folder.json") == {
        "apiVersion": "folder.grafana.app/v1",
        "kind": "Folder",
        "metadata": {"name": "team-a"},
        "spec": {"title": "Team A"},
    }
    # a title-only folder: the uid derived from the title, as publish derives it
    assert project.read("git-sync/team-b/_folder.json")["metadata"] == {"name": "team-b"}


def test_dashboard_envelopes_have_no_folder_annotation_nor_message(project: Project) -> None:
    _project(project).cli("export", "--format", "git-sync")
    api = project.read("git-sync/team-a/api.json")
    assert api == {
        "apiVersion": "dashboard.grafana.app/v1",
        "kind": "Dashboard",
        "metadata": {"name": "api"},
        "spec": project.build_output("prod", "api"),
    }
    for name, data in project.files("git-sync").items():
        assert "annotations" not in json.loads(data)["metadata"], name


def test_file_names_come_from_uids_not_titles(project: Project) -> None:
    project.write("dashboards/odd name.json", view_dashboard("svc-1", title="Service / One"))
    result = project.cli("export", "--format", "git-sync")
    assert result.exit_code == 0, result.output
    assert list(project.files("git-sync")) == ["svc-1.json"]
    assert project.read("git-sync/svc-1.json")["spec"]["title"] == "Service / One"


def test_folder_uid_that_would_leave_its_directory_is_an_error(project: Project) -> None:
    project.write("dashgen.toml", '[orgs.prod]\nfolder = "Up"\nfolder_uid = "../up"\n')
    project.dashboard("api.json", "api")
    result = project.cli("export", "--format", "git-sync")
    # refused with the config already (not a folder uid Grafana takes), before any export
    assert result.exit_code == 2
    assert "orgs.prod.folder_uid '../up' is not a folder uid" in result.output
    assert not (project.root / "git-sync").exists()
    assert not (project.root / "up").exists()


# -- nesting: dashgen's own folders are one level deep; nested ones come from a caller ----


def _nested_plan(project: Project, depth: int):
    """An export of one dashboard in a folder ``depth`` levels deep."""
    project.write("dashgen.toml", '[orgs.prod]\nfolder = "Leaf"\nfolder_uid = "f1"\n')
    project.dashboard("api.json", "api")
    assert project.cli("build").exit_code == 0
    parents = {f"f{i}": f"f{i + 1}" for i in range(1, depth)}
    options = ExportOptions("git-sync", project.root / "out", parents={"prod": parents})
    return plan_export(read_manifest(project.root / "build"), ["prod"], options)


def test_nested_folders_up_to_the_git_sync_limit(project: Project) -> None:
    plan = _nested_plan(project, GIT_SYNC_MAX_DEPTH)
    assert "f4/f3/f2/f1/api.json" in plan.files
    assert "f4/_folder.json" in plan.files and "f4/f3/f2/f1/_folder.json" in plan.files
    leaf = json.loads(plan.files["f4/f3/f2/f1/_folder.json"])
    assert leaf == {
        "apiVersion": "folder.grafana.app/v1",
        "kind": "Folder",
        "metadata": {"name": "f1"},  # the directory is the parent: no annotation
        "spec": {"title": "Leaf"},
    }


def test_deeper_than_git_sync_supports_is_an_error(project: Project) -> None:
    with pytest.raises(ExportError, match=r"nested 5 deep \(f5 / f4 / f3 / f2 / f1\)"):
        _nested_plan(project, GIT_SYNC_MAX_DEPTH + 1)


def test_gcx_writes_the_parent_as_the_folder_annotation(project: Project) -> None:
    _nested_plan(project, 2)
    options = ExportOptions("gcx", Path("/unused"), parents={"prod": {"f1": "f2"}})
    plan = plan_export(read_manifest(project.root / "build"), ["prod"], options)
    leaf = json.loads(plan.files["folders.v1.folder.grafana.app/f1.json"])
    assert leaf["metadata"] == {"name": "f1", "annotations": {"grafana.app/folder": "f2"}}
    # the parent is known by uid only: gcx would rename it, so no file
    assert "folders.v1.folder.grafana.app/f2.json" not in plan.files

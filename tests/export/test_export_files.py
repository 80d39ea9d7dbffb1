"""The folder an export owns: deterministic bytes, stale removal of its own files only."""

from __future__ import annotations

import json
import shutil

import pytest
from export_support import Project, assert_no_traceback

from dashgen.export import MARKER

CONFIG = """\
[orgs.prod]
[orgs.prod.folders]
"team-a" = { title = "Team A", uid = "team-a" }
"""
FORMATS = {"gcx": "resources", "git-sync": "git-sync"}


def _project(project: Project) -> Project:
    project.write("dashgen.toml", CONFIG)
    project.dashboard("home.json", "home", panels=3)
    project.dashboard("team-a/api.json", "api")
    project.dashboard("team-a/queue.json", "queue")
    return project


@pytest.mark.parametrize("export_format", FORMATS)
def test_repeat_export_is_byte_identical_and_writes_nothing(
    project: Project, export_format: str
) -> None:
    folder = FORMATS[export_format]
    _project(project).cli("export", "--format", export_format)
    first = project.files(folder, hidden=True)
    mtimes = {p: p.stat().st_mtime_ns for p in (project.root / folder).rglob("*")}
    again = project.cli("export", "--format", export_format)
    assert again.exit_code == 0, again.output
    assert "0 written" in again.output and "written  " not in again.output
    assert project.files(folder, hidden=True) == first
    assert {p: p.stat().st_mtime_ns for p in (project.root / folder).rglob("*")} == mtimes


@pytest.mark.parametrize("export_format", FORMATS)
def test_export_of_a_clean_build_elsewhere_is_byte_identical(
    project: Project, tmp_path, export_format: str
) -> None:
    folder = FORMATS[export_format]
    _project(project).cli("export", "--format", export_format)
    copy = Project(tmp_path / "copy")
    shutil.copytree(project.root / "dashboards", copy.root / "dashboards")
    shutil.copy(project.root / "dashgen.toml", copy.root / "dashgen.toml")
    assert copy.cli("export", "--format", export_format).exit_code == 0
    assert copy.files(folder, hidden=True) == project.files(folder, hidden=True)


def test_marker_lists_what_the_export_wrote(project: Project) -> None:
    _project(project).cli("export", "--format", "git-sync")
    marker = project.read(f"git-sync/{MARKER}")
    assert marker["files"] == sorted(project.files("git-sync"))
    assert marker["format"] == 1


def test_builds_first_when_stale(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    project.dashboard("team-a/api.json", "api", title="API v2")
    result = project.cli("export", "--format", "gcx")
    assert result.exit_code == 0, result.output
    assert "1 written" in result.output
    path = "resources/dashboards.v1.dashboard.grafana.app/api.json"
    assert project.read(path)["spec"]["title"] == "API v2"
    assert project.build_output("prod", "api")["title"] == "API v2"


@pytest.mark.parametrize("export_format", FORMATS)
def test_removed_source_removes_its_file_and_emptied_folder(
    project: Project, export_format: str
) -> None:
    folder = FORMATS[export_format]
    _project(project).cli("export", "--format", export_format)
    (project.root / "dashboards/team-a/api.json").unlink()
    (project.root / "dashboards/team-a/queue.json").unlink()
    result = project.cli("export", "--format", export_format)
    assert result.exit_code == 0, result.output
    assert "3 removed" in result.output
    left = sorted(project.files(folder))
    if export_format == "gcx":
        assert left == ["dashboards.v1.dashboard.grafana.app/home.json"]
        assert not (project.root / folder / "folders.v1.folder.grafana.app").exists()
    else:
        assert left == ["home.json"]
        assert not (project.root / folder / "team-a").exists()
    assert project.read(f"{folder}/{MARKER}")["files"] == left


def test_files_the_export_did_not_write_are_never_removed(project: Project) -> None:
    _project(project).cli("export", "--format", "git-sync")
    readme = project.write("git-sync/team-a/README.md", "# Team A\n")
    mine = project.write("git-sync/notes.json", {"kept": True})
    (project.root / "dashboards/team-a/api.json").unlink()
    (project.root / "dashboards/team-a/queue.json").unlink()
    result = project.cli("export", "--format", "git-sync")
    assert result.exit_code == 0, result.output
    assert readme.read_text() == "# Team A\n" and json.loads(mine.read_text()) == {"kept": True}
    # the folder file went (dashgen wrote it); the folder stays for the README
    assert sorted(project.files("git-sync")) == ["home.json", "notes.json", "team-a/README.md"]


def test_non_empty_folder_without_marker_is_refused(project: Project) -> None:
    _project(project)
    theirs = project.write("resources/dashboards.v1.dashboard.grafana.app/other.json", {"x": 1})
    result = project.cli("export", "--format", "gcx")
    assert result.exit_code == 2
    assert "--to resources is not empty and was not written by dashgen export" in result.output
    assert json.loads(theirs.read_text()) == {"x": 1}
    assert sorted(project.files("resources", hidden=True)) == [
        "dashboards.v1.dashboard.grafana.app/other.json"
    ]
    assert_no_traceback(result)


def test_empty_existing_folder_is_taken(project: Project) -> None:
    _project(project)
    (project.root / "resources").mkdir()
    assert project.cli("export", "--format", "gcx").exit_code == 0
    assert (project.root / "resources" / MARKER).is_file()


def test_a_folder_with_only_dot_entries_is_taken_and_they_stay(project: Project) -> None:
    _project(project)
    project.write("git-sync/.gitkeep", "")
    project.write("git-sync/.git/HEAD", "ref: refs/heads/main\n")
    result = project.cli("export", "--format", "git-sync")
    assert result.exit_code == 0, result.output
    (project.root / "dashboards/home.json").unlink()
    assert project.cli("export", "--format", "git-sync").exit_code == 0
    assert (project.root / "git-sync/.gitkeep").is_file()
    assert (project.root / "git-sync/.git/HEAD").read_text() == "ref: refs/heads/main\n"
    assert "home.json" not in project.files("git-sync")


def test_a_foreign_file_in_the_way_is_refused_and_nothing_is_written(project: Project) -> None:
    _project(project).cli("export", "--format", "git-sync")
    before = project.files("git-sync", hidden=True)
    project.dashboard("team-a/new.json", "new")
    theirs = project.write("git-sync/team-a/new.json", {"hand": "written"})
    result = project.cli("export", "--format", "git-sync")
    assert result.exit_code == 2
    assert "team-a/new.json exist(s) but dashgen export did not write them" in result.output
    assert json.loads(theirs.read_text()) == {"hand": "written"}
    after = project.files("git-sync", hidden=True)
    assert after == {**before, "team-a/new.json": theirs.read_bytes()}


def test_a_damaged_marker_is_refused(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    (project.root / "resources" / MARKER).write_text("{not json")
    result = project.cli("export", "--format", "gcx")
    assert result.exit_code == 2
    assert f"resources/{MARKER}: not a marker dashgen export can read" in result.output
    assert_no_traceback(result)


def test_a_marker_naming_a_path_outside_the_folder_removes_nothing(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    outside = project.write("precious.json", {"keep": "me"})
    marker = project.root / "resources" / MARKER
    listed = json.loads(marker.read_text())
    listed["files"].append("../precious.json")
    marker.write_text(json.dumps(listed))
    result = project.cli("export", "--format", "gcx")
    assert result.exit_code == 2
    assert "'../precious.json' is not a path inside the folder" in result.output
    assert json.loads(outside.read_text()) == {"keep": "me"}


def test_write_failure_is_one_sentence(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    project.dashboard("team-a/new.json", "new")
    # a directory where the new file must go: the write fails, nothing is half-done
    (project.root / "resources/dashboards.v1.dashboard.grafana.app/new.json").mkdir()
    marker = project.root / "resources" / MARKER
    listed = json.loads(marker.read_text())
    listed["files"].append("dashboards.v1.dashboard.grafana.app/new.json")
    marker.write_text(json.dumps(listed))
    result = project.cli("export", "--format", "gcx")
    assert result.exit_code == 1
    assert "new.json: cannot write the export" in result.output
    assert_no_traceback(result)

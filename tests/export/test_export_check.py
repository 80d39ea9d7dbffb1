"""`dashgen export --check`: exit 0 when the folder is what export would write, else 1
listing each file; it never writes into the folder."""

from __future__ import annotations

import pytest
from export_support import Project, assert_no_traceback

from dashgen.export import MARKER

FORMATS = {"gcx": "resources", "git-sync": "git-sync"}
API = "dashboards.v1.dashboard.grafana.app"


def _project(project: Project) -> Project:
    project.write("dashgen.toml", '[orgs.prod]\n[orgs.prod.folders]\n"team-a" = "Team A"\n')
    project.dashboard("home.json", "home")
    project.dashboard("team-a/api.json", "api")
    return project


@pytest.mark.parametrize("export_format", FORMATS)
def test_up_to_date_exits_0(project: Project, export_format: str) -> None:
    _project(project).cli("export", "--format", export_format)
    result = project.cli("export", "--format", export_format, "--check")
    assert result.exit_code == 0, result.output
    assert f"{FORMATS[export_format]}/ is up to date (3 files)" in result.output


def test_never_exported_lists_every_file_missing(project: Project) -> None:
    result = _project(project).cli("export", "--format", "gcx", "--check")
    assert result.exit_code == 1
    assert f"missing  resources/{API}/home.json" in result.stdout
    assert "resources/: 3 files not as dashgen export --format gcx would write them" in (
        result.stderr
    )
    assert not (project.root / "resources").exists()


def test_changed_added_and_removed_sources(project: Project) -> None:
    _project(project).cli("export", "--format", "git-sync")
    before = project.files("git-sync", hidden=True)
    project.dashboard("team-a/api.json", "api", title="Renamed")
    project.dashboard("new.json", "new")
    (project.root / "dashboards/home.json").unlink()
    result = project.cli("export", "--format", "git-sync", "--check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "stale    git-sync/home.json",
        "missing  git-sync/new.json",
        "differs  git-sync/team-a/api.json",
    ]
    assert project.files("git-sync", hidden=True) == before
    assert_no_traceback(result)
    # once exported, the check passes
    assert project.cli("export", "--format", "git-sync").exit_code == 0
    assert project.cli("export", "--format", "git-sync", "--check").exit_code == 0


def test_a_hand_edit_is_found(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    path = project.root / "resources" / API / "home.json"
    path.write_text(path.read_text().replace('"Home"', '"Edited"'))
    result = project.cli("export", "--format", "gcx", "--check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"differs  resources/{API}/home.json"]


def test_a_deleted_file_is_found(project: Project) -> None:
    _project(project).cli("export", "--format", "gcx")
    (project.root / "resources" / API / "api.json").unlink()
    result = project.cli("export", "--format", "gcx", "--check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"missing  resources/{API}/api.json"]


def test_foreign_files_are_not_stale(project: Project) -> None:
    _project(project).cli("export", "--format", "git-sync")
    project.write("git-sync/README.md", "# dashboards\n")
    assert project.cli("export", "--format", "git-sync", "--check").exit_code == 0


def test_a_folder_it_does_not_own_is_a_usage_error(project: Project) -> None:
    _project(project)
    project.write("resources/something.json", {"x": 1})
    result = project.cli("export", "--format", "gcx", "--check")
    assert result.exit_code == 2
    assert "was not written by dashgen export" in result.output
    assert not (project.root / "resources" / MARKER).exists()

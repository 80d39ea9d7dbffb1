"""A gcx tree (§8.1) names the folder of every dashboard but General's with the
grafana.app/folder annotation: a file in gcx's dashboards directory without it is in
General, so importing it beside dashboards of a folder is said (a note), never silently
moved into that folder."""

from __future__ import annotations

import pytest
from adopt_support import Project
from test_import_resources import folder_resource, manifest_folders, v1_resource

ORG = "ops"
DASHBOARDS = "resources/dashboards.v1.dashboard.grafana.app"


@pytest.fixture
def backend_mode() -> tuple[str, str]:
    """Import reads files only: one backend mode is enough."""
    return ("classic", "12.0")


@pytest.fixture
def ops(project: Project) -> Project:
    project.config(f"[orgs.{ORG}]\n")
    return project


def test_a_general_dashboard_beside_a_folder_s_is_said_to_be_misplaced(ops: Project) -> None:
    files = [
        ops.write(f"{DASHBOARDS}/svc.json", v1_resource("svc", folder="team-a")),
        ops.write(f"{DASHBOARDS}/home.json", v1_resource("home", folder=None)),
        ops.write(
            "resources/folders.v1.folder.grafana.app/team-a.json",
            folder_resource("team-a", "Team A"),
        ),
    ]
    run = ops.dashgen("import", *map(str, files), "--to", f"dashboards/{ORG}", "--write-config")
    assert run.code == 0, run.output
    lines = run.stdout.splitlines()
    [at] = [index for index, line in enumerate(lines) if "uid home" in line]
    assert (
        "note: it is in General in Grafana but the config publishes it to 'Team A'"
        in (lines[at + 1])
    ), run.stdout
    assert manifest_folders(ops) == {"svc": "team-a", "home": "team-a"}


def test_a_general_dashboard_into_a_directory_mapped_to_a_folder_is_said(ops: Project) -> None:
    ops.config(
        f'[orgs.{ORG}]\n[orgs.{ORG}.folders]\n"team-a" = {{ title = "Team A", uid = "team-a" }}\n'
    )
    home = ops.write(f"{DASHBOARDS}/home.json", v1_resource("home", folder=None))
    run = ops.dashgen("import", str(home), "--to", "dashboards/team-a", "--write-config")
    assert run.code == 0, run.output
    assert "it is in General in Grafana but the config publishes it to 'Team A'" in run.stdout


def test_a_general_dashboard_alone_maps_nothing(ops: Project) -> None:
    home = ops.write(f"{DASHBOARDS}/home.json", v1_resource("home", folder=None))
    run = ops.dashgen("import", str(home), "--to", f"dashboards/{ORG}", "--write-config")
    assert run.code == 0, run.output
    assert "note:" not in run.stdout
    assert manifest_folders(ops) == {"home": None}


def test_a_view_json_file_has_no_folder_to_compare(ops: Project) -> None:
    """Outside gcx's directory (a View JSON, a Git Sync root file), the folder is not known."""
    ops.config(
        f'[orgs.{ORG}]\n[orgs.{ORG}.folders]\n"team-a" = {{ title = "Team A", uid = "team-a" }}\n'
    )
    home = ops.write("in/home.json", v1_resource("home", folder=None))
    run = ops.dashgen("import", str(home), "--to", "dashboards/team-a")
    assert run.code == 0, run.output
    assert "note:" not in run.stdout

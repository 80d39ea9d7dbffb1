"""Importing files: what each kind says about its folder, and how it is read.

- Files a Windows editor saved (a UTF-8 byte order mark first) import as the build reads a
  source and as Git Sync reads its files (§8.2: "A BOM is stripped"): View JSON, exports,
  resource files and the folder files beside them; a file that is not UTF-8 is one sentence
  naming the file and line.
- A gcx tree (§8.1) names the folder of every dashboard but General's with the
  grafana.app/folder annotation: a file in gcx's dashboards directory without it is in
  General, so importing it beside dashboards of a folder is said (a note), never silently
  moved into that folder.
- A saved `GET /api/dashboards/uid/:uid` answer (grafana-api.md: meta.folderUid,
  folderTitle; "" is General) keeps its folder on import, as pull keeps it: mapped in
  [orgs.<org>.folders], or a note when its directory is published elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from adopt_support import Project, dashboard
from test_import_resources import folder_resource, manifest_folders, v1_resource

ORG = "ops"
BOM = b"\xef\xbb\xbf"
DASHBOARDS = "resources/dashboards.v1.dashboard.grafana.app"


@pytest.fixture
def backend_mode() -> tuple[str, str]:
    """Import reads files only: one backend mode is enough."""
    return ("classic", "12.0")


@pytest.fixture
def ops(project: Project) -> Project:
    project.config(f"[orgs.{ORG}]\n")
    return project


def with_bom(project: Project, name: str, document: dict[str, Any]) -> Path:
    path = project.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(BOM + json.dumps(document, indent=2).encode())
    return path


def test_view_json_with_a_bom_imports_and_builds_back(ops: Project) -> None:
    source = with_bom(ops, "in/svc.json", dashboard("svc"))
    run = ops.dashgen("import", str(source))
    assert run.code == 0, run.output
    assert ops.sources() == ["svc.json"]
    assert set(ops.built()) == {"svc"}


def test_a_git_sync_folder_file_with_a_bom_gives_its_folder(ops: Project) -> None:
    folder = with_bom(ops, "repo/team-b/_folder.json", folder_resource("tb-uid", "Team B"))
    board = with_bom(ops, "repo/team-b/board.json", v1_resource("board", folder=None))
    run = ops.dashgen("import", str(board), str(folder), "--to", "dashboards/b", "--write-config")
    assert run.code == 0, run.output
    assert "skipped" in run.stdout
    assert 'b = {title = "Team B", uid = "tb-uid"}' in (ops.root / "dashgen.toml").read_text()
    assert manifest_folders(ops) == {"board": "tb-uid"}


def test_a_gcx_folder_file_with_a_bom_gives_its_title(ops: Project) -> None:
    with_bom(
        ops,
        "resources/folders.v1.folder.grafana.app/team-a.json",
        folder_resource("team-a", "Team A"),
    )
    board = with_bom(ops, "resources/dashboards.v1.dashboard.grafana.app/svc.json", v1_resource())
    run = ops.dashgen("import", str(board), "--to", f"dashboards/{ORG}", "--write-config")
    assert run.code == 0, run.output
    assert (
        f'{ORG} = {{title = "Team A", uid = "team-a"}}' in (ops.root / "dashgen.toml").read_text()
    )


def test_a_file_that_is_not_utf8_names_file_and_line(ops: Project) -> None:
    path = ops.root / "in" / "latin1.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{\n  "uid": "l1",\n  "title": "Caf\xe9",\n  "panels": []\n}\n')
    run = ops.dashgen("import", str(path))
    assert run.code == 1
    assert f"{path}:3: is not UTF-8 text: save it as UTF-8" in run.stderr, run.output
    assert ops.sources() == []


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


def answer(uid: str, folder_uid: str, folder_title: str) -> dict[str, Any]:
    meta = {"type": "db", "slug": uid, "version": 3, "folderId": 7 if folder_uid else 0}
    meta |= {"folderUid": folder_uid, "folderTitle": folder_title, "canSave": True}
    return {"dashboard": dashboard(uid), "meta": meta}


def test_the_folder_of_the_answer_is_mapped(ops: Project) -> None:
    path = ops.write("in/svc.json", answer("svc", "plat", "Platform"))
    run = ops.dashgen("import", str(path), "--to", f"dashboards/{ORG}", "--write-config")
    assert run.code == 0, run.output
    assert (
        f'{ORG} = {{title = "Platform", uid = "plat"}}' in (ops.root / "dashgen.toml").read_text()
    )
    assert manifest_folders(ops) == {"svc": "plat"}


def test_a_general_answer_beside_a_folder_s_is_said(ops: Project) -> None:
    files = [
        ops.write("in/svc.json", answer("svc", "plat", "Platform")),
        ops.write("in/home.json", answer("home", "", "General")),
    ]
    run = ops.dashgen("import", *map(str, files), "--to", f"dashboards/{ORG}", "--write-config")
    assert run.code == 0, run.output
    assert "it is in General in Grafana but the config publishes it to 'Platform'" in run.stdout


def test_without_an_org_the_folder_is_said_not_lost(project: Project) -> None:
    path = project.write("in/svc.json", answer("svc", "plat", "Platform"))
    run = project.dashgen("import", str(path))
    assert run.code == 0, run.output
    assert "it is in folder 'Platform' (uid plat) in Grafana, which the config does not map" in (
        run.stdout
    )


def test_an_export_whose_inputs_are_not_input_objects_is_refused_by_name(ops: Project) -> None:
    doc = dashboard("exp") | {"__inputs": "DS_PROMETHEUS"}
    path = ops.write("in/exp.json", doc)
    run = ops.dashgen("import", str(path), "--to", f"dashboards/{ORG}")
    assert run.code == 1, run.output
    assert f"{path}: __inputs is not a list of input objects" in run.output
    assert "Traceback" not in run.output
    assert not (ops.root / "dashboards" / ORG).exists()


def test_a_dashboard_without_a_uid_is_said_to_get_one_from_its_path(project: Project) -> None:
    doc = dashboard("x")
    del doc["uid"]
    path = project.write("in/no-uid.json", doc)
    run = project.dashgen("import", str(path))
    assert run.code == 0, run.output
    assert "uid none (the build derives one from the file's path)" in run.stdout
    assert "uid  " not in run.stdout

"""Files a Windows editor saved (a UTF-8 byte order mark first) import as the build reads a
source and as Git Sync reads its files (§8.2: "A BOM is stripped"): View JSON, exports,
resource files and the folder files beside them; a file that is not UTF-8 is one sentence
naming the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from adopt_support import Project, dashboard
from test_import_resources import folder_resource, manifest_folders, v1_resource

ORG = "ops"
BOM = b"\xef\xbb\xbf"


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

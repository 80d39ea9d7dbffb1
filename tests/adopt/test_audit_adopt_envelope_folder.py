"""A saved `GET /api/dashboards/uid/:uid` answer (grafana-api.md: meta.folderUid,
folderTitle; "" is General) keeps its folder on import, as pull keeps it: mapped in
[orgs.<org>.folders], or a note when its directory is published elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from adopt_support import Project, dashboard
from test_import_resources import manifest_folders

ORG = "ops"


@pytest.fixture
def backend_mode() -> tuple[str, str]:
    """Import reads files only: one backend mode is enough."""
    return ("classic", "12.0")


@pytest.fixture
def ops(project: Project) -> Project:
    project.config(f"[orgs.{ORG}]\n")
    return project


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

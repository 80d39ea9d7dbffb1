"""`dashgen import` of gcx and Git Sync files in nested folders: the folder mapping the
import writes names the folder's parent (gcx's folder file annotation, Git Sync's
directory above), so that a re-export keeps the tree."""

from __future__ import annotations

import tomllib
from pathlib import Path

from adopt_support import Project, dashboard


def _folder(uid: str, title: str, parent: str | None = None) -> dict[str, object]:
    metadata: dict[str, object] = {"name": uid}
    if parent:
        metadata["annotations"] = {"grafana.app/folder": parent}
    return {
        "apiVersion": "folder.grafana.app/v1",
        "kind": "Folder",
        "metadata": metadata,
        "spec": {"title": title},
    }


def _resource(uid: str, folder: str | None = None) -> dict[str, object]:
    spec = dashboard(uid)
    spec.pop("id")
    spec.pop("version")
    metadata: dict[str, object] = {"name": uid}
    if folder:
        metadata["annotations"] = {"grafana.app/folder": folder}
    return {
        "apiVersion": "dashboard.grafana.app/v1",
        "kind": "Dashboard",
        "metadata": metadata,
        "spec": spec,
    }


def _folders(project: Project) -> dict[str, object]:
    return tomllib.loads((project.root / "dashgen.toml").read_text())["orgs"]["ops"]["folders"]


def test_import_of_gcx_files_keeps_the_parent(project: Project, tmp_path: Path) -> None:
    gcx = tmp_path / "resources"
    Project(gcx).write("folders.v1.folder.grafana.app/s1.json", _folder("s1", "SRE", "t1"))
    Project(gcx).write("folders.v1.folder.grafana.app/t1.json", _folder("t1", "Teams"))
    page = Project(gcx).write(
        "dashboards.v1.dashboard.grafana.app/pager.json", _resource("pager", "s1")
    )
    result = project.dashgen(
        "import", str(page), "--org", "ops", "--to", "dashboards/ops/sre", "--write-config"
    )
    assert result.code == 0, result.output
    assert _folders(project) == {"ops/sre": {"title": "SRE", "uid": "s1", "parent": "t1"}}
    export = project.dashgen("export", "--format", "gcx")
    assert export.code == 0, export.output
    leaf = (project.root / "resources/folders.v1.folder.grafana.app/s1.json").read_text()
    assert '"grafana.app/folder": "t1"' in leaf


def test_import_of_a_git_sync_tree_keeps_the_parent(project: Project, tmp_path: Path) -> None:
    tree = Project(tmp_path / "repo")
    tree.write("t1/_folder.json", _folder("t1", "Teams"))
    tree.write("t1/s1/_folder.json", _folder("s1", "SRE"))
    page = tree.write("t1/s1/pager.json", _resource("pager"))
    result = project.dashgen(
        "import", str(page), "--org", "ops", "--to", "dashboards/ops/sre", "--write-config"
    )
    assert result.code == 0, result.output
    assert _folders(project) == {"ops/sre": {"title": "SRE", "uid": "s1", "parent": "t1"}}

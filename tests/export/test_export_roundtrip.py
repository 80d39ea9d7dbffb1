"""The export read back as a source tree: build → export → a new project whose dashboards/
is the export → build gives byte-identical dashboards (both formats)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from export_support import Project, v2_resource, view_dashboard

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_EXTRA = """
[orgs.apiorg.folders]
"team-a" = { title = "Team A", uid = "team-a" }
"""
FORMATS = {"gcx": "resources", "git-sync": "git-sync"}


def _original(project: Project) -> Project:
    """The shipped examples (Python with project modules, Jinja, View JSON) plus a folder of
    their own, a General dashboard and schema v2 resources."""
    for name in ("dashboards", "templates"):
        shutil.copytree(REPO_ROOT / name, project.root / name)
    config = (REPO_ROOT / "dashgen.toml").read_text() + CONFIG_EXTRA
    project.write("dashgen.toml", config)
    project.write("dashboards/team-a/queue.json", view_dashboard("queue", panels=3))
    project.write("dashboards/team-a/v2.json", v2_resource("svc-v2", "Service v2"))
    project.write("dashboards/beta.json", v2_resource("beta", "Beta", version="v2beta1"))
    return project


def _manifest(project: Project) -> dict[str, dict]:
    data = json.loads((project.root / "build" / "manifest.json").read_text())
    return {entry["uid"]: entry for entry in data["dashboards"]}


@pytest.mark.parametrize("export_format", FORMATS)
def test_building_the_export_gives_the_same_dashboards(
    project: Project, tmp_path: Path, export_format: str
) -> None:
    original = _original(project)
    result = original.cli("export", "--format", export_format)
    assert result.exit_code == 0, result.output
    again = Project(tmp_path / "again")
    shutil.copytree(original.root / FORMATS[export_format], again.root / "dashboards")
    built = again.cli("build")
    assert built.exit_code == 0, built.output
    assert "0 warnings" in built.output

    before = {p.name: p.read_bytes() for p in (original.root / "build/apiorg").glob("*.json")}
    after = {p.name: p.read_bytes() for p in (again.root / "build/_default").glob("*.json")}
    assert len(before) == 6
    assert after == before

    old, new = _manifest(original), _manifest(again)
    for uid, entry in old.items():
        for key in ("title", "content_hash", "schema"):
            assert new[uid][key] == entry[key], (uid, key)
    if export_format == "gcx":  # the folder annotation carries the folder uid
        assert {u: e["folder_uid"] for u, e in new.items()} == {
            u: e["folder_uid"] or "platform" for u, e in old.items()
        }


@pytest.mark.parametrize("export_format", FORMATS)
def test_exporting_the_rebuilt_project_gives_the_same_dashboard_files(
    project: Project, tmp_path: Path, export_format: str
) -> None:
    """gcx: every dashboard file again (folder annotations included); the version message
    names the same content hash."""
    original = _original(project)
    assert original.cli("export", "--format", export_format).exit_code == 0
    again = Project(tmp_path / "again")
    shutil.copytree(original.root / FORMATS[export_format], again.root / "dashboards")
    assert again.cli("export", "--format", "gcx", "--to", "../out").exit_code == 0
    assert original.cli("export", "--format", "gcx", "--to", "../first").exit_code == 0
    first = Project(tmp_path / "first").files(".")
    second = Project(tmp_path / "out").files(".")
    dashboards = {k: v for k, v in first.items() if k.startswith("dashboards.")}
    if export_format == "gcx":
        assert {k: v for k, v in second.items() if k.startswith("dashboards.")} == dashboards
    else:  # Git Sync's folders are directories: the rebuilt project has them in no folder
        assert sorted(k for k in second if k.startswith("dashboards.")) == sorted(dashboards)

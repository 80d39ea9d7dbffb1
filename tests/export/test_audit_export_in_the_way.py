"""A file (or link) of someone else's where the export needs a directory (a Git Sync
folder's) is in the way like one where it needs a file: exit 2, nothing written, the
marker unchanged."""

from __future__ import annotations

import os

import pytest
from export_support import Project

CONFIG = """\
[orgs.prod]
[orgs.prod.folders]
"team-a" = { title = "Team A", uid = "team-a" }
"""


def _exported(project: Project) -> dict[str, bytes]:
    project.write("dashgen.toml", CONFIG)
    project.dashboard("home.json", "home")
    assert project.cli("export", "--format", "git-sync").exit_code == 0
    return project.files("git-sync", hidden=True)


@pytest.mark.parametrize("kind", ["file", "link"])
def test_a_file_where_a_folder_directory_goes_is_refused(project: Project, kind: str) -> None:
    before = _exported(project)
    target = project.root / "git-sync" / "team-a"
    if kind == "file":
        target.write_text("notes\n")
    else:
        (project.root / "elsewhere").mkdir()
        os.symlink(project.root / "elsewhere", target)
    project.dashboard("team-a/api.json", "api")
    project.dashboard("zed.json", "zed")
    result = project.cli("export", "--format", "git-sync")
    assert result.exit_code == 2, result.output
    assert "team-a exist(s) but dashgen export did not write them" in result.output
    assert "nothing was written" in result.output
    after = project.files("git-sync", hidden=True)
    after.pop("team-a", None)
    assert after == before
    if kind == "link":
        assert list((project.root / "elsewhere").iterdir()) == []  # nothing written through it

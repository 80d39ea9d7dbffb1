"""A refusal of the file system that no part of dashgen expected (a loop of links where an
output folder goes) is one sentence naming the path, exit 1: never an internal error."""

from __future__ import annotations

import os

from build_support import Project, assert_no_traceback


def test_an_output_folder_that_is_a_loop_of_links_is_named_with_the_systems_reason(
    project: Project, view_dashboard
) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    assert project.cli("build").exit_code == 0
    org_dirs = [p for p in (project.root / "build").iterdir() if p.is_dir() and p.name[0] != "."]
    assert len(org_dirs) == 1
    org_dir = org_dirs[0]
    for child in org_dir.iterdir():
        child.unlink()
    org_dir.rmdir()
    os.symlink(org_dir.name, org_dir)  # a link to itself
    result = project.cli("build")
    assert result.exit_code == 1, result.output
    assert f"{org_dir}: Too many levels of symbolic links" in result.output
    assert "internal error" not in result.output
    assert_no_traceback(result.output)

"""Git Sync reads every `_folder.json` as a folder's file (grafana-apis.md §8.2), the one at
the repository root too: a dashboard whose uid would give that file name is refused, in
General as in a folder, and nothing is written."""

from __future__ import annotations

import pytest
from export_support import Project

CONFIG = """\
[orgs.prod]
[orgs.prod.folders]
"team-a" = { title = "Team A", uid = "team-a" }
"""


@pytest.mark.parametrize("source", ["home.json", "team-a/home.json"])
def test_a_dashboard_uid_that_names_the_folder_file_is_refused(
    project: Project, source: str
) -> None:
    project.write("dashgen.toml", CONFIG)
    project.dashboard("team-a/api.json", "api")
    project.dashboard(source, "_folder")
    result = project.cli("export", "--format", "git-sync")
    assert result.exit_code == 1, result.output
    assert "dashboard uid '_folder'" in result.output
    assert "the name of the folder file Git Sync reads" in result.output
    assert not (project.root / "git-sync").exists()


def test_gcx_takes_that_uid(project: Project) -> None:
    """gcx has no folder files among the dashboards: the uid is fine there."""
    project.write("dashgen.toml", CONFIG)
    project.dashboard("home.json", "_folder")
    result = project.cli("export", "--format", "gcx")
    assert result.exit_code == 0, result.output
    assert "dashboards.v1.dashboard.grafana.app/_folder.json" in project.files("resources")

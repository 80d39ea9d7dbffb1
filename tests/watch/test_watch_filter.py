"""Which paths the watcher passes on: pure checks of WatchScope, no file system needed."""

from __future__ import annotations

from pathlib import Path

import pytest
from watchfiles import Change

from dashgen.watch.scope import WatchScope

# A project that itself lives under folders named like ignored ones must still be watched.
ROOT = Path("/home/me/.venv/build/project")
SCOPE = WatchScope(
    trees=(ROOT / "dashboards", ROOT / "templates"),
    files=(ROOT / "dashgen.toml",),
    excluded=(ROOT / "dashboards" / "build",),
)


@pytest.mark.parametrize(
    "relative",
    [
        "dashboards/node.json",
        "dashboards/team/sub/svc.json.j2",
        "dashboards/lib/helper.py",
        "dashboards/team",
        "templates",  # created after watch started: it must then be watched
        "templates/panels.j2",
        "dashgen.toml",
    ],
)
def test_sources_templates_and_the_config_file_pass(relative: str) -> None:
    assert SCOPE(Change.modified, str(ROOT / relative))


@pytest.mark.parametrize(
    "relative",
    [
        "dashboards/.node.json.swp",
        "dashboards/.node.json.swx",
        "dashboards/node.json~",
        "dashboards/.#node.json",
        "dashboards/#node.json#",
        "dashboards/4913",
        "dashboards/node.json.___jb_tmp___",
        "dashboards/__pycache__/helper.cpython-311.pyc",
        "dashboards/lib/helper.pyc",
        "dashboards/.git/index",
        "dashboards/.venv/lib/site.py",
        "dashboards/build/node.json",
        "README.md",
        "pyproject.toml",
        "build/_default/node.json",
    ],
)
def test_litter_output_and_other_files_are_dropped(relative: str) -> None:
    assert not SCOPE(Change.added, str(ROOT / relative))


def test_config_folders_are_watched_only_when_no_tree_covers_them() -> None:
    assert SCOPE.file_folders == (ROOT,)
    inside = WatchScope(trees=(ROOT,), files=(ROOT / "dashgen.toml",), excluded=())
    assert inside.file_folders == ()

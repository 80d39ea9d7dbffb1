"""Sources that cannot be read, and places discovery cannot look into, through the real CLI.

Every case: exit 1, one sentence naming the file or folder, no traceback, and build/ left
byte for byte as the last good build wrote it (nothing is removed because discovery
failed to look somewhere).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_support import Project, assert_no_traceback, run_cli


@pytest.fixture
def built(project: Project, view_dashboard) -> Project:
    """A project with a good build: a.json, team/t.json, team/p.py, team/j.json.j2."""
    project.write("dashboards/a.json", view_dashboard(uid="a", title="A"))
    project.write("dashboards/team/t.json", view_dashboard(uid="t", title="T"))
    project.write(
        "dashboards/team/p.py", 'dashboard = {"uid": "p", "title": "P", "schemaVersion": 39}\n'
    )
    project.write(
        "dashboards/team/j.json.j2", '{"uid": "j", "title": "{{ org }}", "schemaVersion": 39}\n'
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def restore_modes(project: Project) -> Iterator[list[Path]]:
    """Paths whose mode a test took away; given back afterwards so tmp_path can be removed."""
    changed: list[Path] = []
    yield changed
    for path in changed:
        path.chmod(0o755)


def _deny(path: Path, changed: list[Path]) -> None:
    path.chmod(0)
    changed.append(path)


def test_unreadable_folder_is_an_error_and_removes_nothing(
    built: Project, restore_modes: list[Path]
) -> None:
    before = built.outputs(hidden=True)
    _deny(built.root / "dashboards/team", restore_modes)
    result = run_cli(built, "build", unprivileged=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "dashboards/team: error: cannot list this folder (Permission denied)" in result.stdout
    assert "make it readable" in result.stdout
    assert "build failed: 1 error" in result.stdout
    assert_no_traceback(result.stdout, result.stderr)
    assert built.outputs(hidden=True) == before  # t, p and j are still there
    # Readable again: the same build succeeds and keeps every dashboard.
    (built.root / "dashboards/team").chmod(0o755)
    again = run_cli(built, "build", unprivileged=True)
    assert again.returncode == 0, again.stdout
    assert built.outputs() == {k: v for k, v in before.items() if not k.startswith(".")}


def test_unreadable_sources_folder_itself(built: Project, restore_modes: list[Path]) -> None:
    before = built.outputs(hidden=True)
    _deny(built.root / "dashboards", restore_modes)
    result = run_cli(built, "build", unprivileged=True)
    assert result.returncode == 1
    assert "dashboards: error: cannot list this folder (Permission denied)" in result.stdout
    assert built.outputs(hidden=True) == before


@pytest.mark.parametrize("name", ["a.json", "team/p.py", "team/j.json.j2"])
def test_unreadable_source_file_of_each_kind(
    built: Project, restore_modes: list[Path], name: str
) -> None:
    before = built.outputs(hidden=True)
    _deny(built.root / "dashboards" / name, restore_modes)
    result = run_cli(built, "build", unprivileged=True)
    assert result.returncode == 1, result.stdout
    # Never skipped silently (an unreadable .py is not taken for a helper module).
    assert (
        f"dashboards/{name}: error: cannot read this file (permission denied): make it readable"
        in result.stdout
    )
    assert_no_traceback(result.stdout, result.stderr)
    assert built.outputs(hidden=True) == before


def test_missing_sources_folder_after_a_build_removes_nothing(built: Project) -> None:
    before = built.outputs(hidden=True)
    (built.root / "dashboards").rename(built.root / "elsewhere")
    result = built.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards: error: the sources folder dashboards/ does not exist, but build/ holds "
        "4 dashboard(s) built from it and nothing was removed" in result.output
    )
    assert built.outputs(hidden=True) == before


def test_sources_folder_that_is_a_file(project: Project) -> None:
    project.write("dashboards", "not a folder\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "the sources folder dashboards/ is not a folder" in result.output


def test_symlink_loop_between_source_files(built: Project) -> None:
    before = built.outputs(hidden=True)
    (built.root / "dashboards/x.json").symlink_to("y.json")
    (built.root / "dashboards/y.json").symlink_to("x.json")
    result = built.cli("build")
    assert result.exit_code == 1
    for name in ("x.json", "y.json"):
        assert f"dashboards/{name}: error: is a symlink loop" in result.output
    assert_no_traceback(result.output)
    assert built.outputs(hidden=True) == before


def test_symlink_loop_of_python_source_does_not_crash(built: Project) -> None:
    (built.root / "dashboards/loop.py").symlink_to("loop.py")
    result = built.cli("build")
    assert result.exit_code == 1
    assert "dashboards/loop.py: error: is a symlink loop" in result.output
    assert_no_traceback(result.output)


def test_broken_symlink_source(built: Project) -> None:
    before = built.outputs(hidden=True)
    (built.root / "dashboards/gone.json").symlink_to("missing.json")
    result = built.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards/gone.json: error: is a broken symlink (to missing.json, which does not exist)"
        in result.output
    )
    assert built.outputs(hidden=True) == before


def test_folder_symlink_loop_is_reported_and_linked_folders_are_followed(
    project: Project, view_dashboard
) -> None:
    project.write("shared/s.json", view_dashboard(uid="shared", title="Shared"))
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    (project.root / "dashboards/common").symlink_to(project.root / "shared")
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert project.output("_default", "shared")["title"] == "Shared"  # a linked folder counts
    before = project.outputs(hidden=True)
    (project.root / "dashboards/sub").mkdir()
    (project.root / "dashboards/sub/up").symlink_to("..")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/sub/up: error: symlink loop: this folder link leads back to" in (
        result.output
    )
    assert_no_traceback(result.output)
    assert project.outputs(hidden=True) == before


@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_source_name_that_is_no_regular_file(built: Project, kind: str) -> None:
    """A named pipe would make a naive build hang on open(); a socket cannot be opened."""
    path = built.root / "dashboards/special.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    before = built.outputs(hidden=True)
    result = run_cli(built, "build")
    assert result.returncode == 1
    assert "dashboards/special.json: error: is not a regular file" in result.stdout
    assert built.outputs(hidden=True) == before


def test_source_that_is_not_utf8_names_the_line(built: Project) -> None:
    (built.root / "dashboards/latin1.json").write_bytes(b'{\n  "title": "Caf\xe9"\n}\n')
    result = built.cli("build")
    assert result.exit_code == 1
    assert "dashboards/latin1.json:2: error: is not UTF-8 text (byte 0xe9" in result.output


def test_discovery_problems_with_json_output(built: Project) -> None:
    (built.root / "dashboards/gone.json").symlink_to("missing.json")
    result = built.cli("build", "--output", "json")
    assert result.exit_code == 1
    events = [json.loads(line) for line in result.stdout.splitlines()]
    problems = [e for e in events if e["event"] == "problem"]
    assert [(p["path"], p["severity"]) for p in problems] == [("dashboards/gone.json", "error")]
    summary = events[-1]
    assert summary["ok"] is False and summary["rebuilt"] == 0 and summary["removed"] == []


def test_unreadable_template_names_it_and_the_line_that_loads_it(
    project: Project, restore_modes: list[Path]
) -> None:
    project.write("templates/part.j2", '{"type": "stat"}\n')
    project.write(
        "dashboards/inc.json.j2", '{\n  "title": "I",\n  "panels": [{% include "part.j2" %}]\n}\n'
    )
    assert project.cli("build").exit_code == 0
    before = project.outputs(hidden=True)
    _deny(project.root / "templates/part.j2", restore_modes)
    project.write(
        "dashboards/inc.json.j2", '{\n  "title": "I2",\n  "panels": [{% include "part.j2" %}]\n}\n'
    )
    result = run_cli(project, "build", unprivileged=True)
    assert result.returncode == 1
    assert (
        "dashboards/inc.json.j2:3: error: cannot read template templates/part.j2 "
        "(Permission denied)" in result.stdout
    )
    assert_no_traceback(result.stdout, result.stderr)
    assert project.outputs(hidden=True) == before


def test_byte_order_mark_is_not_content(project: Project) -> None:
    (project.root / "dashboards").mkdir(parents=True)
    (project.root / "dashboards/bom.json").write_bytes(
        b'\xef\xbb\xbf{"uid": "bom", "title": "BOM", "panels": []}\n'
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert project.output("_default", "bom")["title"] == "BOM"

"""After every build, build/manifest.json lists exactly the output files in build/: a build
never removes an output and keeps its entry (nor keeps an entry without its file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_support import Project
from interrupt_support import kill_group, run_build, start_build, wait_until_paused

from dashgen.build import read_manifest

CONFIG = """
[vars]
x = "{x}"
[orgs.a]
sources = ["a_*"]
[orgs.b]
sources = ["b_*"]
"""


def view(uid: str) -> dict[str, object]:
    return {"uid": uid, "title": uid, "schemaVersion": 41, "panels": []}


def assert_manifest_agrees(project: Project) -> None:
    build = project.root / "build"
    manifest = json.loads((build / "manifest.json").read_text())
    listed = sorted(entry["path"] for entry in manifest["dashboards"])
    on_disk = sorted(p.relative_to(build).as_posix() for p in build.glob("*/*.json"))
    assert listed == on_disk


def built_then_one_org_rebuilt(project: Project, *, with_b_one: bool = True) -> Path:
    """Both orgs built, then (after a config edit: the cache starts over with org a's
    records) org a alone; returns b-two's source, which the tests then remove."""
    project.write("dashgen.toml", CONFIG.format(x=1))
    project.write("dashboards/a_one.json", view("a-one"))
    if with_b_one:
        project.write("dashboards/b_one.json", view("b-one"))
    gone = project.write("dashboards/b_two.json", view("b-two"))
    assert project.cli("build").exit_code == 0
    project.write("dashgen.toml", CONFIG.format(x=2))
    assert project.cli("build", "--org", "a").exit_code == 0
    return gone


def test_a_full_build_after_a_partial_one_keeps_manifest_and_outputs_in_step(
    project: Project,
) -> None:
    project.write("dashgen.toml", CONFIG.format(x=1))
    project.write("dashboards/a_one.json", view("a-one"))
    project.write("dashboards/b_one.json", view("b-one"))
    gone = project.write("dashboards/b_two.json", view("b-two"))
    assert project.cli("build").exit_code == 0
    assert_manifest_agrees(project)

    # A config edit, then a build of one org: the cache starts over with org a's records.
    project.write("dashgen.toml", CONFIG.format(x=2))
    assert project.cli("build", "--org", "a").exit_code == 0
    assert_manifest_agrees(project)

    gone.unlink()
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert not (project.root / "build" / "b" / "b-two.json").exists()
    assert_manifest_agrees(project)
    assert "b-two" not in project.cli("build", "--output", "json").output


def test_an_output_removed_by_hand_leaves_no_entry_after_a_full_build(project: Project) -> None:
    gone = built_then_one_org_rebuilt(project, with_b_one=False)
    gone.unlink()
    (project.root / "build" / "b" / "b-two.json").unlink()
    assert project.cli("build").exit_code == 0
    assert_manifest_agrees(project)


@pytest.mark.parametrize("step", ["stage", "journal", "swap", "finish"])
def test_a_build_killed_in_its_commit_leaves_them_in_step(project: Project, step: str) -> None:
    """Killed anywhere in the commit of the build that removes b-two, the output folder read
    through dashgen (the commit completed, or not begun) lists exactly its files."""
    gone = built_then_one_org_rebuilt(project)
    gone.unlink()
    project.write("dashboards/a_one.json", {**view("a-one"), "title": "edited"})

    process = start_build(project.root, fault=f"{step}=pause")
    assert wait_until_paused(process).endswith(f"{step}:0")
    kill_group(process)
    read_manifest(project.root / "build")  # completes a commit past its point, as readers do
    assert_manifest_agrees(project)
    result = run_build(project.root)
    assert result.returncode == 0, result.stderr
    assert_manifest_agrees(project)
    assert not (project.root / "build" / "b" / "b-two.json").exists()

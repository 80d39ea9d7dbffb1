"""Issue 10 (output folder and disk): `build/` that is a file, a read-only `build/`, a full
disk while staging or while swapping: one sentence each (exit 1, no traceback) and `build/`
left exactly as it was; temporary files of a crashed build are cleaned by the next good one.

Real failures where the machine allows them (a chmod'ed folder for a normal user; a small
or read-only tmpfs when mounting is possible, e.g. as root), and always through the commit's
fault seam (``DASHGEN_TEST_FAULT``), which fails a chosen step with the errno a full disk
or a read-only file system gives, so CI covers every case on any machine.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_support import Project
from click.testing import Result

SOURCE = {"uid": "svc", "title": "Service", "schemaVersion": 39, "panels": []}


def _panel(index: int, description: str = "") -> dict:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": f"Panel {index}",
        "description": description,
        "gridPos": {"x": 0, "y": index * 8, "w": 12, "h": 8},
    }


def _dashboard(uid: str, panels: int = 2, description: str = "") -> dict:
    return {
        "uid": uid,
        "title": f"Dashboard {uid}",
        "schemaVersion": 39,
        "panels": [_panel(i, description) for i in range(panels)],
    }


@pytest.fixture
def built(project: Project) -> Project:
    """A project whose first build went well; then its sources change."""
    for uid in ("a", "b", "c"):
        project.write(f"dashboards/{uid}.json", _dashboard(uid))
    assert project.cli("build").exit_code == 0
    project.write("dashboards/a.json", _dashboard("a", panels=3))
    project.write("dashboards/d.json", _dashboard("d"))
    (project.root / "dashboards" / "c.json").unlink()
    return project


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` (cache included) with its bytes and mtime."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_one_sentence(result: Result, *fragments: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.output
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def with_fault(project: Project, monkeypatch: pytest.MonkeyPatch, fault: str) -> Result:
    monkeypatch.setenv("DASHGEN_TEST_FAULT", fault)
    try:
        return project.cli("build")
    finally:
        monkeypatch.delenv("DASHGEN_TEST_FAULT")


# -- build/ is a file -----------------------------------------------------------------------


def test_build_that_is_a_file_is_one_sentence_and_stays_a_file(project: Project) -> None:
    project.write("dashboards/a.json", _dashboard("a"))
    (project.root / "build").write_text("my notes\n")

    line = assert_one_sentence(project.cli("build"), "build is a file, not a folder")

    assert "[paths] output" in line
    assert (project.root / "build").read_text() == "my notes\n"


def test_output_folder_below_a_file(project: Project) -> None:
    project.write("dashgen.toml", '[paths]\noutput = "out/build"\n')
    project.write("dashboards/a.json", _dashboard("a"))
    (project.root / "out").write_text("x\n")

    assert_one_sentence(project.cli("build"), "out is a file")
    assert (project.root / "out").read_text() == "x\n"


# -- full disk and refused writes, through the seam ------------------------------------------


@pytest.mark.parametrize(
    ("fault", "fragments"),
    [
        ("stage:0=enospc", ("No space left on device while writing _default/", "free some")),
        ("stage:2=enospc", ("No space left on device while writing",)),
        ("journal:0=enospc", ("No space left on device while writing build/",)),
        ("swap:0=enospc", ("No space left on device while replacing",)),
        ("swap:3=enospc", ("No space left on device while replacing",)),
        ("stage:0=erofs", ("Read-only file system", "writable folder")),
        ("swap:1=eacces", ("Permission denied while replacing", "write permission")),
    ],
)
def test_a_refused_commit_leaves_build_exactly_as_it_was(
    built: Project, monkeypatch: pytest.MonkeyPatch, fault: str, fragments: tuple[str, ...]
) -> None:
    build = built.root / "build"
    before = snapshot(build)

    result = with_fault(built, monkeypatch, fault)

    line = assert_one_sentence(result, *fragments, "build/ was left as it was")
    assert line.startswith("build: error: ")
    assert snapshot(build) == before  # bytes and mtimes: nothing was touched, cache included
    ok = built.cli("build")  # the next build, with the disk fine again, goes through
    assert ok.exit_code == 0, ok.output
    assert sorted(p.name for p in (build / "_default").iterdir()) == ["a.json", "b.json", "d.json"]


def test_a_first_build_that_fails_leaves_no_build_folder(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write("dashboards/a.json", _dashboard("a"))
    assert_one_sentence(with_fault(project, monkeypatch, "stage:0=enospc"), "No space left")
    assert not (project.root / "build").exists()


# -- leftovers of a crash --------------------------------------------------------------------


def test_stale_tmp_and_staging_files_are_cleaned_by_the_next_good_build(built: Project) -> None:
    build = built.root / "build"
    hexid = "0123456789abcdef" * 2
    ours = [
        build / f".manifest.json.{hexid}.tmp",  # what an older dashgen's atomic write left
        build / f".dashgen-cache.json.{hexid}.tmp",
        build / "_default" / f".a.json.{hexid}.tmp",
        build / ".cache" / "jinja" / f".x.{hexid}.tmp",
        build / f".staging-{hexid}" / "0.json",
    ]
    theirs = [
        build / "notes.tmp",
        build / ".manifest.json.tmp",
        build / ".staging-keep" / "x",
        build / "_default" / "README.md",
    ]
    for path in ours + theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("leftover\n")

    assert built.cli("build").exit_code == 0

    assert [p for p in ours if p.exists()] == []
    assert not (build / f".staging-{hexid}").exists()
    assert [p for p in theirs if not p.exists()] == []


def test_a_deleted_output_is_written_again(project: Project) -> None:
    for uid in ("a", "b"):
        project.write(f"dashboards/{uid}.json", _dashboard(uid))
    assert project.cli("build").exit_code == 0
    built = project.outputs()
    (project.root / "build" / "_default" / "a.json").unlink()

    assert project.cli("build").exit_code == 0

    assert project.outputs() == built  # the cache knew its bytes: they were still written


def test_a_failed_build_does_not_clean_up(built: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cleaning is a good build's job: a build with errors, or whose commit the disk
    refuses, changes nothing at all."""
    build = built.root / "build"
    stale = build / f".manifest.json.{'ab' * 16}.tmp"
    stale.write_text("leftover\n")
    before = snapshot(build)
    assert with_fault(built, monkeypatch, "stage:1=enospc").exit_code == 1
    assert snapshot(build) == before
    built.write("dashboards/broken.json", "{ not json")

    assert built.cli("build").exit_code == 1

    assert snapshot(build) == before


# -- the real thing, where the machine allows it ---------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, options: str) -> Iterator[bool]:
    """Mount a tmpfs at ``path`` if this machine lets us (root with CAP_SYS_ADMIN)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
        if os.geteuid() == 0
        else False
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def test_really_read_only_build_folder(built: Project) -> None:
    build = built.root / "build"
    before = snapshot(build)
    if os.geteuid() != 0:
        build.chmod(0o555)
        try:
            assert_one_sentence(built.cli("build"), "Permission denied", "build/ was left")
        finally:
            build.chmod(0o755)
        assert snapshot(build) == before
        return
    with tmpfs(build, "size=4m") as mounted:
        if not mounted:
            pytest.skip("root without the right to mount: covered by the fault-seam tests")
        (build / "_default").mkdir()
        (build / "_default" / "old.json").write_text("{}\n")
        subprocess.run(["mount", "-o", "remount,ro", str(build)], check=True)
        line = assert_one_sentence(built.cli("build"), "Read-only file system")
        assert "build/ was left as it was" in line
        assert [p.name for p in (build / "_default").iterdir()] == ["old.json"]


def test_really_full_disk_while_staging(project: Project) -> None:
    build = project.root / "build"
    with tmpfs(build, "size=256k") as mounted:
        if not mounted:
            pytest.skip("cannot mount a small tmpfs here: covered by the fault-seam tests")
        project.write("dashboards/a.json", _dashboard("a"))
        assert project.cli("build").exit_code == 0
        before = snapshot(build)
        # Outputs far larger than what is left on the 256 KiB file system.
        project.write("dashboards/a.json", _dashboard("a", panels=60, description="x" * 4000))

        line = assert_one_sentence(project.cli("build"), "No space left on device")

        assert "build/ was left as it was" in line
        assert snapshot(build) == before
        assert not [p for p in build.iterdir() if p.name.startswith(".staging-")]

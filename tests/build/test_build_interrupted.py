"""Issue 11, interrupted builds: a real `dashgen build` of 1,000 generated sources, killed
(SIGKILL, Ctrl-C, SIGTERM) at many instants, inside its commit too, leaves the old build or
the new one, and the next build is byte-identical to a clean build of the current sources."""

from __future__ import annotations

import json
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from interrupt_support import (
    copy_sources,
    kill_group,
    leftovers,
    link_copy,
    replace_text,
    run_build,
    start_build,
    synth,
    visible,
    wait_until_paused,
)

from dashgen.build import read_manifest

COUNT = 1000
# Mostly View JSON (the fastest kind to compile), a few Jinja (whose compiled templates are
# part of the commit too): the commit, not the compiler, is under test.
KINDS = ("json",) * 19 + ("jinja",)
CHANGED = 150  # View JSON sources whose title changes in the new version
GONE = 20  # sources deleted in the new version
ADDED = 20  # sources added in the new version


@dataclass
class Versions:
    root: Path  # the project that is built and killed
    old_sources: Path  # a copy of the old version's sources
    new_sources: Path
    old_build: Path  # the old version's build folder, as a build left it (cache included)
    old: dict[str, bytes]  # clean build of the old sources
    new: dict[str, bytes]  # clean build of the new sources
    writes: int  # files the new build's commit writes or deletes

    sources_are_new: bool = True

    def reset(self) -> None:
        """New sources, old build: the state just before the build under test."""
        if not self.sources_are_new:
            copy_sources(self.new_sources, self.root)
            self.sources_are_new = True
        link_copy(self.old_build, self.root / "build")

    def revert_sources(self) -> None:
        copy_sources(self.old_sources, self.root)
        self.sources_are_new = False


def _new_version(root: Path) -> None:
    json_dir = root / "dashboards" / "json"
    sources = sorted(json_dir.glob("svc_*.json"), reverse=True)
    for path in sources[:CHANGED]:
        document = json.loads(path.read_text())
        document["title"] += " (v2)"
        replace_text(path, json.dumps(document, indent=2) + "\n")
    for path in sources[CHANGED : CHANGED + GONE]:
        path.unlink()
    template = json.loads(sources[-1].read_text())
    for index in range(ADDED):
        template.update(uid=f"synth-added-{index:04d}", title=f"Added {index}")
        (json_dir / f"added_{index:04d}.json").write_text(json.dumps(template, indent=2))


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Versions:
    base = tmp_path_factory.mktemp("interrupted")
    root = base / "project"
    synth().make_project(root, COUNT, kinds=KINDS)
    old_sources, new_sources, clean = base / "old-src", base / "new-src", base / "clean"
    for target in (old_sources, new_sources, clean):
        target.mkdir()
    copy_sources(root, old_sources)
    assert run_build(root).returncode == 0
    old_build = base / "old-build"
    link_copy(root / "build", old_build)
    _new_version(root)
    copy_sources(root, new_sources)
    copy_sources(new_sources, clean)
    assert run_build(clean).returncode == 0  # a clean build of the new sources
    old, new = visible(old_build), visible(clean / "build")
    assert len(old) == COUNT + 1 and len(new) == COUNT + ADDED - GONE + 1
    changes = sum(1 for k in new if old.get(k) != new[k]) + sum(1 for k in old if k not in new)
    return Versions(root, old_sources, new_sources, old_build, old, new, changes)


def _next_build_is_clean(versions: Versions) -> None:
    build = versions.root / "build"
    completed = run_build(versions.root)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    assert visible(build) == versions.new
    assert leftovers(build) == []
    assert _no_temporary_files(build)


def _no_temporary_files(build: Path) -> bool:
    return not [p for p in build.rglob("*.tmp")]


def _as_dashgen_reads_it(build: Path) -> dict[str, bytes]:
    read_manifest(build)  # completes a commit a killed build left half-way
    return visible(build)


# -- killed at timed instants (anywhere: start-up, discovery, compiling in the pool) -------


@pytest.mark.parametrize("after_s", [0.4, 1.0])
def test_sigkill_at_a_timed_instant_leaves_old_or_new(versions: Versions, after_s: float) -> None:
    versions.reset()
    process = start_build(versions.root)
    time.sleep(after_s)  # wherever it is by then; nothing waits on this
    kill_group(process)
    assert _as_dashgen_reads_it(versions.root / "build") in (versions.old, versions.new)
    _next_build_is_clean(versions)


# -- killed inside the commit, at each of its steps ------------------------------------------


def _points(versions: Versions) -> list[str]:
    last = versions.writes  # the manifest and the cache come after the outputs
    return [
        "stage:100",
        "journal:0",
        f"swap:{last // 2}",
        f"swap:{last}",
        "finish:0",  # every file swapped, the journal still there
    ]


BEFORE_COMMIT_POINT = ("stage:", "journal:")


def test_sigkill_inside_the_commit_at_every_step(versions: Versions) -> None:
    build = versions.root / "build"
    for point in _points(versions):
        versions.reset()
        process = start_build(versions.root, fault=f"{point}=pause")
        assert wait_until_paused(process).endswith(point)
        kill_group(process)
        if point.startswith(BEFORE_COMMIT_POINT):
            # Nothing of the new build is visible before the commit point, not even raw.
            assert visible(build) == versions.old, point
        assert _as_dashgen_reads_it(build) in (versions.old, versions.new), point
        _next_build_is_clean(versions)


def test_killed_mid_swap_then_sources_reverted_rebuilds_them(versions: Versions) -> None:
    """The issue's report: after the kill, the sources go back to the old version; the next
    build must not say "0 rebuilt" over a half-new build/."""
    build = versions.root / "build"
    versions.reset()
    process = start_build(versions.root, fault=f"swap:{versions.writes // 2}=pause")
    wait_until_paused(process)
    kill_group(process)
    versions.revert_sources()
    completed = run_build(versions.root)
    assert completed.returncode == 0, completed.stdout
    assert visible(build) == versions.old
    assert " 0 rebuilt" not in completed.stdout


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("point", ["stage:50", "swap:60"])
def test_ctrl_c_or_sigterm_inside_the_commit(versions: Versions, sig: int, point: str) -> None:
    """Before the commit point the build is abandoned (old build); once the swap has begun,
    it finishes first (new build). Either way no traceback and nothing half-done."""
    build = versions.root / "build"
    versions.reset()
    process = start_build(versions.root, fault=f"{point}=pause")
    wait_until_paused(process)
    code = kill_group(process, sig)
    assert code != 0
    expected = versions.old if point.startswith("stage") else versions.new
    assert visible(build) == expected  # raw, without any recovery
    assert leftovers(build) == []
    _next_build_is_clean(versions)


def test_leftover_staging_of_a_killed_build_is_removed_but_nothing_else(
    versions: Versions,
) -> None:
    build = versions.root / "build"
    versions.reset()
    process = start_build(versions.root, fault="stage:10=pause")
    wait_until_paused(process)
    kill_group(process)
    assert [name for name in leftovers(build) if name.startswith(".staging-")]
    theirs = [build / ".staging-notes", build / "apiorg" / "keep.tmp", build / "README.staging"]
    for path in theirs:
        path.write_text("not dashgen's\n")

    completed = run_build(versions.root)

    assert completed.returncode == 0, completed.stdout
    assert leftovers(build) == [".staging-notes"]  # only the build's own kind is removed
    for path in theirs:
        assert path.read_text() == "not dashgen's\n"
        path.unlink()
    assert visible(build) == versions.new


def test_two_builds_at_once_commit_one_after_the_other(versions: Versions) -> None:
    """A second build while the first is inside its commit waits for it (one lock per
    output folder), then finds nothing to do."""
    build = versions.root / "build"
    versions.reset()
    first = start_build(versions.root, fault="swap:5=pause")
    wait_until_paused(first)
    second = start_build(versions.root)
    time.sleep(0.5)
    assert second.poll() is None  # waiting for the lock, not building over the first
    kill_group(first)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, out + err
    assert visible(build) == versions.new
    assert leftovers(build) == []

"""What a worker sends back, and when a one-shot build's workers end.

A worker that staged a job's outputs itself keeps their bytes (the build adopts the files
it wrote); a build that no other follows asks its workers to end before it commits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from build_support import Project

from dashgen.build import Builder, build
from dashgen.build.commit import Commit, CommitError
from dashgen.build.compiled import Target
from dashgen.build.early import EarlyStaging
from dashgen.build.run import Run
from dashgen.config import load_config


def test_a_worker_sends_no_bytes_of_the_outputs_it_staged(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: dict[str, bytes | None] = {}
    original = EarlyStaging.write_compiled

    def write_compiled(self: EarlyStaging, targets: list[Target], per_org: Any) -> None:
        for compiled in per_org:
            for dashboard in compiled.dashboards:
                received[dashboard.uid] = dashboard.content
        original(self, targets, per_org)

    monkeypatch.setattr(EarlyStaging, "write_compiled", write_compiled)
    project.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Worker'}\n")
    project.write("dashboards/a.json", {"uid": "a", "title": "Here", "schemaVersion": 39})

    assert build(load_config(project.root)).ok

    assert received["good"] is None  # compiled and staged by a worker
    assert isinstance(received["a"], bytes)  # compiled in the build's own process
    assert project.output("_default", "good")["title"] == "Worker"
    assert project.output("_default", "a")["title"] == "Here"


def test_an_output_without_bytes_or_staged_file_fails_the_commit(tmp_path: Path) -> None:
    output = tmp_path / "build"
    commit = Commit(output)
    commit.write("org/lost.json", None)  # its staged file is not known to this commit

    with pytest.raises(CommitError):
        commit.apply()

    assert not (output / "org" / "lost.json").exists()  # never an empty output


def test_a_one_shot_build_ends_its_workers_before_it_commits(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_commit: list[tuple[int, int]] = []  # (workers kept, workers asked to end)
    original = Run._commit

    def commit(self: Run, *args: Any) -> Any:
        pool = self.builder.workers
        at_commit.append((len(pool.workers), len(pool._released)))
        return original(self, *args)

    monkeypatch.setattr(Run, "_commit", commit)
    project.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Once'}\n")

    assert build(load_config(project.root)).ok
    with Builder(load_config(project.root)) as builder:
        project.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Warm'}\n")
        assert builder.build().ok
        assert len(builder.workers.workers) == 1  # kept for the next build

    assert at_commit == [(0, 1), (1, 0)]
    assert builder.workers.workers == [] and builder.workers._released == []
    assert project.output("_default", "good")["title"] == "Warm"


def test_a_released_pool_starts_new_workers_for_the_next_compile(project: Project) -> None:
    project.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'First'}\n")
    with Builder(load_config(project.root)) as builder:
        assert builder.build(last=True).ok
        released = list(builder.workers._released)
        project.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Second'}\n")
        assert builder.build([project.root / "dashboards/good.py"]).ok
        assert [w.pid for w in builder.workers.workers] != [w.pid for w in released]
    assert all(worker.exit_code == 0 for worker in released)  # ended as asked, reaped
    assert project.output("_default", "good")["title"] == "Second"

"""The change stream: a real Rust watcher over a temporary project, no build involved."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dashgen.watch.changes import ChangeStream, Timing
from dashgen.watch.scope import WatchScope

TIMEOUT_S = 10.0


class Recorder:
    """Runs a ChangeStream in a thread and keeps every batch it yields."""

    def __init__(self, scope: WatchScope) -> None:
        self.stop = threading.Event()
        self.stream = ChangeStream(scope, self.stop, Timing(debounce_ms=50, step_ms=10))
        self.batches: list[set[Path]] = []
        self._changed = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for batch in self.stream.batches():
            with self._changed:
                self.batches.append(batch)
                self._changed.notify_all()

    @property
    def seen(self) -> set[Path]:
        with self._changed:
            return set().union(*self.batches)

    def wait_for(self, predicate: Callable[[set[Path]], bool]) -> set[Path]:
        deadline = time.monotonic() + TIMEOUT_S
        with self._changed:
            while not predicate(set().union(*self.batches)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"no matching change within {TIMEOUT_S} s; saw {self.batches}")
                self._changed.wait(remaining)
            return set().union(*self.batches)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path.resolve()
    (root / "dashboards").mkdir()
    (root / "templates").mkdir()
    (root / "build").mkdir()
    (root / "dashgen.toml").write_text("")
    return root


@pytest.fixture
def recorder(project: Path) -> Iterator[Recorder]:
    scope = WatchScope(
        trees=(project / "dashboards", project / "templates"),
        files=(project / "dashgen.toml",),
        excluded=(project / "build",),
    )
    rec = Recorder(scope)
    rec.stream.start()
    rec.thread.start()
    yield rec
    rec.stop.set()
    rec.thread.join(TIMEOUT_S)
    rec.stream.join(TIMEOUT_S)
    assert not rec.thread.is_alive(), "the stream did not stop on the stop event"


def test_a_new_subfolder_is_seen_and_then_watched(project: Path, recorder: Recorder) -> None:
    deep = project / "dashboards" / "team" / "sub"
    deep.mkdir(parents=True)
    (deep / "x.json").write_text("{}")

    # Events inside a folder that appeared a moment ago can be lost while the watch on it is
    # being added, so the folder itself is what is guaranteed (builds rediscover sources)...
    target = deep / "x.json"
    recorder.wait_for(lambda seen: any(p == target or p in target.parents for p in seen))
    before = len(recorder.batches)

    # ...and from then on, edits inside it are seen.
    (deep / "x.json").write_text('{"title": "x"}')
    recorder.wait_for(lambda seen: target in set().union(*recorder.batches[before:]))


def test_files_in_a_subfolder_created_while_watching_are_seen_later(
    project: Path, recorder: Recorder
) -> None:
    folder = project / "templates" / "macros"
    folder.mkdir()
    recorder.wait_for(lambda seen: folder in seen)

    (folder / "m.j2").write_text("{% macro m() %}{% endmacro %}")

    recorder.wait_for(lambda seen: folder / "m.j2" in seen)


def test_editor_litter_output_and_bytecode_are_ignored(project: Path, recorder: Recorder) -> None:
    dashboards = project / "dashboards"
    litter = [
        dashboards / ".node.json.swp",
        dashboards / ".node.json.swx",
        dashboards / "node.json~",
        dashboards / ".#node.json",
        dashboards / "4913",
        dashboards / "__pycache__" / "lib.cpython-311.pyc",
        dashboards / ".git" / "index",
        project / "build" / "node.json",
        project / "README.md",
    ]
    for path in litter:
        path.parent.mkdir(exist_ok=True)
        path.write_text("x")
    real = dashboards / "node.json"
    real.write_text("{}")

    seen = recorder.wait_for(lambda seen: real in seen)

    assert seen == {real}


def test_the_config_file_is_still_watched_after_an_editor_renames_over_it(
    project: Path, recorder: Recorder
) -> None:
    config = project / "dashgen.toml"
    for round_number in range(2):
        before = len(recorder.batches)
        replacement = project / f".dashgen.toml.new{round_number}"
        replacement.write_text(f"# round {round_number}\n")
        os.replace(replacement, config)
        recorder.wait_for(lambda seen, n=before: len(recorder.batches) > n and config in seen)
        assert config in recorder.batches[-1]

"""Helpers for the watch tests: a small real project, and a watch loop in a thread."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dashgen.config import load_config
from dashgen.publish import OrgSession
from dashgen.watch import watch
from dashgen.watch.changes import Timing
from dashgen.watch.status import StatusKind, WatchStatus

TIMEOUT_S = 15.0
TEST_TIMING = Timing(debounce_ms=50, step_ms=10)

CONFIG = """\
[vars]
prometheus_uid = "prom"
"""

MACRO = """\
{% macro stat(title) -%}
{"type": "stat", "title": {{ title | tojson }}, "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0}}
{%- endmacro %}
"""

HELPER = 'PANEL_TITLE = "helper v1"\n'

PYTHON_SOURCE = """\
from lib.helper import PANEL_TITLE

dashboard = {
    "uid": "py-dash",
    "title": "Python dashboard",
    "panels": [{"type": "stat", "title": PANEL_TITLE}],
    "schemaVersion": 39,
}
"""


def jinja_source(uid: str, *, uses_macro: bool) -> str:
    if not uses_macro:
        panels = [{"type": "text", "title": uid}]
        return json.dumps({"uid": uid, "title": uid, "panels": panels, "schemaVersion": 39})
    return (
        '{% import "panels.j2" as p %}\n'
        f'{{"uid": "{uid}", "title": "{uid}",\n'
        ' "schemaVersion": 39,\n'
        ' "panels": [{{ p.stat("requests on " ~ prometheus_uid) }}]}\n'
    )


def view_json(uid: str, title: str) -> str:
    panels = [{"type": "timeseries", "title": "CPU", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}}]
    # (a schemaVersion: /apis refuses a v1 dashboard it cannot migrate, and none is 0)
    document = {"uid": uid, "title": title, "panels": panels, "schemaVersion": 39}
    return json.dumps(document, indent=2) + "\n"


def output(project: Path, uid: str) -> Path:
    return project / "build" / "_default" / f"{uid}.json"


class WatchRun:
    """``dashgen.watch.watch`` in a thread; statuses are kept for the test to wait on."""

    def __init__(self, root: Path, publisher: OrgSession | None = None, **options: Any) -> None:
        self.stop = threading.Event()
        self.statuses: list[WatchStatus] = []
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._config = load_config(root)
        self._publisher = publisher
        self._options = options
        self.thread = threading.Thread(target=self._run, name="watch-under-test", daemon=True)

    def _run(self) -> None:
        try:
            watch(
                self._config,
                stop_event=self.stop,
                on_status=self._record,
                publisher=self._publisher,
                timing=TEST_TIMING,
                **self._options,
            )
        except BaseException as exc:
            self.error = exc
            self._record(None)

    def _record(self, status: WatchStatus | None) -> None:
        with self._changed:
            if status is not None:
                self.statuses.append(status)
            self._changed.notify_all()

    def start(self) -> WatchRun:
        self.thread.start()
        self.wait_for(lambda s: s.kind == StatusKind.WATCHING)
        return self

    def mark(self) -> int:
        """Position to wait after: statuses before it are ignored by ``wait_for(after=...)``."""
        with self._changed:
            return len(self.statuses)

    def wait_for(self, predicate: Callable[[WatchStatus], bool], *, after: int = 0) -> WatchStatus:
        deadline = time.monotonic() + TIMEOUT_S
        with self._changed:
            while True:
                if self.error is not None:
                    raise AssertionError("the watch loop raised") from self.error
                for status in self.statuses[after:]:
                    if predicate(status):
                        return status
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    kinds = [(s.kind, s.rebuilt_names, s.message) for s in self.statuses]
                    pytest.fail(f"no matching status within {TIMEOUT_S} s; got {kinds}")
                self._changed.wait(remaining)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(TIMEOUT_S)
        assert not self.thread.is_alive(), "watch did not return after the stop event"
        if self.error is not None:
            raise AssertionError("the watch loop raised") from self.error


def is_build(status: WatchStatus) -> bool:
    return status.kind in (StatusKind.BUILT, StatusKind.FAILED)


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.json"))}

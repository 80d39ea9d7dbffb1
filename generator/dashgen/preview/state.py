"""What the preview shows, kept up to date from the watch loop's statuses.

The watch thread calls ``on_status``; request threads read ``snapshot()`` and wait on
``wait_for_change`` (server-sent events). A failed build or a broken config never
replaces the last good list: it is kept, and the failure is shown above it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from dashgen.build import BuildResult, BuiltDashboard, Problem
from dashgen.preview.page import page_model, page_path, summary
from dashgen.watch.status import StatusKind, WatchStatus

BUILDING, OK, FAILED, CONFIG_ERROR = "building", "ok", "failed", "config-error"


@dataclass(frozen=True)
class Snapshot:
    generation: int
    dashboards: tuple[BuiltDashboard, ...]  # the last good build (else what build/ holds)
    warnings: tuple[Problem, ...]  # of that build
    state: str
    at: datetime
    summary: str = ""
    problems: tuple[Problem, ...] = ()  # of the failed build shown on top
    message: str = ""  # a failure without problems (config error, watcher, ...)
    publish: dict[str, Any] | None = None

    def find(self, org: str, uid: str) -> BuiltDashboard | None:
        return next((d for d in self.dashboards if d.org == org and d.uid == uid), None)

    def build_json(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "state": self.state,
            "at": self.at.strftime("%H:%M:%S"),
            "summary": self.summary,
            "problems": [problem_json(p) for p in self.problems],
            "message": self.message,
            "publish": self.publish,
        }


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "severity": problem.severity,
        "text": problem.line_text(),
        "message": problem.message,
        "path": problem.path.as_posix() if problem.path else None,
        "line": problem.line,
    }


@dataclass
class PreviewState:
    grafana_url: str | None = None
    _snapshot: Snapshot = field(init=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, init=False)
    _closed: bool = field(default=False, init=False)
    _documents: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict, init=False)
    _had_good_build: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._snapshot = Snapshot(0, (), (), BUILDING, datetime.now(), "building…")

    def start_from(self, dashboards: list[BuiltDashboard]) -> None:
        """Show what ``build/`` holds until the first build of this run ends."""
        self._replace(dashboards=tuple(dashboards))

    # -- the watch thread

    def on_status(self, status: WatchStatus) -> None:
        if status.kind == StatusKind.BUILT and status.result is not None:
            self._had_good_build = True
            result = status.result
            self._replace(
                dashboards=tuple(result.dashboards),
                warnings=tuple(result.warnings),
                state=OK,
                at=status.at,
                summary=_built_summary(result),
                problems=(),
                message="",
            )
        elif status.kind == StatusKind.FAILED:
            kept: dict[str, Any] = {}
            if status.result is not None and not self._had_good_build:
                kept["dashboards"] = tuple(status.result.dashboards)  # build/ is untouched
            problems = tuple(status.result.problems) if status.result else ()
            self._replace(
                state=FAILED,
                at=status.at,
                summary="build failed: showing the last good build",
                problems=problems,
                message=status.message,
                **kept,
            )
        elif status.kind == StatusKind.CONFIG_ERROR:
            self._replace(
                state=CONFIG_ERROR,
                at=status.at,
                summary="config not reloaded: showing the last good build",
                problems=(),
                message=status.message,
            )
        elif status.kind in (StatusKind.PUBLISHED, StatusKind.PUBLISH_FAILED):
            events = [
                {"action": str(e.action), "uid": e.uid, "url": e.url, "error": e.error}
                for e in status.publish_events
            ]
            ok = status.kind == StatusKind.PUBLISHED
            self._replace(publish={"ok": ok, "message": status.message, "events": events})

    def _replace(self, **changes: Any) -> None:
        with self._changed:
            current = self._snapshot
            values = {**current.__dict__, **changes, "generation": current.generation + 1}
            self._snapshot = Snapshot(**values)
            self._changed.notify_all()

    # -- request threads

    def snapshot(self) -> Snapshot:
        with self._changed:
            return self._snapshot

    def wait_for_change(self, seen: int, timeout_s: float) -> int:
        """The generation once it differs from ``seen`` (or after the timeout, or on close)."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closed or self._snapshot.generation != seen, timeout_s
            )
            return self._snapshot.generation

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def index_json(self) -> dict[str, Any]:
        snap = self.snapshot()
        rows = []
        for built in snap.dashboards:
            document = self.document(built)
            row = summary(built, document) if document is not None else _unreadable(built)
            row["warnings"] = [problem_json(p) for p in snap.warnings if p.path == built.source]
            rows.append(row)
        known = {d.source for d in snap.dashboards}
        other = [p for p in snap.warnings if p.path not in known]
        return {
            "build": snap.build_json(),
            "dashboards": rows,
            "warnings": [problem_json(p) for p in other],
            "grafana_url": self.grafana_url,
        }

    def page_json(self, org: str, uid: str) -> dict[str, Any] | None:
        snap = self.snapshot()
        built = snap.find(org, uid)
        document = self.document(built) if built is not None else None
        if built is None or document is None:
            return None
        page = page_model(built, document, grafana_url=self.grafana_url)
        page["warnings"] = [problem_json(p) for p in snap.warnings if p.path == built.source]
        page["build"] = snap.build_json()
        return page

    def document(self, built: BuiltDashboard) -> dict[str, Any] | None:
        """The built JSON as the file holds it now (cached while the file is unchanged: the
        build replaces outputs by renaming a new file into place)."""
        try:
            stat = built.path.stat()
            key = (str(built.path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
            cached = self._documents.get(key)
            if cached is not None:
                return cached
            document = orjson.loads(built.path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        if not isinstance(document, dict):
            return None
        if len(self._documents) > 4096:
            self._documents.clear()
        self._documents[key] = document
        return document


def _built_summary(result: BuildResult) -> str:
    count = len(result.dashboards)
    rebuilt = len(result.rebuilt)
    warnings = len(result.warnings)
    return (
        f"{count} dashboard{'s' * (count != 1)}, rebuilt {rebuilt} in "
        f"{result.duration_s * 1000:.0f} ms, {warnings} warning{'s' * (warnings != 1)}"
    )


def _unreadable(built: BuiltDashboard) -> dict[str, Any]:
    return {
        "org": built.org,
        "uid": built.uid,
        "title": built.title,
        "folder": built.folder,
        "source": built.source.as_posix(),
        "tags": [],
        "panels": None,
        "page": page_path(built),
        "schema": built.schema,
    }

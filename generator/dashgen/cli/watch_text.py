"""The text lines ``dashgen watch`` prints for each ``WatchStatus``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dashgen.build import BuildResult
from dashgen.publish.events import PublishEvent
from dashgen.watch.status import StatusKind, WatchStatus

MAX_NAMES_LISTED = 5


def format_status(status: WatchStatus) -> list[str]:
    """One status line, then the detail lines (problems, published URLs) indented under it."""
    stamp = status.at.strftime("%H:%M:%S")
    head, details = _FORMATTERS[status.kind](status)
    return [f"[{stamp}] {head}", *(f"  {line}" for line in details)]


def _format_built(status: WatchStatus) -> tuple[str, list[str]]:
    result = _require_result(status)
    parts = []
    if status.recovered:
        parts.append("recovered:")
    elif status.initial:
        parts.append("initial build:")
    elif status.config_reloaded:
        parts.append("config reloaded:")
    if result.rebuilt:
        parts.append(f"rebuilt {_count(len(result.rebuilt), 'dashboard')}")
        parts[-1] += f" ({_names(status.rebuilt_names)})"
    elif not result.removed:
        parts.append("no dashboard affected")
    if result.removed:
        removed = [p.stem for p in result.removed]
        parts.append(f"removed {_count(len(removed), 'output')} ({_names(removed)})")
    head = " ".join(parts) + f" in {_ms(result)} · {_problem_counts(result)}"
    return head, _problem_lines(result)


def _format_failed(status: WatchStatus) -> tuple[str, list[str]]:
    if status.result is None:
        return f"build failed: {status.message}; keeping the last good output", []
    result = status.result
    head = (
        f"build failed in {_ms(result)} · {_problem_counts(result)}; keeping the last good output"
    )
    return head, _problem_lines(result)


def _format_config_error(status: WatchStatus) -> tuple[str, list[str]]:
    first, *rest = status.message.splitlines() or [""]
    return f"config not reloaded, keeping the last good one: {first}", rest


def _format_watching(status: WatchStatus) -> tuple[str, list[str]]:
    return f"watching {status.message} (Ctrl-C to stop)", []


def _format_published(status: WatchStatus) -> tuple[str, list[str]]:
    events = status.publish_events
    actions = Counter(str(event.action) for event in events)
    summary = ", ".join(f"{n} {action}" for action, n in sorted(actions.items()))
    head = f"published {_count(len(events), 'dashboard')} ({summary})"
    return head, [_event_line(event) for event in events]


def _format_publish_failed(status: WatchStatus) -> tuple[str, list[str]]:
    # An org that failed as a whole is said once, in the message, not once per dashboard.
    lines = [_event_line(event) for event in status.publish_events if not event.org_failed]
    not_sent = [event.uid for event in status.publish_events if event.org_failed]
    if not_sent:
        lines.append(f"not sent: {_names(not_sent)}")
    return f"publish failed: {status.message}", lines


def _event_line(event: PublishEvent) -> str:
    line = f"{event.action}: {event.org}/{event.uid}"
    if event.url:
        line += f" {event.url}"
    if event.error:
        line += f": {event.error}"
    return line


def _require_result(status: WatchStatus) -> BuildResult:
    if status.result is None:
        raise ValueError(f"a {status.kind} status needs a build result")
    return status.result


def _problem_lines(result: BuildResult) -> list[str]:
    return [p.line_text() for p in result.problems]


def _problem_counts(result: BuildResult) -> str:
    return f"{_count(len(result.errors), 'error')}, {_count(len(result.warnings), 'warning')}"


def _ms(result: BuildResult) -> str:
    return f"{result.duration_s * 1000:.0f} ms"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES_LISTED])
    hidden = len(names) - MAX_NAMES_LISTED
    return f"{shown}, +{hidden} more" if hidden > 0 else shown


_FORMATTERS = {
    StatusKind.BUILT: _format_built,
    StatusKind.FAILED: _format_failed,
    StatusKind.CONFIG_ERROR: _format_config_error,
    StatusKind.WATCHING: _format_watching,
    StatusKind.PUBLISHED: _format_published,
    StatusKind.PUBLISH_FAILED: _format_publish_failed,
}

"""What ``dashgen publish`` and ``dashgen diff`` print: one line per dashboard (or per
deletion), then a summary; each failure's reason once, an org's failure once for the org.
Prune's own lines and options are in ``dashgen.cli.prune_text``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence

import click

from dashgen.cli.interrupt import Interrupt
from dashgen.cli.prune_text import (
    DIFF_PRUNE_STATUS,
    print_notes,
    print_prune_plan_json,
    print_prune_plan_text,
)
from dashgen.errors import PublishError
from dashgen.model.diff import summarize, unified_diff
from dashgen.publish import PlannedDashboard, PlanReport
from dashgen.publish.events import PRUNE_ACTIONS, Action, PublishEvent, PublishReport, is_problem

# diff's words: "drifted" = changed in Grafana since dashgen last published it.
DIFF_STATUS = {
    Action.WOULD_CREATE: "new",
    Action.WOULD_UPDATE: "changed",
    Action.UNCHANGED: "unchanged",
    Action.DRIFTED: "drifted",
    Action.FAILED: "failed",
    Action.SKIPPED: "skipped",
}


# -- publish -------------------------------------------------------------------------------


def event_line(event: PublishEvent, *, with_error: bool = True) -> str:
    versions = ""
    if event.version_before is not None and event.version_after is not None:
        versions = f" v{event.version_before}→v{event.version_after}"
    elif event.version_after is not None or event.version_before is not None:
        versions = f" v{event.version_after or event.version_before}"
    line = f"{event.label:<12} {event.org}/{event.uid}  {event.title}{versions}"
    if event.error and with_error:
        line += f"\n             {event.error}"
    return line


def event_printer(
    kept_is_expected: bool, skip_managed: bool = False
) -> Callable[[PublishEvent], None]:
    """Prints one event as it happens; why a dashboard failed, drifted or was kept (when
    that fails the run) is said once, under "Not published:"/"Not pruned:" at the end."""

    def print_event(event: PublishEvent) -> None:
        if event.org_failed:
            return  # said once for the org, at the end
        problem = is_problem(event, kept_is_expected, skip_managed)
        click.echo(event_line(event, with_error=not problem))

    return print_event


def print_json_event(event: PublishEvent) -> None:
    click.echo(json.dumps(event.to_dict(), sort_keys=True))


def is_prune_event(event: PublishEvent) -> bool:
    """Prune's events: deletions, kept dashboards, failed deletions (they carry no source)."""
    return event.action in PRUNE_ACTIONS or (
        event.action in (Action.FAILED, Action.UNKNOWN) and event.source is None
    )


def print_changes(report: PublishReport) -> None:
    """After a progress bar: what deserves a look (new ones are only counted)."""
    print_event = event_printer(report.kept_is_expected, report.skip_managed)
    for event in sorted(report.events, key=lambda e: (e.org, e.uid)):
        if event.action not in (Action.UNCHANGED, Action.CREATED):
            print_event(event)


_WRITTEN = (Action.CREATED, Action.UPDATED, Action.DELETED)


def _not_sent(events: Sequence[PublishEvent]) -> Counter[str]:
    """Per org, the dashboards not attempted because the org failed as a whole."""
    return Counter(event.org for event in events if event.org_failed)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def finish(report: PublishReport, output_format: str, interrupt: Interrupt | None = None) -> None:
    """The summary, then the exit: 0, the report's code, or an interrupt's (130, 143)."""
    interrupted = interrupt.exit_code if interrupt is not None else None
    if output_format == "json":
        summary = {
            "summary": report.counts(),
            "org_errors": report.org_errors,
            "notes": report.notes,
            "prune_refusals": report.prune_refusals,
            "warnings": report.warnings,
            "backends": report.backends,
        }
        if interrupt is not None and interrupt.name is not None:
            summary["interrupted"] = interrupt.name
        click.echo(json.dumps(summary, sort_keys=True))
    else:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        attempted = Counter(e.action.value for e in report.events if not e.org_failed)
        not_sent = _not_sent(report.events)
        parts = [f"{count} {action}" for action, count in attempted.items()]
        if not_sent:
            orgs = ", ".join(sorted(not_sent))
            parts.append(f"{sum(not_sent.values())} not sent (org {orgs} failed)")
        click.echo(f"{', '.join(parts) or 'nothing'} in {report.duration_s:.1f}s")
        print_notes(report.warnings, report.prune_refusals)
        for org, error in report.org_errors.items():
            skipped = f" ({plural(not_sent[org], 'dashboard')} not sent)" if not_sent[org] else ""
            click.echo(f"org {org}: {error}{skipped}", err=True)
        failures = [e for e in report.failures if not e.org_failed]
        _print_grouped("Not published:", [e for e in failures if not is_prune_event(e)])
        _print_grouped("Not pruned:", [e for e in failures if is_prune_event(e)])
    if not report.ok:
        error = PublishError(_failure_summary(report))
        error.exit_code = interrupted or report.exit_code
        raise error
    if interrupted is not None:
        raise click.exceptions.Exit(interrupted)


def _print_grouped(heading: str, failures: Sequence[PublishEvent]) -> None:
    """Each reason once: dashboards that failed for the same reason (a folder that could
    not be ensured) are listed together."""
    if not failures:
        return
    grouped: dict[tuple[str, str], list[str]] = {}
    for event in failures:
        grouped.setdefault((event.action.value, event.error or ""), []).append(
            f"{event.org}/{event.uid}"
        )
    click.echo(heading, err=True)
    for (action, error), names in grouped.items():
        click.echo(f"  {', '.join(names)} ({action}): {error}", err=True)


def _failure_summary(report: PublishReport) -> str:
    failures = [e for e in report.failures if not e.org_failed]
    counted = Counter(e.action for e in failures if not is_prune_event(e))
    parts = []
    if counted[Action.FAILED]:
        parts.append(f"{plural(counted[Action.FAILED], 'dashboard')} failed")
    if counted[Action.DRIFTED]:
        parts.append(f"{plural(counted[Action.DRIFTED], 'dashboard')} drifted")
    if counted[Action.UNKNOWN]:  # sent, no answer before the deadline
        parts.append(f"{plural(counted[Action.UNKNOWN], 'dashboard')} unknown (check Grafana)")
    pruned = Counter(e.action for e in failures if is_prune_event(e))
    if pruned[Action.KEPT]:
        parts.append(f"{plural(pruned[Action.KEPT], 'removed dashboard')} kept (edited)")
    if pruned[Action.FAILED]:
        parts.append(f"{plural(pruned[Action.FAILED], 'deletion')} failed")
    if pruned[Action.UNKNOWN]:
        parts.append(f"{plural(pruned[Action.UNKNOWN], 'deletion')} unknown (check Grafana)")
    written = Counter(e.org for e in report.events if e.action in _WRITTEN)
    if nothing := sorted(org for org in report.org_errors if not written[org]):
        parts.append(f"nothing was published to org {', '.join(nothing)}")
    not_sent = _not_sent(report.events)
    for org in sorted(org for org in report.org_errors if written[org]):  # (failed midway)
        parts.append(f"org {org} failed after {written[org]} written ({not_sent[org]} not sent)")
    if report.prune_refusals:
        orgs = ", ".join(sorted(report.prune_refusals))
        parts.append(f"nothing was pruned in org {orgs}")
    return "; ".join(parts) or "some dashboards were not published"


# -- diff ----------------------------------------------------------------------------------


def _changes(item: PlannedDashboard) -> tuple[list[str], str]:
    """Panel-level summary and unified diff, for dashboards that exist on both sides."""
    if item.action not in (Action.WOULD_UPDATE, Action.DRIFTED) or item.desired is None:
        return [], ""
    name = f"{item.built.uid}.json"
    return summarize(item.live, item.desired), unified_diff(item.live, item.desired, name)


def print_plan_text(planned: PlanReport) -> None:
    not_compared = Counter(item.org for item in planned.items if item.org_failed)
    print_notes(planned.warnings, planned.prune_refusals)
    for org, error in planned.org_errors.items():
        skipped = f" ({plural(not_compared[org], 'dashboard')} not compared)"
        click.echo(f"org {org}: {error}{skipped if not_compared[org] else ''}", err=True)
    for item in planned.items:
        if item.action == Action.UNCHANGED or item.org_failed:
            continue
        click.echo(f"{DIFF_STATUS[item.action]:<9} {item.org}/{item.built.uid}  {item.built.title}")
        if item.error:
            click.echo(f"          {item.error}")
        summary, text = _changes(item)
        for line in summary:
            click.echo(f"          - {line}")
        if text:
            click.echo(text)
    prune = [event for event in planned.prune if not event.org_failed]
    print_prune_plan_text(prune)
    counted = Counter(DIFF_STATUS[item.action] for item in planned.items if not item.org_failed)
    counted.update(DIFF_PRUNE_STATUS.get(e.action, e.action.value) for e in prune)
    parts = [f"{n} {status}" for status, n in sorted(counted.items())]
    if not_compared:
        orgs = ", ".join(sorted(not_compared))
        parts.append(f"{sum(not_compared.values())} not compared (org {orgs} failed)")
    click.echo(", ".join(parts) or "nothing")


def print_plan_json(planned: PlanReport, interrupted: str | None = None) -> None:
    """One line per dashboard (and per org failure, per deletion); an interrupted diff
    (its dashboards not compared "not sent: interrupted ...") ends with
    ``{"interrupted": "SIGINT"}``."""
    for item in planned.items:
        summary, text = _changes(item)
        record = {
            "org": item.org,
            "uid": item.built.uid,
            "title": item.built.title,
            "status": DIFF_STATUS[item.action],
            "version_before": item.live_version,
            "changes": summary,
            "diff": text,
            "error": item.error,
            "org_failed": item.org_failed,
            "backend": planned.backends.get(item.org),
        }
        click.echo(json.dumps(record, sort_keys=True))
    for org, error in planned.org_errors.items():
        click.echo(json.dumps({"org": org, "status": "failed", "error": error}, sort_keys=True))
    print_prune_plan_json(planned)
    if interrupted is not None:
        click.echo(json.dumps({"interrupted": interrupted}))

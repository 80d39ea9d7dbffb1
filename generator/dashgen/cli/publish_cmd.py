"""``dashgen publish`` and ``dashgen diff``: build if stale, then publish (or plan) per org."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dashgen.build import BuiltDashboard, build
from dashgen.cli.common import (
    CliContext,
    grafana_connection_options,
    output_option,
    parse_vars,
    pass_cli,
    publish_connection,
    var_option,
)
from dashgen.config import Config, load_config
from dashgen.errors import BuildError, PublishError, UsageError
from dashgen.model.diff import summarize, unified_diff
from dashgen.publish import DEFAULT_CONCURRENCY, PlannedDashboard, PlanReport, plan
from dashgen.publish import publish as publish_dashboards
from dashgen.publish.events import PROBLEMS, Action, PublishEvent, PublishReport

PROGRESS_BAR_THRESHOLD = 5
# diff's words: "drifted" = changed in Grafana since dashgen last published it.
DIFF_STATUS = {
    Action.WOULD_CREATE: "new",
    Action.WOULD_UPDATE: "changed",
    Action.UNCHANGED: "unchanged",
    Action.DRIFTED: "drifted",
    Action.FAILED: "failed",
}


def org_selection(func: Any) -> Any:
    func = click.option(
        "--uid",
        "uids",
        multiple=True,
        metavar="UID",
        help="Only the dashboard with this uid (repeatable), e.g. to aim --force at one.",
    )(func)
    func = click.option("--all-orgs", is_flag=True, help="Every org declared in the config.")(func)
    return click.option(
        "--org",
        "org_names",
        multiple=True,
        metavar="NAME",
        help="Grafana organization to publish to (repeatable).",
    )(func)


@click.command()
@org_selection
@grafana_connection_options
@var_option
@output_option
@click.option("--dry-run", is_flag=True, help="Print the plan; send no write.")
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite dashboards changed in Grafana since dashgen last published them.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Dashboards written at the same time (reads run wider).",
)
@pass_cli
def publish(
    cli: CliContext,
    org_names: tuple[str, ...],
    all_orgs: bool,
    uids: tuple[str, ...],
    grafana_url: str | None,
    ca_cert: Path | None,
    insecure: bool,
    allow_insecure_http: bool,
    timeout_s: float | None,
    var_items: tuple[str, ...],
    output_format: str,
    dry_run: bool,
    force: bool,
    concurrency: int,
) -> None:
    """Publish the build of each org (building first if stale): only what changed.

    \b
    Each org's token comes from env DASHGEN_TOKEN_<ORG>, then the token store
    (`dashgen token create`; env DASHGEN_TOKEN_STORE, default
    ~/.config/dashgen/tokens.json); GET /api/org must name the org before anything is
    sent. An org that fails as a whole is reported once.
    Unchanged dashboards get no POST (no new version). A dashboard last saved in
    Grafana by someone else is reported as drifted and left alone unless --force
    (aim it with --uid); once the source matches such a dashboard, the next publish
    adopts it (one write with dashgen's version message) and later edits publish.

    \b
    Two publishers of one org: a publish with something to write takes the org's
    publish lock (a folder uid dashgen-publish-lock that exists while it is held), so
    a second one waits, then leaves alone what the first wrote ("written by another
    publisher during this run", exit 1; "unchanged (published concurrently)" when it
    holds the same content). Writes are always based on the version that was read
    (--force too), so a lost race is never followed by an overwrite.

    Exit codes: 0 every dashboard published or unchanged, 1 any failed or drifted (or
    an org failed), 2 usage or configuration errors (also a token that cannot be sent
    or a malformed token store entry). `dashgen --help` lists every environment
    variable.
    """
    config = load_config(cli.project_root)
    orgs = _orgs(config, org_names, all_orgs)
    connection = publish_connection(
        config, grafana_url, ca_cert, insecure, allow_insecure_http, timeout_s
    )
    dashboards = _only(_fresh_build(config, orgs, parse_vars(var_items)), orgs, uids)
    going_out = sum(1 for built in dashboards if built.org in orgs)
    show_bar = output_format == "text" and going_out > PROGRESS_BAR_THRESHOLD and _is_tty()
    options: dict[str, Any] = dict(
        connection=connection,
        dashboards=dashboards,
        dry_run=dry_run,
        force=force,
        concurrency=concurrency,
    )
    if show_bar:
        label = "Planning" if dry_run else "Publishing"
        with click.progressbar(length=going_out, label=label, file=sys.stderr) as bar:
            report = publish_dashboards(
                config, orgs, on_event=lambda event: bar.update(1), **options
            )
        _print_changes(report)
    else:
        printer = _print_json_event if output_format == "json" else _print_event
        report = publish_dashboards(config, orgs, on_event=printer, **options)
    _finish(report, output_format)


@click.command()
@org_selection
@grafana_connection_options
@var_option
@output_option
@click.pass_context
def diff(
    ctx: click.Context,
    org_names: tuple[str, ...],
    all_orgs: bool,
    uids: tuple[str, ...],
    grafana_url: str | None,
    ca_cert: Path | None,
    insecure: bool,
    allow_insecure_http: bool,
    timeout_s: float | None,
    var_items: tuple[str, ...],
    output_format: str,
) -> None:
    """Show what publish would change, dashboard by dashboard (exit 1 when anything would)."""
    cli: CliContext = ctx.find_object(CliContext)
    config = load_config(cli.project_root)
    orgs = _orgs(config, org_names, all_orgs)
    connection = publish_connection(
        config, grafana_url, ca_cert, insecure, allow_insecure_http, timeout_s
    )
    dashboards = _only(_fresh_build(config, orgs, parse_vars(var_items)), orgs, uids)
    planned = plan(config, orgs, connection=connection, dashboards=dashboards)
    if output_format == "json":
        _print_plan_json(planned)
    else:
        _print_plan_text(planned)
    if planned.org_exit_codes:
        ctx.exit(max(planned.org_exit_codes.values()))
    ctx.exit(1 if planned.has_changes else 0)


COMMANDS: list[click.Command] = [publish, diff]


# -- option handling ---------------------------------------------------------------------


def _orgs(config: Config, org_names: Sequence[str], all_orgs: bool) -> list[str]:
    if all_orgs and org_names:
        raise UsageError("use either --org NAME or --all-orgs, not both")
    if all_orgs:
        if not config.orgs:
            raise UsageError("--all-orgs: the config declares no [orgs.<name>]; use --org NAME")
        return list(config.orgs)
    if not org_names:
        raise UsageError("name the organization with --org NAME (repeatable) or use --all-orgs")
    return list(dict.fromkeys(org_names))


def _fresh_build(
    config: Config, orgs: Sequence[str], extra_vars: dict[str, str]
) -> list[BuiltDashboard]:
    result = build(config, orgs=list(orgs), extra_vars=extra_vars or None)
    for problem in result.warnings:
        click.echo(f"warning: {problem}", err=True)
    if not result.ok:
        for problem in result.errors:
            click.echo(str(problem), err=True)
        raise BuildError(
            f"the build has {len(result.errors)} error(s); nothing was published",
            result.errors,
        )
    return list(result.dashboards)


def _only(
    dashboards: list[BuiltDashboard], orgs: Sequence[str], uids: Sequence[str]
) -> list[BuiltDashboard]:
    """``--uid``: only those dashboards; a uid that none of the orgs' builds has is a usage
    error (a typo must not publish nothing and exit 0)."""
    if not uids:
        return dashboards
    wanted = set(uids)
    found = {built.uid for built in dashboards if built.org in orgs}
    missing = sorted(wanted - found)
    if missing:
        shown = ", ".join(repr(uid) for uid in missing)
        raise UsageError(
            f"--uid {shown}: no such dashboard in the build of org(s) {', '.join(orgs)}"
        )
    return [built for built in dashboards if built.uid in wanted]


def _is_tty() -> bool:
    return sys.stdout.isatty()


# -- printing ------------------------------------------------------------------------------


def _event_line(event: PublishEvent, *, with_error: bool = True) -> str:
    versions = ""
    if event.version_before is not None and event.version_after is not None:
        versions = f" v{event.version_before}→v{event.version_after}"
    elif event.version_after is not None or event.version_before is not None:
        versions = f" v{event.version_after or event.version_before}"
    line = f"{event.label:<12} {event.org}/{event.uid}  {event.title}{versions}"
    if event.error and with_error:
        line += f"\n             {event.error}"
    return line


def _print_event(event: PublishEvent) -> None:
    if event.org_failed:
        return  # said once for the org, at the end
    # why a dashboard failed or drifted is said once, under "Not published:" at the end
    click.echo(_event_line(event, with_error=event.action not in PROBLEMS))


def _print_json_event(event: PublishEvent) -> None:
    click.echo(json.dumps(event.to_dict(), sort_keys=True))


def _print_changes(report: PublishReport) -> None:
    """After a progress bar: what deserves a look (new ones are only counted)."""
    for event in sorted(report.events, key=lambda e: (e.org, e.uid)):
        if event.action not in (Action.UNCHANGED, Action.CREATED):
            _print_event(event)


def _not_sent(events: Sequence[PublishEvent]) -> Counter[str]:
    """Per org, the dashboards not attempted because the org failed as a whole."""
    return Counter(event.org for event in events if event.org_failed)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _finish(report: PublishReport, output_format: str) -> None:
    if output_format == "json":
        summary = {
            "summary": report.counts(),
            "org_errors": report.org_errors,
            "notes": report.notes,
        }
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
        for org, error in report.org_errors.items():
            skipped = f" ({_plural(not_sent[org], 'dashboard')} not sent)" if not_sent[org] else ""
            click.echo(f"org {org}: {error}{skipped}", err=True)
        _print_not_published([e for e in report.failures if not e.org_failed])
    if not report.ok:
        error = PublishError(_failure_summary(report))
        error.exit_code = report.exit_code
        raise error


def _print_not_published(failures: Sequence[PublishEvent]) -> None:
    """Each reason once: dashboards that failed for the same reason (a folder that could
    not be ensured) are listed together."""
    if not failures:
        return
    grouped: dict[tuple[str, str], list[str]] = {}
    for event in failures:
        grouped.setdefault((event.action.value, event.error or ""), []).append(
            f"{event.org}/{event.uid}"
        )
    click.echo("Not published:", err=True)
    for (action, error), names in grouped.items():
        click.echo(f"  {', '.join(names)} ({action}): {error}", err=True)


def _failure_summary(report: PublishReport) -> str:
    counted = Counter(e.action for e in report.failures if not e.org_failed)
    parts = []
    if counted[Action.FAILED]:
        parts.append(f"{_plural(counted[Action.FAILED], 'dashboard')} failed")
    if counted[Action.DRIFTED]:
        parts.append(f"{_plural(counted[Action.DRIFTED], 'dashboard')} drifted")
    if report.org_errors:
        orgs = ", ".join(sorted(report.org_errors))
        parts.append(f"nothing was published to org {orgs}")
    return "; ".join(parts) or "some dashboards were not published"


def _changes(item: PlannedDashboard) -> tuple[list[str], str]:
    """Panel-level summary and unified diff, for dashboards that exist on both sides."""
    if item.action not in (Action.WOULD_UPDATE, Action.DRIFTED) or item.desired is None:
        return [], ""
    name = f"{item.built.uid}.json"
    return summarize(item.live, item.desired), unified_diff(item.live, item.desired, name)


def _print_plan_text(planned: PlanReport) -> None:
    not_compared = Counter(item.org for item in planned.items if item.org_failed)
    for org, error in planned.org_errors.items():
        skipped = f" ({_plural(not_compared[org], 'dashboard')} not compared)"
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
    counted = Counter(DIFF_STATUS[item.action] for item in planned.items if not item.org_failed)
    parts = [f"{n} {status}" for status, n in sorted(counted.items())]
    if not_compared:
        orgs = ", ".join(sorted(not_compared))
        parts.append(f"{sum(not_compared.values())} not compared (org {orgs} failed)")
    click.echo(", ".join(parts) or "nothing")


def _print_plan_json(planned: PlanReport) -> None:
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
        }
        click.echo(json.dumps(record, sort_keys=True))
    for org, error in planned.org_errors.items():
        click.echo(json.dumps({"org": org, "status": "failed", "error": error}, sort_keys=True))

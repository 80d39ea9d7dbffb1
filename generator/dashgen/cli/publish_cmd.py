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
from dashgen.cli.prune_text import (
    DIFF_PRUNE_STATUS,
    print_notes,
    print_prune_plan_json,
    print_prune_plan_text,
    prune_options,
    pruning_options,
)
from dashgen.config import Config, load_config
from dashgen.errors import BuildError, PublishError, UsageError
from dashgen.model.diff import summarize, unified_diff
from dashgen.publish import DEFAULT_CONCURRENCY, PlannedDashboard, PlanReport, plan
from dashgen.publish import publish as publish_dashboards
from dashgen.publish.events import PRUNE_ACTIONS, Action, PublishEvent, PublishReport

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
@pruning_options(with_yes=True)
@pass_cli
def publish(
    cli: CliContext,
    org_names: tuple[str, ...],
    all_orgs: bool,
    grafana_url: str | None,
    ca_cert: Path | None,
    insecure: bool,
    allow_insecure_http: bool,
    var_items: tuple[str, ...],
    output_format: str,
    dry_run: bool,
    force: bool,
    concurrency: int,
    prune: bool,
    prune_max: int | None,
    prune_keep_edited: bool,
    yes: bool,
    allow_missing_datasources: bool,
) -> None:
    """Publish the build of each org (building first if stale): only what changed.

    \b
    Each org's token comes from env DASHGEN_TOKEN_<ORG>, then the token store
    (`dashgen token create`); GET /api/org must name the org before anything is sent.
    Unchanged dashboards get no POST (no new version). A dashboard last saved in
    Grafana by someone else is reported as drifted and left alone unless --force.

    \b
    Before any write, every datasource a dashboard references must exist in the org
    (one GET /api/datasources per org); {"type": ..., "name": "..."} references are
    bound to that org's uid. A dashboard with a missing one is not written unless
    --allow-missing-datasources.

    \b
    --prune then deletes, per org, the dashboards this project (`project` in
    dashgen.toml) published and no longer builds, and the folders dashgen created
    that are left empty. A dashboard edited in Grafana since is kept and reported;
    dashboards dashgen did not write are never touched. Nothing is pruned in an org
    whose build is empty, or beyond --prune-max deletions without --yes.

    Exit codes: 0 every dashboard published, unchanged or pruned, 1 any failed,
    drifted, refused or kept, 2 usage or configuration errors.
    """
    config = load_config(cli.project_root)
    orgs = _orgs(config, org_names, all_orgs)
    connection = publish_connection(config, grafana_url, ca_cert, insecure, allow_insecure_http)
    pruning = prune_options(config, prune, prune_max, prune_keep_edited, yes)
    dashboards = _fresh_build(config, orgs, parse_vars(var_items))
    going_out = sum(1 for built in dashboards if built.org in orgs)
    show_bar = output_format == "text" and going_out > PROGRESS_BAR_THRESHOLD and _is_tty()
    options: dict[str, Any] = dict(
        connection=connection,
        dashboards=dashboards,
        dry_run=dry_run,
        force=force,
        concurrency=concurrency,
        prune=pruning,
        allow_missing_datasources=allow_missing_datasources,
    )
    if show_bar:
        label = "Planning" if dry_run else "Publishing"
        with click.progressbar(length=going_out, label=label, file=sys.stderr) as bar:
            report = publish_dashboards(
                config,
                orgs,
                on_event=lambda event: event.action in PRUNE_ACTIONS or bar.update(1),
                **options,
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
@pruning_options(with_yes=False)
@click.pass_context
def diff(
    ctx: click.Context,
    org_names: tuple[str, ...],
    all_orgs: bool,
    grafana_url: str | None,
    ca_cert: Path | None,
    insecure: bool,
    allow_insecure_http: bool,
    var_items: tuple[str, ...],
    output_format: str,
    prune: bool,
    prune_max: int | None,
    prune_keep_edited: bool,
    allow_missing_datasources: bool,
) -> None:
    """Show what publish would change, dashboard by dashboard (exit 1 when anything would).

    With --prune also what publish --prune would delete ("would delete"), and what it
    would keep because it was edited in Grafana. Datasources are checked as publish
    checks them: a dashboard publish would refuse is shown as failed.
    """
    cli: CliContext = ctx.find_object(CliContext)
    config = load_config(cli.project_root)
    orgs = _orgs(config, org_names, all_orgs)
    connection = publish_connection(config, grafana_url, ca_cert, insecure, allow_insecure_http)
    pruning = prune_options(config, prune, prune_max, prune_keep_edited, yes=False)
    dashboards = _fresh_build(config, orgs, parse_vars(var_items))
    planned = plan(
        config,
        orgs,
        connection=connection,
        dashboards=dashboards,
        prune=pruning,
        allow_missing_datasources=allow_missing_datasources,
    )
    if output_format == "json":
        _print_plan_json(planned)
    else:
        _print_plan_text(planned)
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


def _is_tty() -> bool:
    return sys.stdout.isatty()


# -- printing ------------------------------------------------------------------------------


def _event_line(event: PublishEvent) -> str:
    versions = ""
    if event.version_before is not None and event.version_after is not None:
        versions = f" v{event.version_before}→v{event.version_after}"
    elif event.version_after is not None or event.version_before is not None:
        versions = f" v{event.version_after or event.version_before}"
    line = f"{event.action.value:<12} {event.org}/{event.uid}  {event.title}{versions}"
    if event.error:
        line += f"\n             {event.error}"
    return line


def _print_event(event: PublishEvent) -> None:
    click.echo(_event_line(event))


def _print_json_event(event: PublishEvent) -> None:
    click.echo(json.dumps(event.to_dict(), sort_keys=True))


def _print_changes(report: PublishReport) -> None:
    """After a progress bar: what deserves a look (new ones are only counted)."""
    for event in sorted(report.events, key=lambda e: (e.org, e.uid)):
        if event.action not in (Action.UNCHANGED, Action.CREATED):
            _print_event(event)


def _finish(report: PublishReport, output_format: str) -> None:
    counts = report.counts()
    if output_format == "json":
        summary = {
            "summary": counts,
            "org_errors": report.org_errors,
            "prune_refusals": report.prune_refusals,
            "warnings": report.warnings,
        }
        click.echo(json.dumps(summary, sort_keys=True))
    else:
        parts = ", ".join(f"{count} {action}" for action, count in counts.items()) or "nothing"
        click.echo(f"{parts} in {report.duration_s:.1f}s")
        print_notes(report.warnings, report.prune_refusals)
        for org, error in report.org_errors.items():
            click.echo(f"org {org}: {error}", err=True)
        # Dashboards of an org that failed as a whole are covered by the org's line.
        failures = [e for e in report.failures if e.org not in report.org_errors]
        for heading, wanted in (("Not published:", False), ("Not pruned:", True)):
            listed = [e for e in failures if (e.action in PRUNE_ACTIONS or _is_prune(e)) == wanted]
            if listed:
                click.echo(heading, err=True)
            for event in listed:
                click.echo(
                    f"  {event.org}/{event.uid} ({event.action.value}): {event.error}", err=True
                )
    if not report.ok:
        failed = len(report.failures)
        raise PublishError(
            f"{failed} dashboard(s) failed, drifted or kept"
            if failed
            else "some orgs failed or were not pruned"
        )


def _is_prune(event: PublishEvent) -> bool:
    """A failed deletion (prune events carry no source)."""
    return event.action is Action.FAILED and event.source is None


def _changes(item: PlannedDashboard) -> tuple[list[str], str]:
    """Panel-level summary and unified diff, for dashboards that exist on both sides."""
    if item.action not in (Action.WOULD_UPDATE, Action.DRIFTED) or item.desired is None:
        return [], ""
    name = f"{item.built.uid}.json"
    return summarize(item.live, item.desired), unified_diff(item.live, item.desired, name)


def _print_plan_text(planned: PlanReport) -> None:
    print_notes(planned.warnings, planned.prune_refusals)
    for org, error in planned.org_errors.items():
        click.echo(f"org {org}: {error}", err=True)
    for item in planned.items:
        if item.action == Action.UNCHANGED:
            continue
        click.echo(f"{DIFF_STATUS[item.action]:<9} {item.org}/{item.built.uid}  {item.built.title}")
        if item.error:
            click.echo(f"          {item.error}")
        summary, text = _changes(item)
        for line in summary:
            click.echo(f"          - {line}")
        if text:
            click.echo(text)
    print_prune_plan_text(planned.prune)
    counted = Counter(DIFF_STATUS[item.action] for item in planned.items)
    counted.update(DIFF_PRUNE_STATUS[event.action] for event in planned.prune)
    click.echo(", ".join(f"{n} {status}" for status, n in sorted(counted.items())) or "nothing")


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
        }
        click.echo(json.dumps(record, sort_keys=True))
    for org, error in planned.org_errors.items():
        click.echo(json.dumps({"org": org, "status": "failed", "error": error}, sort_keys=True))
    print_prune_plan_json(planned)

"""``dashgen publish`` and ``dashgen diff``: build if stale, then publish (or plan) per org."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dashgen.build import BuiltDashboard
from dashgen.cli import quick_exit
from dashgen.cli.common import (
    CliContext,
    api_option,
    deadline_option,
    fresh_build,
    grafana_connection_options,
    output_option,
    parse_vars,
    pass_cli,
    publish_connection,
    var_option,
)
from dashgen.cli.interrupt import interruptible
from dashgen.cli.prune_text import prune_options, pruning_options
from dashgen.cli.publish_text import (
    event_printer,
    finish,
    is_prune_event,
    print_changes,
    print_json_event,
    print_plan_json,
    print_plan_text,
)
from dashgen.config import Config, load_config
from dashgen.errors import UsageError
from dashgen.publish import DEFAULT_CONCURRENCY, PruneOptions, plan
from dashgen.publish import publish as publish_dashboards

PROGRESS_BAR_THRESHOLD = 5


def skip_managed_option(func: Any) -> Any:
    return click.option(
        "--skip-managed",
        is_flag=True,
        help="A dashboard Git Sync manages (never written) is expected: it fails nothing.",
    )(func)


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
    help="Dashboards written at the same time (reads run 4x wider, at most 64).",
)
@pruning_options(with_yes=True)
@api_option
@deadline_option
@skip_managed_option
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
    prune: bool,
    prune_max: int | None,
    prune_keep_edited: bool,
    yes: bool,
    allow_missing_datasources: bool,
    skip_managed: bool,
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
    Before any write, every datasource a dashboard references must exist in the org
    (one GET /api/datasources per org); {"type": ..., "name": "..."} references are
    bound to that org's uid. A dashboard with a missing one is not written unless
    --allow-missing-datasources.

    \b
    --prune then deletes, per org, the dashboards this project (`project` in
    dashgen.toml) published and no longer builds, and the folders dashgen created
    that are left empty. A dashboard edited in Grafana since is kept and reported;
    dashboards dashgen did not write are never touched. Nothing is pruned in an org
    whose build is empty or whose publish failed, or beyond --prune-max deletions
    without --yes. --prune needs the whole build: not with --uid.

    \b
    Two publishers of one org: a publish with something to write or delete takes the
    org's publish lock (a folder uid dashgen-publish-lock that exists while it is
    held), so a second one waits, then leaves alone what the first wrote ("written by
    another publisher during this run", exit 1; "unchanged (published concurrently)"
    when it holds the same content). Writes are always based on the version that was
    read (--force too), so a lost race is never followed by an overwrite.

    --deadline (default 15m) bounds the whole run: once it passes no request starts, and each
    dashboard is reported written, not sent, or unknown (sent, no answer in time).

    Ctrl-C or SIGTERM stops it cleanly: no request starts, those in flight get 3 s, the
    lock is handed back, each dashboard is reported written, not sent or unknown; a
    second one stops at once.

    Exit codes: 0 every dashboard published, unchanged or pruned, 1 any failed,
    drifted, kept or unknown, a prune refused (or an org failed), 2 usage or configuration
    errors (also a token that cannot be sent or a malformed token store entry), 130/143
    interrupted by Ctrl-C/SIGTERM.
    `dashgen --help` lists every environment variable.
    """
    config = load_config(cli.project_root)
    orgs = _orgs(config, org_names, all_orgs)
    connection = publish_connection(
        config, grafana_url, ca_cert, insecure, allow_insecure_http, timeout_s
    )
    pruning = _pruning(config, uids, prune, prune_max, prune_keep_edited, yes)
    dashboards = _only(_fresh_build(config, orgs, parse_vars(var_items)), orgs, uids)
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
        skip_managed=skip_managed,
    )
    # From here on Ctrl-C and SIGTERM stop the publish cleanly (dashgen.cli.interrupt).
    with interruptible(connection.deadline) as interrupt:
        if show_bar:
            label = "Planning" if dry_run else "Publishing"
            with click.progressbar(length=going_out, label=label, file=sys.stderr) as bar:
                report = publish_dashboards(
                    config,
                    orgs,
                    on_event=lambda event: is_prune_event(event) or bar.update(1),
                    **options,
                )
            print_changes(report)
        else:
            kept_is_expected = bool(pruning and pruning.keep_edited)
            printer = (
                print_json_event
                if output_format == "json"
                else event_printer(kept_is_expected, skip_managed)
            )
            report = publish_dashboards(config, orgs, on_event=printer, **options)
        # Every org's session (its client, its threads) is closed, the build's workers
        # ended: skip the interpreter's teardown (~50 ms after a publish).
        quick_exit.allow()
        finish(report, output_format, interrupt)


@click.command()
@org_selection
@grafana_connection_options
@var_option
@output_option
@pruning_options(with_yes=False)
@api_option
@deadline_option
@skip_managed_option
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
    prune: bool,
    prune_max: int | None,
    prune_keep_edited: bool,
    allow_missing_datasources: bool,
    skip_managed: bool,
) -> None:
    """Show what publish would change, dashboard by dashboard (exit 1 when anything would).

    With --prune also what publish --prune would delete ("would delete"), and what it
    would keep because it was edited in Grafana. Datasources are checked as publish
    checks them: a dashboard publish would refuse is shown as failed (on /apis, with
    Grafana's dry run of each new or changed one, as publish --dry-run asks it).
    """
    cli: CliContext = ctx.find_object(CliContext)
    config = load_config(cli.project_root)
    orgs = _orgs(config, org_names, all_orgs)
    connection = publish_connection(
        config, grafana_url, ca_cert, insecure, allow_insecure_http, timeout_s
    )
    pruning = _pruning(config, uids, prune, prune_max, prune_keep_edited, yes=False)
    dashboards = _only(_fresh_build(config, orgs, parse_vars(var_items)), orgs, uids)
    with interruptible(connection.deadline) as interrupt:  # (reads only: nothing to hand back)
        planned = plan(
            config,
            orgs,
            connection=connection,
            dashboards=dashboards,
            prune=pruning,
            allow_missing_datasources=allow_missing_datasources,
            skip_managed=skip_managed,
        )
        if output_format == "json":
            print_plan_json(planned, interrupt.name)
        else:
            print_plan_text(planned)
    if interrupt.exit_code is not None:
        ctx.exit(interrupt.exit_code)
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


def _pruning(
    config: Config,
    uids: Sequence[str],
    prune: bool,
    prune_max: int | None,
    keep_edited: bool,
    yes: bool,
) -> PruneOptions | None:
    """The prune options; --prune with --uid is a usage error: every dashboard outside the
    selection would look like a removed source (and one renamed in the build would lose
    its old uid before its new one is published)."""
    pruning = prune_options(config, prune, prune_max, keep_edited, yes)
    if pruning is not None and uids:
        raise UsageError(
            "--prune needs the whole build of each org, so it cannot be combined with --uid "
            "(the dashboards outside the selection are not removed sources): publish those "
            "uids first, then run --prune without --uid"
        )
    return pruning


def _fresh_build(
    config: Config, orgs: Sequence[str], extra_vars: dict[str, str]
) -> list[BuiltDashboard]:
    return fresh_build(config, list(orgs), extra_vars)


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

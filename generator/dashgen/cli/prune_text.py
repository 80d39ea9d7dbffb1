"""The options and text ``publish`` and ``diff`` share for prune and the datasource check."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import click

from dashgen.cli.common import only_with
from dashgen.config import Config
from dashgen.errors import UsageError
from dashgen.publish import PlanReport, PruneOptions
from dashgen.publish.events import Action, PublishEvent
from dashgen.publish.prune_options import (
    DEFAULT_PRUNE_MAX,
    DEFAULT_PRUNE_SHARE,
    require_project,
)

F = TypeVar("F", bound=Callable[..., Any])

# diff's words for what --prune would do.
DIFF_PRUNE_STATUS = {
    Action.WOULD_DELETE: "would delete",
    Action.WOULD_DELETE_FOLDER: "would delete folder",
    Action.KEPT: "kept",
}


def pruning_options(*, with_yes: bool) -> Callable[[F], F]:
    """--prune, --prune-max, --prune-keep-edited (and for publish --yes), then
    --allow-missing-datasources."""
    share = int(DEFAULT_PRUNE_SHARE * 100)

    def decorate(func: F) -> F:
        decorators = [
            click.option(
                "--prune",
                is_flag=True,
                help="Also delete the dashboards this project published and no longer builds "
                "(and the folders dashgen created that are left empty). Needs `project` in "
                "dashgen.toml.",
            ),
            click.option(
                "--prune-max",
                type=click.IntRange(0),
                metavar="N",
                help=f"Refuse to prune more than N dashboards in an org (default: "
                f"{DEFAULT_PRUNE_MAX} or {share}% of the project's dashboards there, whichever "
                "is larger).",
            ),
            click.option(
                "--prune-keep-edited",
                is_flag=True,
                help="A removed dashboard that was edited in Grafana is kept without failing "
                "the run.",
            ),
        ]
        if with_yes:
            decorators.append(click.option("--yes", is_flag=True, help="Prune beyond --prune-max."))
        decorators.append(
            click.option(
                "--allow-missing-datasources",
                is_flag=True,
                help="Write dashboards that reference datasources the org does not have "
                "(reported as warnings).",
            )
        )
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return decorate


def prune_options(
    config: Config, prune: bool, prune_max: int | None, keep_edited: bool, yes: bool
) -> PruneOptions | None:
    if not prune:
        if prune_max is not None or keep_edited or yes:
            used = [
                name
                for name, given in (
                    ("--prune-max", prune_max is not None),
                    ("--prune-keep-edited", keep_edited),
                    ("--yes", yes),
                )
                if given
            ]
            raise UsageError(f"{only_with(used)} --prune")
        return None
    require_project(config)
    return PruneOptions(max_deletions=prune_max, yes=yes, keep_edited=keep_edited)


def print_notes(warnings: Iterable[str], refusals: Mapping[str, str]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for org, refusal in refusals.items():
        click.echo(f"org {org}: not pruned: {refusal}", err=True)


def print_prune_plan_text(events: Iterable[PublishEvent]) -> None:
    for event in events:
        status = DIFF_PRUNE_STATUS.get(event.action, event.action.value)
        click.echo(f"{status:<9} {event.org}/{event.uid}  {event.title}")
        if event.error:
            click.echo(f"          {event.error}")


def print_prune_plan_json(planned: PlanReport) -> None:
    for event in planned.prune:
        record = {
            "org": event.org,
            "uid": event.uid,
            "title": event.title,
            "status": event.action.value,
            "version_before": event.version_before,
            "error": event.error,
        }
        click.echo(json.dumps(record, sort_keys=True))
    for org, refusal in planned.prune_refusals.items():
        record = {"org": org, "status": "not-pruned", "error": refusal}
        click.echo(json.dumps(record, sort_keys=True))
    for warning in planned.warnings:
        click.echo(json.dumps({"status": "warning", "error": warning}, sort_keys=True))

"""``dashgen export``: the build as resource files for gcx or Git Sync (grafana-apis.md §8).

The caller builds first (the CLI does, as publish does) and passes the build's
dashboards. ``plan`` lays the files out per format (``layout_gcx``, ``layout_git_sync``;
envelopes in ``envelope``, folders in ``folders``), ``write`` owns the destination (its
marker, atomic writes, stale removal), ``check`` compares it with the plan.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dashgen.build import BuiltDashboard
from dashgen.config import Config
from dashgen.errors import UsageError
from dashgen.export.check import CheckReport, compare
from dashgen.export.plan import API_VERSIONS, FORMATS, ExportOptions, ExportPlan, plan_export
from dashgen.export.write import (
    MARKER,
    WriteReport,
    foreign_in_the_way,
    owned_files,
    write_files,
)

__all__ = [
    "API_VERSIONS",
    "DEFAULT_DESTINATIONS",
    "FORMATS",
    "MARKER",
    "CheckReport",
    "ExportOptions",
    "ExportPlan",
    "ExportReport",
    "check",
    "export",
    "shown_path",
]

# Default --to per format, relative to the project root: gcx's own default --path, so
# `gcx resources push` run in the project root finds the files; a folder for Git Sync's
# repository path.
DEFAULT_DESTINATIONS = {"gcx": "resources", "git-sync": "git-sync"}


@dataclass(frozen=True)
class ExportReport:
    plan: ExportPlan
    written: WriteReport


def export(
    config: Config,
    dashboards: Sequence[BuiltDashboard],
    orgs: Sequence[str],
    options: ExportOptions,
) -> ExportReport:
    """Write the export of ``dashboards`` (those of ``orgs``) into ``options.to``."""
    plan, owned = _prepare(config, dashboards, orgs, options)
    in_the_way = foreign_in_the_way(options.to, plan.files, owned)
    if in_the_way:
        shown = shown_path(config, options.to)
        listed = ", ".join(in_the_way[:3]) + (" ..." if len(in_the_way) > 3 else "")
        raise UsageError(
            f"--to {shown}: {listed} exist(s) but dashgen export did not write them (they "
            f"are not in {MARKER}); move them away, nothing was written"
        )
    return ExportReport(plan, write_files(options.to, plan.files, owned))


def check(
    config: Config,
    dashboards: Sequence[BuiltDashboard],
    orgs: Sequence[str],
    options: ExportOptions,
) -> CheckReport:
    """What differs between ``options.to`` and what ``export`` would write there."""
    plan, owned = _prepare(config, dashboards, orgs, options)
    return compare(options.to, plan.files, owned)


def _prepare(
    config: Config,
    dashboards: Sequence[BuiltDashboard],
    orgs: Sequence[str],
    options: ExportOptions,
) -> tuple[ExportPlan, set[str] | None]:
    if options.format not in FORMATS:
        raise UsageError(f"--format {options.format}: expected one of {', '.join(FORMATS)}")
    _check_destination(config, options.to)
    if not options.parents:
        options = with_config_folders(config, orgs, options)
    plan = plan_export(dashboards, orgs, options, project=config.project)
    return plan, owned_files(options.to, shown_path(config, options.to))


def with_config_folders(
    config: Config, orgs: Sequence[str], options: ExportOptions
) -> ExportOptions:
    """``options`` with the nesting and titles of the folders the config names per org."""
    trees = {org: config.org(org).folder_tree() for org in orgs}
    return dataclasses.replace(
        options,
        parents={org: {u: p for u, (_, p) in tree.items() if p} for org, tree in trees.items()},
        folder_titles={
            org: {u: t for u, (t, _) in tree.items() if t} for org, tree in trees.items()
        },
    )


def _check_destination(config: Config, to: Path) -> None:
    """The export must stay out of the sources (a build would read it: every dashboard
    twice) and out of the build's output folder (the build owns that)."""
    shown = shown_path(config, to)
    for folder, what, fix in (
        (config.sources_dir, "sources", "a build would read the export as sources"),
        (config.output_dir, "output", "the build owns that folder"),
    ):
        real, target = os.path.realpath(folder), os.path.realpath(to)
        if target == real or target.startswith(real + os.sep) or real.startswith(target + os.sep):
            raise UsageError(
                f"--to {shown} is, holds or sits inside the {what} folder "
                f"{shown_path(config, folder)} ({fix}): export somewhere else"
            )


def shown_path(config: Config, path: Path) -> str:
    """``path`` relative to the project root when inside it, else as it is."""
    try:
        return Path(path).resolve().relative_to(config.root).as_posix() or "."
    except ValueError:
        return str(path)

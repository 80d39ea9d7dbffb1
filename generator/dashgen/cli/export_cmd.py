"""``dashgen export``: build if stale, then write (or ``--check``) the gcx / Git Sync files."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from dashgen.build import BuiltDashboard
from dashgen.cli.common import CliContext, fresh_build, parse_vars, pass_cli, var_option
from dashgen.config import DEFAULT_ORG, Config, load_config
from dashgen.errors import UsageError
from dashgen.export import (
    API_VERSIONS,
    DEFAULT_DESTINATIONS,
    FORMATS,
    ExportOptions,
    check,
    export,
    shown_path,
)


@click.command("export")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(FORMATS),
    required=True,
    help="gcx: the files `gcx resources push` reads; git-sync: a Git Sync repository tree.",
)
@click.option("--org", "org", metavar="NAME", help="The org whose build to export.")
@click.option("--all-orgs", is_flag=True, help="Every declared org, each into <to>/<org>/.")
@click.option(
    "--to",
    "to",
    type=click.Path(path_type=Path),
    help="Folder to export into, relative to the project root. "
    "Default: resources (gcx's own default --path), git-sync (git-sync).",
)
@click.option(
    "--api-version",
    type=click.Choice(API_VERSIONS),
    default="v1",
    show_default=True,
    help="apiVersion of classic-model dashboards (v1beta1 for Grafana 12); schema v2 "
    "dashboards always keep their own. v2: every dashboard must be schema v2 (dashgen does "
    "not convert).",
)
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if stale.")
@var_option
@pass_cli
def export_command(
    cli: CliContext,
    export_format: str,
    org: str | None,
    all_orgs: bool,
    to: Path | None,
    api_version: str,
    check_only: bool,
    var_items: tuple[str, ...],
) -> None:
    """Write the build as resource files for gcx or Git Sync (building first if stale).

    \b
    gcx:      <to>/dashboards.<v>.dashboard.grafana.app/<uid>.json and
              <to>/folders.v1.folder.grafana.app/<uid>.json (the folder in the
              grafana.app/folder annotation), as `gcx resources pull` lays them out:
              `gcx resources push -p <to>`.
    git-sync: a directory per folder (named by its uid) with its _folder.json (uid,
              title), <uid>.json per dashboard, General's at the root.
    Each file is an envelope (apiVersion, kind, metadata.name = uid, annotations, spec =
    the built dashboard) with no namespace and no server-owned fields; bytes are
    deterministic. One org: its files go straight into <to>; --all-orgs puts each org
    in <to>/<org>/.

    \b
    The export owns <to>: it writes only into a new, empty or previously exported
    folder (marked by its .dashgen-export file, listing what it wrote), and removes only
    files it wrote that the build no longer has. --check writes nothing and exits 1
    listing the files that are missing, differ or are stale (for CI).

    Exit codes: 0 written (or up to date), 1 build errors or --check found
    differences, 2 usage errors (options, an unknown org, a folder it does not own).
    """
    config = load_config(cli.project_root)
    orgs, org_folders = _orgs(config, org, all_orgs)
    destination = to or Path(DEFAULT_DESTINATIONS[export_format])
    if not destination.is_absolute():
        destination = config.root / destination
    options = ExportOptions(
        format=export_format,
        to=destination,
        api_version=api_version,
        org_folders=org_folders,
    )
    nothing = "nothing was checked" if check_only else "nothing was exported"
    build_orgs = orgs if config.orgs else None
    dashboards = fresh_build(config, build_orgs, parse_vars(var_items), nothing=nothing)
    shown = shown_path(config, destination)
    if check_only:
        _check(config, dashboards, orgs, options, shown)
        return
    report = export(config, dashboards, orgs, options)
    for path in report.written.written:
        click.echo(f"written  {shown}/{path}")
    for path in report.written.removed:
        click.echo(f"removed  {shown}/{path}")
    plan = report.plan
    click.echo(
        f"exported {_count(plan.dashboards, 'dashboard')} and {_count(plan.folders, 'folder')} "
        f"of {', '.join(orgs)} ({export_format}) to {shown}/: "
        f"{len(report.written.written)} written, {len(report.written.unchanged)} unchanged, "
        f"{len(report.written.removed)} removed"
    )


def _check(
    config: Config,
    dashboards: list[BuiltDashboard],
    orgs: list[str],
    options: ExportOptions,
    shown: str,
) -> None:
    report = check(config, dashboards, orgs, options)
    if report.ok:
        click.echo(f"{shown}/ is up to date ({_count(report.same, 'file')})")
        return
    for what, path in report.lines():
        click.echo(f"{what:<8} {shown}/{path}")
    differing = len(report.missing) + len(report.differs) + len(report.stale)
    click.echo(
        f"{shown}/: {_count(differing, 'file')} not as dashgen export --format "
        f"{options.format} would write them; run it (without --check) and commit the result",
        err=True,
    )
    raise SystemExit(1)


def _orgs(config: Config, org: str | None, all_orgs: bool) -> tuple[list[str], bool]:
    """The orgs to export and whether each gets its own folder (as publish: --org or
    --all-orgs; with a single org, or none declared, --org may be left out)."""
    declared = list(config.orgs)
    if org and all_orgs:
        raise UsageError("use either --org NAME or --all-orgs, not both")
    if all_orgs:
        if not declared:
            raise UsageError("--all-orgs: the config declares no [orgs.<name>]; leave it out")
        return declared, True
    if org is not None:
        if org in declared or (org == DEFAULT_ORG and not declared):
            return [org], False
        if not declared:
            raise UsageError(
                f"--org {org}: the config declares no [orgs.<name>], so the build has only "
                f"{DEFAULT_ORG}; leave --org out"
            )
        close = difflib.get_close_matches(org, declared, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(
            f"--org {org}: not an org of this project{hint}; declared: {', '.join(declared)}"
        )
    if len(declared) > 1:
        raise UsageError(
            f"the config declares {len(declared)} orgs ({', '.join(declared)}): name one with "
            "--org NAME, or export all with --all-orgs (each into <to>/<org>/)"
        )
    return list(config.default_targets()), False


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


COMMANDS: list[click.Command] = [export_command]

"""``dashgen import`` and ``dashgen pull``: existing dashboards in, verified sources out."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from dashgen.adopt import (
    FORMATS,
    AdoptOptions,
    AdoptReport,
    Selection,
    import_files,
    pull,
)
from dashgen.adopt.messages import AdoptError
from dashgen.cli.common import (
    CliContext,
    api_option,
    deadline_option,
    grafana_connection_options,
    parse_vars,
    pass_cli,
    publish_connection,
)
from dashgen.cli.interrupt import interruptible
from dashgen.config import load_config
from dashgen.errors import DashgenError

F = TypeVar("F", bound=Callable[..., Any])


def adopt_options(func: F) -> F:
    decorators = [
        click.option(
            "--as",
            "output_format",
            type=click.Choice(FORMATS),
            default="json",
            show_default=True,
            help="Source kind to write: View JSON (*.json), a Jinja template (*.json.j2) or "
            "a Python module (*.dashboard.py, grafanalib where it fits).",
        ),
        click.option(
            "--to",
            "to",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder to write into, under the sources dir, relative to the project root "
            "(e.g. dashboards/team-a). Default: the sources dir (import), "
            "dashboards/<org>/ (pull).",
        ),
        click.option("--overwrite", is_flag=True, help="Replace sources that exist and differ."),
        click.option(
            "--inline-library-panels",
            is_flag=True,
            help="Copy library panels into the dashboard instead of keeping references.",
        ),
        click.option(
            "--upgrade-rows",
            is_flag=True,
            help="Convert legacy rows (schemaVersion < 16) into grid panels.",
        ),
        click.option(
            "--template-datasources",
            is_flag=True,
            help="With --as json: write datasource uids as variables (the file becomes a "
            "*.json.j2 template, as with --as jinja).",
        ),
        click.option(
            "--write-config",
            is_flag=True,
            help="Add the datasource variables (and pull's folders) to dashgen.toml instead "
            "of printing them; comments and layout are kept.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _options(cli: CliContext, to: Path | None, **values: Any) -> AdoptOptions:
    destination = None
    if to is not None:
        destination = to if to.is_absolute() else (cli.project_root / to)
    return AdoptOptions(to=destination, **values)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@adopt_options
@click.option(
    "--input",
    "input_items",
    multiple=True,
    metavar="NAME=VALUE",
    help="Value for a Share > Export input (DS_PROMETHEUS=<datasource uid>; repeatable), "
    "over [inputs] and [orgs.<org>.inputs].",
)
@click.option(
    "--org",
    "org",
    metavar="NAME",
    help="The org whose datasources these are: variables go to [orgs.NAME.vars] "
    "(default: the only org in the config, else [vars]).",
)
@pass_cli
def import_command(
    cli: CliContext,
    files: tuple[Path, ...],
    output_format: str,
    to: Path | None,
    overwrite: bool,
    inline_library_panels: bool,
    upgrade_rows: bool,
    template_datasources: bool,
    write_config: bool,
    input_items: tuple[str, ...],
    org: str | None,
) -> None:
    """Turn dashboard JSON files into sources, proven to build back to the same dashboard.

    \b
    Takes View JSON (Settings > JSON Model), the GET /api/dashboards/uid/:uid
    envelope, a Share > Export file (each __inputs entry needs a value: --input,
    [inputs] or [orgs.<org>.inputs]), or a resource file of gcx or Git Sync (JSON or
    YAML): v1 becomes a dashboard source (uid metadata.name, folder from the
    folder annotation or _folder.json), schema v2 stays a v2 resource. Folder files
    are skipped; single panels and other JSON are refused, saying what they are.
    Before writing, each new source is built through the real build and compared
    with the original; on any difference nothing is written for it and the first
    differing JSON path is named.

    \b
    Examples:
      dashgen import exported/node-exporter.json
      dashgen import grafana.com-1860.json --input DS_PROMETHEUS=prom-main \\
          --as python --to dashboards/node --write-config
      dashgen import resources/dashboards.v2.dashboard.grafana.app/*.yaml --org ops

    Exit codes: 0 all imported, 1 any refused, 2 usage or configuration errors.
    """
    config = load_config(cli.project_root)
    options = _options(
        cli,
        to,
        format=output_format,
        overwrite=overwrite,
        inline_library_panels=inline_library_panels,
        upgrade_rows=upgrade_rows,
        template_datasources=template_datasources,
        write_config=write_config,
        org=org,
        inputs=parse_vars(input_items, "--input", "NAME=VALUE"),
    )
    named = [file for file in files if _is_utf8(file)]
    report = import_files(config, named, options)
    report.refused.extend(_not_utf8(file) for file in files if not _is_utf8(file))
    _print_report(report, config.root)


def _is_utf8(path: Path) -> bool:
    try:
        str(path).encode()  # a name that is not UTF-8 holds surrogate escapes (PEP 383)
    except UnicodeEncodeError:
        return False
    return True


def _not_utf8(path: Path) -> AdoptError:
    """The source would take the file's name, which the build refuses (it cannot record it)."""
    shown = os.fsencode(path).decode("utf-8", "backslashreplace")
    return AdoptError(shown, "its path is not UTF-8 text (the escaped bytes): rename it first")


@click.command("pull")
@click.option("--org", "org", required=True, metavar="NAME", help="The org to read from.")
@click.option("--uid", "uids", multiple=True, metavar="UID", help="A dashboard (repeatable).")
@click.option(
    "--folder",
    "folder_uids",
    multiple=True,
    metavar="UID",
    help="Every dashboard directly in this folder (repeatable; 'general': General).",
)
@click.option("--all", "everything", is_flag=True, help="Every dashboard of the org.")
@adopt_options
@grafana_connection_options
@api_option
@deadline_option
@pass_cli
def pull_command(
    cli: CliContext,
    org: str,
    uids: tuple[str, ...],
    folder_uids: tuple[str, ...],
    everything: bool,
    output_format: str,
    to: Path | None,
    overwrite: bool,
    inline_library_panels: bool,
    upgrade_rows: bool,
    template_datasources: bool,
    write_config: bool,
    grafana_url: str | None,
    ca_cert: Path | None,
    insecure: bool,
    allow_insecure_http: bool,
    timeout_s: float | None,
) -> None:
    """Fetch an org's dashboards with its token and write them as verified sources.

    \b
    Reads with the org's own token (DASHGEN_TOKEN_<ORG> or the token store) after
    GET /api/org names the org. Writes into dashboards/<org>/ (or --to), one
    subdirectory per Grafana folder, mapped back to its folder in
    [orgs.<org>.folders]; never replaces a source that differs without --overwrite.
    Records each dashboard's version and content hash in dashgen.pulled.json (commit
    it): publish then updates a pulled dashboard without --force as long as nobody
    changed it in Grafana since the pull. A dashboard stored as schema v2 is read as
    stored through /apis and written as a v2 resource file (never converted; the
    classic API cannot return it: it is refused with a sentence).

    \b
    Examples:
      dashgen pull --org apiorg --all --write-config
      dashgen pull --org apiorg --folder platform --as jinja
      dashgen pull --org apiorg --uid node-overview --as python --overwrite

    Exit codes: 0 all pulled, 1 any refused or Grafana errors, 2 usage or
    configuration errors, 130/143 interrupted by Ctrl-C/SIGTERM (what was written stays).
    """
    config = load_config(cli.project_root)
    selection = Selection(uids=uids, folder_uids=folder_uids, everything=everything)
    selection.check()
    connection = publish_connection(
        config, grafana_url, ca_cert, insecure, allow_insecure_http, timeout_s
    )
    options = _options(
        cli,
        to,
        format=output_format,
        overwrite=overwrite,
        inline_library_panels=inline_library_panels,
        upgrade_rows=upgrade_rows,
        template_datasources=template_datasources,
        write_config=write_config,
    )
    # Ctrl-C/SIGTERM: no read starts any more; what was written stays (each file is
    # replaced atomically); exit 130/143 (dashgen.cli.interrupt).
    with interruptible(connection.deadline) as interrupt:
        try:
            report = pull(config, org, selection, options, connection=connection)
        except DashgenError as error:
            error.exit_code = interrupt.exit_code or error.exit_code
            raise
        _print_report(report, config.root, interrupt.exit_code)


COMMANDS: list[click.Command] = [import_command, pull_command]


def _print_report(report: AdoptReport, root: Path, interrupted: int | None = None) -> None:
    for adopted in report.adopted:
        title = f'  "{adopted.title}"' if adopted.title else ""
        uid = adopted.uid or "none (the build derives one from the file's path)"
        click.echo(f"{adopted.action:<10} {adopted.path}  uid {uid}{title}")
        for note in adopted.notes:
            click.echo(f"           note: {note}")
    for skipped in report.skipped:
        click.echo(f"skipped    {skipped}")
    for error in report.refused:
        click.echo(f"refused    {error.format_message()}", err=True)
    counts = {action: 0 for action in ("created", "updated", "unchanged")}
    for adopted in report.adopted:
        counts[adopted.action] += 1
    summary = ", ".join(f"{n} {action}" for action, n in counts.items() if n)
    click.echo(f"{summary or 'nothing written'}, {len(report.refused)} refused")
    if report.config_written is not None:
        click.echo(f"Updated {_shown(report.config_written, root)} (variables, folders, sources).")
    elif report.config_suggestion:
        click.echo("Add to the config (or re-run with --write-config):")
        click.echo("    " + report.config_suggestion.replace("\n", "\n    "))
    if report.pulled_file is not None:
        click.echo(f"Recorded what was pulled in {_shown(report.pulled_file, root)}: commit it.")
    if interrupted is not None or not report.ok:
        raise SystemExit(interrupted or 1)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)

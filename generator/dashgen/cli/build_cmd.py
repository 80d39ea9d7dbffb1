"""``dashgen build``: compile every source into build/<org>/<uid>.json."""

from __future__ import annotations

import dataclasses
import difflib
import json
from pathlib import Path

import click

from dashgen.build import BuildResult
from dashgen.build import build as run_build
from dashgen.cli import quick_exit
from dashgen.cli.common import CliContext, output_option, parse_vars, pass_cli, var_option
from dashgen.config import DEFAULT_ORG, PYPROJECT_FILE_NAME, Config, load_config


@click.command("build")
@click.option(
    "--org",
    "orgs",
    multiple=True,
    metavar="NAME",
    help="Build only this org (repeatable). Default: every org in the config. An org the "
    "config does not declare is built with every source and the global vars (a warning "
    "says so, naming a declared org of a close name).",
)
@var_option
@click.option(
    "--input",
    "input_items",
    multiple=True,
    metavar="NAME=VALUE",
    help="Value for a Share > Export input (an __inputs name such as DS_PROMETHEUS=<uid>; "
    "repeatable); overrides [inputs] and [orgs.<org>.inputs] in the config.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (nothing is written).")
@click.option(
    "--convert-legacy-rows/--no-convert-legacy-rows",
    "convert_legacy_rows",
    default=None,
    help="Flatten legacy `rows` (schemaVersion < 16) into grid panels as Grafana's v16 "
    "migration does. Default: [build] convert_legacy_rows in the config (off).",
)
@output_option
@pass_cli
def build(
    cli: CliContext,
    orgs: tuple[str, ...],
    var_items: tuple[str, ...],
    input_items: tuple[str, ...],
    strict: bool,
    convert_legacy_rows: bool | None,
    output_format: str,
) -> None:
    """Compile Python, Jinja2, View JSON and YAML sources into Grafana dashboard JSON.

    \b
    Sources (under dashboards/): *.py defining `dashboard` or `dashboards`,
    *.json.j2 templates (rendered once per org), *.json View JSON, and
    *.yaml/*.yml (resource files as gcx pulls them; one dashboard per document).
    Output: build/<org>/<uid>.json for each org in the config (build/_default/
    when none is declared) and build/manifest.json listing every dashboard.

    \b
    Incremental: only sources whose file, templates, imported project modules or
    config changed are compiled again; unchanged outputs are not rewritten.
    A build with errors leaves build/ untouched; a successful one removes outputs
    whose source is gone.

    \b
    Share > Export ("for sharing externally") files are converted as Grafana's
    import does when every __inputs entry has a value: [inputs] or
    [orgs.<org>.inputs] in the config, or --input NAME=VALUE (constants default
    to their own value). Otherwise they are refused, naming what is missing.

    \b
    Legacy `rows` (schemaVersion < 16) are left for Grafana to migrate unless
    --convert-legacy-rows (or [build] convert_legacy_rows = true) converts them.

    \b
    Python sources run in worker processes: one that calls os._exit(), is
    killed or runs longer than [build] source_timeout_s (default 60 seconds)
    is an error naming it (and its line, when known), and the rest of the
    build still reports its own problems.

    \b
    Exit codes: 0 success, 1 errors (or warnings with --strict),
    2 usage or configuration errors.
    """
    config = load_config(cli.project_root)
    for name in dict.fromkeys(orgs):
        note = undeclared_org_note(config, name)
        if note:
            click.echo(f"warning: {note}", err=True)
    if input_items:
        overrides = parse_vars(input_items, "--input", "NAME=VALUE")
        config = dataclasses.replace(config, input_overrides=overrides)
    result = run_build(
        config,
        orgs=orgs or None,
        extra_vars=parse_vars(var_items),
        strict=strict,
        convert_legacy_rows=convert_legacy_rows,
    )
    if output_format == "json":
        _print_json(result, config.root)
    else:
        _print_text(result, config)
    quick_exit.allow()  # the build's files are closed and its workers have ended
    if not result.ok:
        raise SystemExit(1)


def undeclared_org_note(config: Config, name: str) -> str | None:
    """One line for an ``--org`` the config does not declare (allowed: it builds every
    source with the global vars), naming a declared org of a close name; None if declared."""
    if name in config.orgs or (name == DEFAULT_ORG and not config.orgs):
        return None
    if config.config_file is None:
        where = "any config (there is no dashgen.toml)"
    elif config.config_file.name == PYPROJECT_FILE_NAME:
        where = "pyproject.toml [tool.dashgen]"
    else:
        where = config.config_file.name
    note = f"{name} is not declared in {where}: building every source with global vars"
    by_lower = {declared.lower(): declared for declared in config.orgs}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        note += f" (did you mean {by_lower[close[0]]}?)"
    return note


def _print_text(result: BuildResult, config: Config) -> None:
    for problem in result.problems:
        click.echo(problem.line_text())
    click.echo(summary_line(result, _shown_dir(config)))


def summary_line(result: BuildResult, output: str) -> str:
    """The last line of ``dashgen build``. A failed build wrote nothing, so it counts what
    failed and what the output folder still holds, never what was "rebuilt"."""
    checks = f"{_count(len(result.errors), 'error')}, {_count(len(result.warnings), 'warning')}"
    took = f"in {result.duration_s:.2f}s"
    if result.ok:
        built = _count(len(result.dashboards), "dashboard")
        return f"{built}, {len(result.rebuilt)} rebuilt, {checks} {took}"
    kept = len(result.dashboards)
    held = (
        f"it still holds the {_count(kept, 'dashboard')} of the last successful build"
        if kept
        else "it holds no dashboards yet"
    )
    return f"build failed: {checks} {took}; nothing written ({output} left unchanged: {held})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _shown_dir(config: Config) -> str:
    try:
        return config.output_dir.relative_to(config.root).as_posix() + "/"
    except ValueError:
        return config.output_dir.as_posix() + "/"


def _print_json(result: BuildResult, root: Path) -> None:
    # On failure build/ was left as it was: nothing listed there was rebuilt.
    rebuilt = {(d.org, d.uid) for d in result.rebuilt} if result.ok else set()
    lines: list[str] = []  # echoed at once: one write (and flush) instead of one per line
    for dashboard in result.dashboards:
        event = {
            "event": "dashboard",
            "org": dashboard.org,
            "uid": dashboard.uid,
            "title": dashboard.title,
            "source": dashboard.source.as_posix(),
            "path": str(dashboard.path),
            "rebuilt": (dashboard.org, dashboard.uid) in rebuilt,
            "content_hash": dashboard.content_hash,
        }
        lines.append(json.dumps(event, ensure_ascii=False))
    for problem in result.problems:
        event = {
            "event": "problem",
            "severity": problem.severity,
            "path": problem.path.as_posix() if problem.path else None,
            "line": problem.line,
            "message": problem.message,
        }
        lines.append(json.dumps(event, ensure_ascii=False))
    summary = {
        "event": "summary",
        "ok": result.ok,
        "dashboards": len(result.dashboards),
        # A failed build wrote nothing: nothing was rebuilt, whatever was compiled.
        "rebuilt": len(result.rebuilt) if result.ok else 0,
        "compiled": len(result.rebuilt),
        "removed": [str(p) for p in result.removed],
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "duration_s": round(result.duration_s, 4),
        "root": str(root),
    }
    lines.append(json.dumps(summary))
    click.echo("\n".join(lines))


COMMANDS: list[click.Command] = [build]

"""The click layer: commands parse options, call one library function, print.

Each command group lives in its own module; this one only wires them together.
"""

from __future__ import annotations

from pathlib import Path

import click

from dashgen import __version__
from dashgen.cli import build_cmd, org_cmd, publish_cmd, watch_cmd
from dashgen.cli.common import CliContext


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dashgen")
@click.option(
    "-C",
    "--project",
    "project_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project root (where dashgen.toml or pyproject.toml lives).",
)
@click.pass_context
def main(ctx: click.Context, project_root: Path) -> None:
    """Build Grafana dashboards from code and publish them per organization."""
    ctx.obj = CliContext(project_root=project_root)


for command in (
    *build_cmd.COMMANDS,
    *publish_cmd.COMMANDS,
    *org_cmd.COMMANDS,
    *watch_cmd.COMMANDS,
):
    main.add_command(command)

"""The click layer: commands parse options, call one library function, print.

Each command group lives in its own module; this one only wires them together.
Command modules are imported only when their command runs, so ``dashgen build``
does not pay for importing the HTTP stack.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from dashgen import __version__
from dashgen.cli.common import CliContext

# command name -> the module (in dashgen.cli) whose COMMANDS list defines it
COMMAND_MODULES: dict[str, str] = {
    "build": "build_cmd",
    "diff": "publish_cmd",
    "publish": "publish_cmd",
    "org": "org_cmd",
    "token": "org_cmd",
    "bootstrap": "org_cmd",
    "watch": "watch_cmd",
    "preview": "preview_cmd",
    "import": "import_cmd",
    "pull": "import_cmd",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"dashgen.cli.{module_name}")
        return next((c for c in module.COMMANDS if c.name == cmd_name), None)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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

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
from dashgen.cli.common import CliContext, verbose_option
from dashgen.cli.output import file_system_error, internal_error, redacted_output
from dashgen.dataclass_code import compiled_once

# command name -> the module (in dashgen.cli) whose COMMANDS list defines it
COMMAND_MODULES: dict[str, str] = {
    "build": "build_cmd",
    "diff": "publish_cmd",
    "export": "export_cmd",
    "publish": "publish_cmd",
    "org": "org_cmd",
    "token": "org_cmd",
    "bootstrap": "org_cmd",
    "watch": "watch_cmd",
    "preview": "preview_cmd",
    "import": "import_cmd",
    "pull": "import_cmd",
}

# What `dashgen --help` lists for each command: the first paragraph of its help, kept here
# so that listing the commands imports none of them (tests/test_startup.py checks they agree).
COMMAND_SUMMARIES: dict[str, str] = {
    "bootstrap": "Create org NAME, mint and store its token, and check the token works.",
    "build": "Compile Python, Jinja2, View JSON and YAML sources into Grafana dashboard JSON.",
    "diff": "Show what publish would change, dashboard by dashboard (exit 1 when anything would).",
    "export": "Write the build as resource files for gcx or Git Sync (building first if stale).",
    "import": "Turn dashboard JSON files into sources, proven to build back to the same dashboard.",
    "org": "Grafana organizations (server-admin bootstrap) and the orgs in the token store.",
    "preview": (
        "Show every built dashboard's layout in a browser, live while editing, until Ctrl-C."
    ),
    "publish": "Publish the build of each org (building first if stale): only what changed.",
    "pull": "Fetch an org's dashboards with its token and write them as verified sources.",
    "token": "Per-org tokens in the token store.",
    "watch": "Rebuild what each saved file affects, until Ctrl-C.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        with compiled_once():
            module = importlib.import_module(f"dashgen.cli.{module_name}")
        return next((c for c in module.COMMANDS if c.name == cmd_name), None)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click lists them, from ``COMMAND_SUMMARIES``: no command module is imported."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, click.Command(name, help=COMMAND_SUMMARIES[name]).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        # Every line printed goes through secrets.redact; a bug is one redacted line.
        ctx.with_resource(redacted_output())
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as error:
            # The machine said no (a loop of links, a full disk, a folder where a file
            # goes ...) somewhere no one expected: that sentence, naming the path, exit 1.
            raise file_system_error(error) from None
        except Exception as error:
            raise internal_error(error) from None


ENVIRONMENT_HELP = """\b
Environment variables:
  GRAFANA_URL             Grafana base URL (like --grafana-url)
  DASHGEN_TOKEN_<ORG>     the token of org <ORG> (upper-cased, other characters _),
                          e.g. DASHGEN_TOKEN_APIORG; wins over the token store
  DASHGEN_TOKEN_STORE     token store file (default
                          $XDG_CONFIG_HOME/dashgen/tokens.json)
  XDG_CONFIG_HOME, HOME   where the default token store lives (~/.config)
  GRAFANA_ADMIN_USER      server admin for org/token/bootstrap (default admin)
  GRAFANA_ADMIN_PASSWORD  that admin's password (else asked on a terminal)
  DASHGEN_LOG             log level: debug (like -v), info, warning, error
  DASHGEN_API             dashboard API: auto, classic or k8s (like --api)
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                          proxies for requests to Grafana (as curl reads them)
  SSL_CERT_FILE, SSL_CERT_DIR
                          CA certificates to trust (like --ca-cert)
  DASHGEN_TEST_FAULT      a test seam (tests only): pauses or fails a build's commit,
                          lengthens an interrupted publish's grace
"""


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=ENVIRONMENT_HELP,
)
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
@verbose_option
@click.pass_context
def main(ctx: click.Context, project_root: Path) -> None:
    """Build Grafana dashboards from code and publish them per organization.

    Every problem is reported in one sentence naming the file (and line) or the
    setting to fix; exit 0 on success, 1 for errors, 2 for usage or configuration
    errors. A failed build leaves build/ as it was. No token or password is ever
    printed or logged.
    """
    ctx.obj = CliContext(project_root=project_root)

"""`dashgen preview`: serve the built dashboards' layout locally and rebuild on every save."""

from __future__ import annotations

import click

from dashgen.cli.common import CliContext, parse_vars, pass_cli, var_option
from dashgen.cli.live import serve_preview, server_options
from dashgen.config import load_config


@click.command("preview")
@click.option("--org", "org", metavar="NAME", help="Build and show only this org.")
@var_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--poll",
    is_flag=True,
    help="Poll instead of file-system events (network or container mounts).",
)
@server_options()
@pass_cli
def preview_command(
    cli: CliContext,
    org: str | None,
    var_items: tuple[str, ...],
    strict: bool,
    poll: bool,
    port: int,
    host: str,
    open_browser: bool,
    grafana_url: str | None,
) -> None:
    """Show every built dashboard's layout in a browser, live while editing, until Ctrl-C.

    Builds (incrementally), serves http://127.0.0.1:8765/ and rebuilds on every save as
    `dashgen watch` does (the same loop; `dashgen watch --preview` is this command). Open
    pages update by themselves. The index lists each dashboard (title, uid, org, folder,
    tags, panels, build warnings); a dashboard page draws its panels on Grafana's
    24-column grid at their gridPos, rows as bands (collapsed ones expandable), marks
    repeated panels and highlights overlapping panels and panels outside the grid. A
    broken save shows its problems on the page and keeps the last good layout. No Grafana
    is needed and nothing is fetched from the internet.

    \b
    Examples:
      dashgen preview --open
      dashgen preview --org apiorg --port 0
    """
    config = load_config(cli.project_root)
    serve_preview(
        config,
        port=port,
        host=host,
        open_browser=open_browser,
        grafana_url=grafana_url,
        orgs=(org,) if org else None,
        extra_vars=parse_vars(var_items),
        strict=strict,
        force_polling=True if poll else None,
    )


COMMANDS: list[click.Command] = [preview_command]

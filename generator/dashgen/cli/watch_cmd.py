"""`dashgen watch`: rebuild on every save, optionally republish to a dev Grafana and serve
the preview (`--preview`)."""

from __future__ import annotations

import threading
from contextlib import nullcontext
from pathlib import Path

import click

from dashgen.cli.common import (
    CliContext,
    api_option,
    grafana_connection_options,
    only_with,
    parse_vars,
    publish_connection,
    var_option,
)
from dashgen.cli.live import (
    PREVIEW_SERVER_OPTIONS,
    print_status,
    serve_preview,
    server_options,
    stop_on_interrupt,
)
from dashgen.config import load_config
from dashgen.errors import UsageError
from dashgen.publish.session import OrgSession
from dashgen.watch import watch as run_watch
from dashgen.watch.changes import AUTHORING_TIMING, Timing

_PUBLISH_OPTIONS = (
    ("allow_missing_datasources", "--allow-missing-datasources"),
    ("grafana_url", "--grafana-url"),
    ("ca_cert", "--ca-cert"),
    ("insecure", "--insecure"),
    ("allow_insecure_http", "--allow-insecure-http"),
    ("timeout_s", "--timeout"),
)


@click.command()
@click.option("--org", "org", metavar="NAME", help="Build (and publish) only this org.")
@click.option(
    "--publish",
    "publish",
    is_flag=True,
    help="After each good rebuild, publish the rebuilt dashboards of --org to Grafana.",
)
@var_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--debounce-ms",
    type=click.IntRange(min=1),
    default=AUTHORING_TIMING.debounce_ms,
    show_default=True,
    help="Longest time to keep gathering a burst of changes before building.",
)
@click.option(
    "--step-ms",
    type=click.IntRange(min=1),
    default=AUTHORING_TIMING.step_ms,
    show_default=True,
    help="Build once no new change arrived for this long.",
)
@click.option(
    "--poll",
    is_flag=True,
    help="Poll instead of file-system events (network or container mounts).",
)
@click.option(
    "--allow-missing-datasources",
    is_flag=True,
    help="With --publish: write dashboards that reference datasources the org does not have.",
)
@click.option(
    "--preview",
    "with_preview",
    is_flag=True,
    help="Also serve the preview of the built dashboards (as `dashgen preview` does).",
)
@server_options(grafana_url=False)
@grafana_connection_options
@api_option
@click.pass_context
def watch(
    ctx: click.Context,
    org: str | None,
    publish: bool,
    var_items: tuple[str, ...],
    strict: bool,
    debounce_ms: int,
    step_ms: int,
    poll: bool,
    allow_missing_datasources: bool,
    with_preview: bool,
    port: int,
    host: str,
    open_browser: bool,
    grafana_url: str | None,
    ca_cert: Path | None,
    insecure: bool,
    allow_insecure_http: bool,
    timeout_s: float | None,
) -> None:
    """Rebuild what each saved file affects, until Ctrl-C.

    Watches the sources, templates and the project config (never the output folder). A
    change to a source rebuilds that dashboard; to a template or helper module, the
    dashboards that use it; to the config, everything. A broken save prints the problem
    and keeps the last good output. With --publish --org NAME, each good rebuild is
    published (only the dashboards it rebuilt) and their Grafana URLs are printed. With
    --preview, the pages of `dashgen preview` are served too (--port, --host, --open).
    """
    cli = ctx.find_object(CliContext)
    config = load_config(cli.project_root)
    if publish and not org:
        raise UsageError("--publish needs --org NAME: the org to publish to")
    given = [
        f"--{name.replace('open_browser', 'open')}"
        for name in PREVIEW_SERVER_OPTIONS
        if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT
    ]
    if given and not with_preview:
        raise UsageError(f"{only_with(given)} --preview")
    # what only a publish uses (-v shows its requests too: nothing else sends any)
    unused = [
        option
        for name, option in _PUBLISH_OPTIONS
        if name in ctx.params
        and ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT
    ]
    if unused and not publish:
        raise UsageError(
            f"{only_with(unused)} --publish (watch sends nothing to Grafana without it)"
        )
    publisher = None
    if publish and org:
        connection = publish_connection(
            config, grafana_url, ca_cert, insecure, allow_insecure_http, timeout_s
        )
        publisher = OrgSession(
            config,
            org,
            connection=connection,
            allow_missing_datasources=allow_missing_datasources,
        )
    options = {
        "orgs": (org,) if org else None,
        "extra_vars": parse_vars(var_items),
        "strict": strict,
        "publisher": publisher,
        "timing": Timing(debounce_ms=debounce_ms, step_ms=step_ms),
        "force_polling": True if poll else None,
    }
    with publisher or nullcontext():
        if with_preview:
            serve_preview(
                config,
                port=port,
                host=host,
                open_browser=open_browser,
                grafana_url=grafana_url,
                **options,
            )
            return
        stop = threading.Event()
        try:
            with stop_on_interrupt(stop):
                run_watch(config, stop_event=stop, on_status=print_status, **options)
        except KeyboardInterrupt:  # a second Ctrl-C, or one that reached build worker processes
            pass
        click.echo("stopped")


COMMANDS: list[click.Command] = [watch]

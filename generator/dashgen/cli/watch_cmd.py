"""`dashgen watch`: rebuild on every save, optionally republish to a dev Grafana."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import FrameType

import click

from dashgen.cli.common import (
    CliContext,
    grafana_connection_options,
    parse_vars,
    pass_cli,
    publish_connection,
    var_option,
)
from dashgen.cli.watch_text import format_status
from dashgen.config import load_config
from dashgen.errors import UsageError
from dashgen.publish.session import OrgSession
from dashgen.watch import watch as run_watch
from dashgen.watch.changes import AUTHORING_TIMING, Timing
from dashgen.watch.status import StatusKind, WatchStatus

_TO_STDERR = frozenset({StatusKind.FAILED, StatusKind.CONFIG_ERROR, StatusKind.PUBLISH_FAILED})


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
@grafana_connection_options
@pass_cli
def watch(
    cli: CliContext,
    org: str | None,
    publish: bool,
    var_items: tuple[str, ...],
    strict: bool,
    debounce_ms: int,
    step_ms: int,
    poll: bool,
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
    published (only the dashboards it rebuilt) and their Grafana URLs are printed.
    """
    config = load_config(cli.project_root)
    if publish and not org:
        raise UsageError("--publish needs --org NAME: the org to publish to")
    publisher = None
    if publish and org:
        connection = publish_connection(
            config, grafana_url, ca_cert, insecure, allow_insecure_http, timeout_s
        )
        publisher = OrgSession(config, org, connection=connection)
    stop = threading.Event()
    try:
        with _stop_on_interrupt(stop), publisher or nullcontext():
            run_watch(
                config,
                stop_event=stop,
                on_status=_print_status,
                orgs=(org,) if org else None,
                extra_vars=parse_vars(var_items),
                strict=strict,
                publisher=publisher,
                timing=Timing(debounce_ms=debounce_ms, step_ms=step_ms),
                force_polling=True if poll else None,
            )
    except KeyboardInterrupt:  # a second Ctrl-C, or one that reached build worker processes
        pass
    click.echo("stopped")


def _print_status(status: WatchStatus) -> None:
    for line in format_status(status):
        click.echo(line, err=status.kind in _TO_STDERR)


@contextmanager
def _stop_on_interrupt(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C (or SIGTERM) ends the loop after the current build; a second one
    interrupts the build itself (builds are atomic, so the output stays consistent)."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


COMMANDS: list[click.Command] = [watch]

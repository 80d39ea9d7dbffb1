"""What `watch` and `preview` share: status printing, Ctrl-C handling, the preview server."""

from __future__ import annotations

import signal
import threading
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

import click

from dashgen.cli.watch_text import format_status
from dashgen.config import Config
from dashgen.preview import DEFAULT_HOST, DEFAULT_PORT, is_loopback, preview
from dashgen.watch.status import StatusKind, WatchStatus

F = TypeVar("F", bound=Callable[..., Any])

_TO_STDERR = frozenset({StatusKind.FAILED, StatusKind.CONFIG_ERROR, StatusKind.PUBLISH_FAILED})
PREVIEW_SERVER_OPTIONS = ("port", "host", "open_browser")


def print_status(status: WatchStatus) -> None:
    for line in format_status(status):
        click.echo(line, err=status.kind in _TO_STDERR)


@contextmanager
def stop_on_interrupt(stop: threading.Event) -> Iterator[None]:
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


def server_options(*, grafana_url: bool = True) -> Callable[[F], F]:
    """--port, --host, --open (and --grafana-url for the links) of the preview server."""
    decorators = [
        click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=DEFAULT_PORT,
            show_default=True,
            help="Port of the preview server (0: any free port).",
        ),
        click.option(
            "--host",
            default=DEFAULT_HOST,
            show_default=True,
            help="Address the preview listens on; anything but loopback shows the dashboards "
            "to the network.",
        ),
        click.option(
            "--open", "open_browser", is_flag=True, help="Open the preview in a web browser."
        ),
    ]
    if grafana_url:
        decorators.append(
            click.option(
                "--grafana-url",
                envvar="GRAFANA_URL",
                help="Grafana base URL for the pages' 'open in Grafana' links (env GRAFANA_URL; "
                "default: grafana_url in the config). Nothing is sent to it.",
            )
        )

    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def serve_preview(
    config: Config,
    *,
    port: int,
    host: str,
    open_browser: bool,
    grafana_url: str | None,
    **watch_options: Any,
) -> None:
    """Serve the preview and rebuild on every save until Ctrl-C, printing what `dashgen
    watch` prints; `watch_options` go to `dashgen.watch.watch` (publisher, timing, ...)."""
    if not is_loopback(host):
        click.echo(
            f"Warning: the preview listens on {host}: anyone who can reach this machine can "
            "see the dashboards.",
            err=True,
        )

    def ready(url: str) -> None:
        click.echo(f"preview at {url} (Ctrl-C to stop)")
        if open_browser and not webbrowser.open(url):
            click.echo("Warning: no web browser could be started; open the URL yourself.", err=True)

    stop = threading.Event()
    try:
        with stop_on_interrupt(stop):
            preview(
                config,
                stop_event=stop,
                on_status=print_status,
                on_ready=ready,
                host=host,
                port=port,
                grafana_url=grafana_url or config.grafana_url,
                **watch_options,
            )
    except KeyboardInterrupt:  # a second Ctrl-C, or one that reached build worker processes
        pass
    click.echo("stopped")

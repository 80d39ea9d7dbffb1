"""``dashgen preview``: the built dashboards' layout in a browser, live while editing.

One function, ``preview()``: it serves the pages (``preview.server``) and runs the very
loop of ``dashgen watch`` (``dashgen.watch.watch``), whose statuses feed both the caller
(the CLI prints them as ``watch`` does) and the pages (``preview.state``), which the
server pushes to every open page as a server-sent event. ``dashgen watch --preview`` is
the same call. No Grafana is involved: the pages are drawn from ``build/`` alone with the
HTML, CSS and JavaScript shipped in ``preview/static/``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dashgen.build import read_manifest
from dashgen.config import Config
from dashgen.errors import BuildError
from dashgen.preview.server import PreviewServer, is_loopback
from dashgen.preview.state import PreviewState
from dashgen.publish.session import OrgSession
from dashgen.secrets import strip_credentials
from dashgen.watch import watch
from dashgen.watch.changes import AUTHORING_TIMING, Timing
from dashgen.watch.status import WatchStatus

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "PreviewServer",
    "PreviewState",
    "is_loopback",
    "preview",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def preview(
    config: Config,
    *,
    stop_event: threading.Event,
    on_status: Callable[[WatchStatus], None],
    on_ready: Callable[[str], None] = lambda url: None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    grafana_url: str | None = None,
    orgs: Sequence[str] | None = None,
    extra_vars: Mapping[str, Any] | None = None,
    strict: bool = False,
    publisher: OrgSession | None = None,
    timing: Timing = AUTHORING_TIMING,
    force_polling: bool | None = None,
) -> None:
    """Serve the preview on ``host:port`` and rebuild on every save until ``stop_event``.

    ``on_ready(url)`` runs once the server listens, before the first build; until that
    build ends the pages show what ``build/`` already holds. Raises ``DashgenError`` when
    the address cannot be bound."""
    state = PreviewState(grafana_url=grafana_link(grafana_url))
    state.start_from(_current_outputs(config, orgs))

    def report(status: WatchStatus) -> None:
        state.on_status(status)
        on_status(status)

    with PreviewServer(state, host=host, port=port) as server:
        on_ready(server.url)
        watch(
            config,
            stop_event=stop_event,
            on_status=report,
            orgs=orgs,
            extra_vars=extra_vars,
            strict=strict,
            publisher=publisher,
            timing=timing,
            force_polling=force_polling,
        )


def grafana_link(url: str | None) -> str | None:
    """The base for "open in Grafana" links: http(s) only, without embedded credentials."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    return strip_credentials(url)[0].rstrip("/")


def _current_outputs(config: Config, orgs: Sequence[str] | None) -> list[Any]:
    try:
        dashboards = read_manifest(config.output_dir)
    except BuildError:
        return []  # unreadable: the first build rewrites it
    wanted = set(orgs or config.default_targets())
    return [d for d in dashboards if d.org in wanted]

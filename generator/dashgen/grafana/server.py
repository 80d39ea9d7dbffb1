"""What a Grafana says about itself: its version and the settings that change what it stores.

One request, ``GET /api/frontend/settings`` (any signed-in identity, an org token
included; grafana-api.md §14.12): ``buildInfo.version`` is the version (the same as
``/api/health`` reports, and still there when ``/api/health`` hides it), and
``minRefreshInterval`` is the server's ``min_refresh_interval``, which a save applies to
every dashboard's ``refresh`` (§14.1). Nothing here is required to publish: when the
answer is missing or odd, both are None and the caller assumes defaults.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from dashgen.errors import DashgenError
from dashgen.grafana.client import GrafanaClient

logger = logging.getLogger(__name__)

SETTINGS_PATH = "/api/frontend/settings"


@dataclass(frozen=True)
class ServerInfo:
    """``version``: e.g. "12.0.0"; ``min_refresh_interval``: e.g. "5s". None: not said."""

    version: str | None = None
    min_refresh_interval: str | None = None


def read_server_info(client: GrafanaClient) -> ServerInfo:
    """One ``GET /api/frontend/settings``; never raises (an unknown answer is ``ServerInfo()``)."""
    try:
        settings = client.get(SETTINGS_PATH)
    except DashgenError as error:
        logger.info("Grafana at %s did not give its settings: %s", client.display_url, error)
        return ServerInfo()
    if not isinstance(settings, dict):
        logger.info(
            "Grafana at %s answered %s with something else than JSON settings",
            client.display_url,
            SETTINGS_PATH,
        )
        return ServerInfo()
    info = ServerInfo(
        version=_text(_field(settings.get("buildInfo"), "version")),
        min_refresh_interval=_text(settings.get("minRefreshInterval"), allow_empty=True),
    )
    logger.info("Grafana %s at %s", info.version or "(version not given)", client.display_url)
    return info


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _text(value: Any, *, allow_empty: bool = False) -> str | None:
    if isinstance(value, str) and (value or allow_empty):
        return value
    return None

"""grafana-client (PyPI ``grafana-client``, module ``grafana_client``) against a real HTTP
emulator, for the third-party client tests (imported by name: keep it unique).

The client is used unchanged: ``GrafanaApi.from_url`` with the admin's basic auth (in the
URL, as its docs show) or a token the emulator minted; its exceptions carry the status and
the decoded body Grafana (here the emulator) answered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaException

from dashgen.testing import Emulator, EmulatorServer

# ``clients(version, **options)`` (the conftest fixture): an admin ``GrafanaApi`` on a fresh
# server, and that server's emulator.
Clients = Callable[..., tuple[GrafanaApi, Emulator]]


# Clients made by ``as_user`` and ``with_token``; the ``clients`` fixture closes them.
OPENED: list[GrafanaApi] = []


def admin_url(server: EmulatorServer) -> str:
    return server.url.replace("http://", "http://admin:admin@", 1)


def base_url(api: GrafanaApi) -> str:
    """The server ``api`` talks to, without credentials."""
    return f"{api.client.url_protocol}://{api.client.url_host}:{api.client.url_port}"


def as_user(api: GrafanaApi, login: str, password: str) -> GrafanaApi:
    """Another client on ``api``'s server, signed in with basic auth."""
    OPENED.append(GrafanaApi.from_url(base_url(api), credential=(login, password)))
    return OPENED[-1]


def with_token(api: GrafanaApi, token: str) -> GrafanaApi:
    """Another client on ``api``'s server, with a service-account token or API key."""
    OPENED.append(GrafanaApi.from_url(base_url(api), credential=token))
    return OPENED[-1]


def failure(call: Callable[[], Any]) -> GrafanaException:
    """The exception the client raises for ``call`` (the test fails when it succeeds)."""
    with pytest.raises(GrafanaException) as raised:
        call()
    return raised.value

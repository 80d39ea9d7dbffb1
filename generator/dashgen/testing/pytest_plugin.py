"""pytest fixtures for the Grafana emulator.

Enable with ``pytest_plugins = ["dashgen.testing.pytest_plugin"]``. Fixtures:

- ``emulator``: a fresh in-process ``Emulator`` (12.0); use ``emulator.transport()``.
- ``grafana_server``: an ``EmulatorServer`` (12.0) on a free 127.0.0.1 port.
- ``make_grafana_server(version=..., latency_ms=..., ...)``: start more servers; all
  are stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dashgen.testing.app import Emulator
from dashgen.testing.server import EmulatorServer

MakeServer = Callable[..., EmulatorServer]


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def make_grafana_server() -> Iterator[MakeServer]:
    started: list[EmulatorServer] = []

    def make(version: str = "12.0", latency_ms: float = 0, **options: Any) -> EmulatorServer:
        server = EmulatorServer(Emulator(version=version, latency_ms=latency_ms, **options))
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def grafana_server(make_grafana_server: MakeServer) -> EmulatorServer:
    return make_grafana_server()

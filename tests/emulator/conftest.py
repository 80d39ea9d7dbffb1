"""Conformance fixtures: every test talks real HTTP to an EmulatorServer on 127.0.0.1."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from apis_helpers import K8s
from emulator_api import Api, MakeApi
from grafana_client import GrafanaApi
from third_party_support import OPENED, Clients, admin_url

from dashgen.testing import Emulator, EmulatorServer


@pytest.fixture
def make_api(make_grafana_server: Callable[..., EmulatorServer]) -> Iterator[MakeApi]:
    made: list[Api] = []

    def make(version: str = "12.0", **options: Any) -> Api:
        api = Api(make_grafana_server(version=version, **options))
        made.append(api)
        return api

    yield make
    for api in made:
        api.http.close()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api("12.0")


@pytest.fixture
def api112(make_api: MakeApi) -> Api:
    return make_api("11.2")


@pytest.fixture
def api13(make_api: MakeApi) -> Api:
    return make_api("13.0")


@pytest.fixture(params=["12.0", "13.0"])
def k8s(request: pytest.FixtureRequest, make_api: MakeApi) -> K8s:
    """The /apis of an emulator in each mode that serves it (12.0, 13.0)."""
    return K8s(make_api(request.param))


@pytest.fixture
def k8s13(make_api: MakeApi) -> K8s:
    return K8s(make_api("13.0"))


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """``python -m dashgen.testing --port 0 ARGS`` in its own process; ``serve(...)`` gives the
    URL it prints. At teardown each is stopped with its ``stop`` signal and must exit 0 having
    written nothing to stderr."""
    running: list[tuple[subprocess.Popen[str], signal.Signals]] = []

    def start(*args: str, stop: signal.Signals = signal.SIGTERM) -> str:
        process = subprocess.Popen(
            [sys.executable, "-m", "dashgen.testing", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        running.append((process, stop))
        assert process.stdout is not None
        return process.stdout.readline().strip()

    yield start
    for process, stop in running:
        process.send_signal(stop)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None and process.stderr.read() == ""


@pytest.fixture
def clients(make_grafana_server: Callable[..., EmulatorServer]) -> Iterator[Clients]:
    """``clients(version)``: an admin ``GrafanaApi`` on a fresh server and its emulator;
    every client's session is closed at teardown."""
    made: list[GrafanaApi] = []

    def make(version: str = "12.0", **options: Any) -> tuple[GrafanaApi, Emulator]:
        server = make_grafana_server(version=version, **options)
        api = GrafanaApi.from_url(admin_url(server))
        made.append(api)
        return api, server.emulator

    yield make
    for api in [*made, *OPENED]:
        api.client.s.close()
    OPENED.clear()

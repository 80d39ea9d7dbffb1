"""Fixtures for publish/diff tests: a seeded emulator, per-org tokens and built dashboards."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from publish_support import FAST_RETRY, ISSUED_TOKENS, Project, Seeded, seed
from scenario import BACKEND_MODES, BackendMode, Scenario, make_scenario

from dashgen.config import default_config
from dashgen.publish import Connection
from dashgen.publish import session as org_run
from dashgen.testing import Emulator, EmulatorServer


@pytest.fixture(autouse=True)
def isolated_tokens(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No token from the developer's environment or token store leaks into a test."""
    for name in list(os.environ):
        if name.startswith("DASHGEN_TOKEN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DASHGEN_TOKEN_STORE", str(tmp_path / "token-store" / "tokens.json"))


@pytest.fixture(autouse=True)
def no_token_in_captured_output(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Whatever a test printed or logged must not hold a token it created."""
    yield
    captured = capfd.readouterr()
    texts = (captured.out, captured.err, caplog.text)
    leaked = sum(1 for token in ISSUED_TOKENS if any(token in text for text in texts))
    assert leaked == 0, f"{leaked} token(s) in captured output"


@pytest.fixture
def seeded(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    return seed(emulator, monkeypatch)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    return Project(root, default_config(root))


@pytest.fixture
def connection(emulator: Emulator) -> Connection:
    return Connection(url="http://localhost:3000", retry=FAST_RETRY, transport=emulator.transport())


@pytest.fixture
def large_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every batch counts as large: publish starts with the search for existing uids
    (by default only batches of ``SEARCH_MIN_DASHBOARDS`` or more do)."""
    monkeypatch.setattr(org_run, "SEARCH_MIN_DASHBOARDS", 1)


@pytest.fixture(params=BACKEND_MODES, ids=lambda mode: mode.name)
def backend_mode(request: pytest.FixtureRequest) -> BackendMode:
    """The dashboard backend a test runs against (``scenario.BACKEND_MODES``): every test
    here runs against each (``DASHGEN_API`` and the emulator's version follow it)."""
    return request.param


@pytest.fixture(autouse=True)
def api_of_the_mode(backend_mode: BackendMode, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHGEN_API", backend_mode.api)


@pytest.fixture
def emulator(backend_mode: BackendMode) -> Emulator:
    return Emulator(version=backend_mode.grafana_version)


@pytest.fixture
def make_grafana_server(backend_mode: BackendMode) -> Iterator[Callable[..., EmulatorServer]]:
    """Servers of the mode's Grafana version unless a test names another."""
    started: list[EmulatorServer] = []

    def make(version: str | None = None, **options: Any) -> EmulatorServer:
        server = EmulatorServer(
            Emulator(version=version or backend_mode.grafana_version, **options)
        )
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def scenario(
    tmp_path: Path,
    make_grafana_server: Callable[..., EmulatorServer],
    backend_mode: BackendMode,
    monkeypatch: pytest.MonkeyPatch,
) -> Scenario:
    """A project (``project = "alpha"``, orgs apiorg and otherorg) and an emulator server with
    both orgs and their Editor tokens, for ``backend_mode``."""
    return make_scenario(tmp_path, make_grafana_server, backend_mode, monkeypatch)

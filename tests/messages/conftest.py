"""Fixtures for the message, secret and odd-server tests: a clean environment (own HOME,
XDG_CONFIG_HOME and token store, no proxies), a project with three dashboards in two orgs,
the real CLI, and the emulator served on 127.0.0.1 with a token per org."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from messages_support import CANARY_PASSWORD, ORG, OTHER_ORG, Cli, Grafana, Home, write_project

from dashgen import secrets
from dashgen.testing import EmulatorServer

_CLEARED_PREFIXES = ("DASHGEN_", "GRAFANA_")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(_CLEARED_PREFIXES) or upper in _PROXY_VARS:
            monkeypatch.delenv(name)
    # The sentences below are the classic API's answers (the /apis ones: tests/backends).
    monkeypatch.setenv("DASHGEN_API", "classic")
    place = Home(tmp_path / "home", tmp_path / "xdg", tmp_path / "cwd")
    for folder in (place.home, place.config_home, place.workdir):
        folder.mkdir()
    monkeypatch.setenv("HOME", str(place.home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(place.config_home))
    monkeypatch.chdir(place.workdir)
    yield place
    logger = logging.getLogger("dashgen")  # each CLI run puts it back as it found it
    assert logger.propagate and not logger.handlers, "the CLI left logging configured"


@pytest.fixture
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each in-process run starts with an empty redaction registry, as a new dashgen
    process does: a secret registered by an earlier run cannot hide a leak."""
    monkeypatch.setattr(secrets, "_registered", set())
    monkeypatch.setattr(secrets, "_registered_pattern", None)
    monkeypatch.setattr(Cli, "before_run", staticmethod(_forget_secrets))


def _forget_secrets() -> None:
    with secrets._registry_lock:
        secrets._registered.clear()
        secrets._registered_pattern = None


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture
def cli(project: Path) -> Cli:
    return Cli(project)


@pytest.fixture
def grafana(make_grafana_server: Callable[..., EmulatorServer]) -> Grafana:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    emulator = server.emulator
    org_id = emulator.create_org(ORG)
    other_org_id = emulator.create_org(OTHER_ORG)
    tokens = {
        ORG: emulator.create_service_account_token(org_id, "Editor", name="publisher-a"),
        OTHER_ORG: emulator.create_service_account_token(other_org_id, "Editor", name="pub-b"),
    }
    return Grafana(server, org_id, other_org_id, tokens)

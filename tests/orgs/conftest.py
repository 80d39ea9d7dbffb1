"""Fixtures for the org/token tests: every test gets its own token store and a clean env."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from orgs_helpers import BASE_URL, CANARY_PASSWORD

from dashgen.grafana import Connection
from dashgen.orgs import AdminCredentials
from dashgen.secrets import Secret
from dashgen.testing import Emulator
from dashgen.tokens import TokenStore


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the store and XDG_CONFIG_HOME at tmp paths; drop credentials from the env;
    run in an empty folder so no project config supplies a Grafana URL."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    config_home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DASHGEN_TOKEN_STORE", raising=False)
    for name in list(os.environ):
        if name.startswith("DASHGEN_TOKEN_") or name.startswith("GRAFANA_"):
            monkeypatch.delenv(name)
    return config_home


@pytest.fixture
def store_path(isolated_env: Path) -> Path:
    return isolated_env / "dashgen" / "tokens.json"


@pytest.fixture
def store(store_path: Path) -> TokenStore:
    return TokenStore(store_path)


@pytest.fixture(params=["12.0", "11.2"])
def grafana_version(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def emu(grafana_version: str) -> Emulator:
    return Emulator(version=grafana_version, admin_password=CANARY_PASSWORD)


@pytest.fixture
def target(emu: Emulator) -> Connection:
    return Connection(BASE_URL, transport=emu.transport())


@pytest.fixture
def admin() -> AdminCredentials:
    return AdminCredentials("admin", Secret(CANARY_PASSWORD))

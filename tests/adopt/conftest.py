"""Fixtures for import and pull: a project folder, the CLI, no tokens from the outside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from adopt_support import Project


@pytest.fixture(autouse=True)
def isolated_tokens(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No token from the developer's environment or token store leaks into a test."""
    for name in list(os.environ):
        if name.startswith("DASHGEN_TOKEN_") or name == "GRAFANA_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("DASHGEN_TOKEN_STORE", str(tmp_path / "token-store" / "tokens.json"))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    return Project(root)


# (dashboard API, Grafana version): pull reads through either backend, as publish writes.
BACKEND_MODES = (("classic", "12.0"), ("k8s", "12.0"), ("k8s", "13.0"))


@pytest.fixture(params=BACKEND_MODES, ids=lambda mode: f"{mode[0]}-{mode[1]}")
def backend_mode(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param


@pytest.fixture(autouse=True)
def api_of_the_mode(backend_mode: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHGEN_API", backend_mode[0])

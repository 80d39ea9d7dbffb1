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

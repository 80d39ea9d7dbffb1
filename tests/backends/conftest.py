"""Fixtures for the backend-choice tests: no token or API choice from the outside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("DASHGEN_TOKEN_") or name in ("GRAFANA_URL", "DASHGEN_API"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DASHGEN_TOKEN_STORE", str(tmp_path / "token-store" / "tokens.json"))

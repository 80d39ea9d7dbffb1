"""Shared test fixtures. Area-specific fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# DASHGEN_CORPUS_DIR: for a checkout that does not sit next to shared/ (a git worktree).
CORPUS_DIR = Path(os.environ.get("DASHGEN_CORPUS_DIR") or REPO_ROOT.parent / "shared" / "corpus")

# The Grafana emulator's fixtures (grafana_server, make_grafana_server, emulator).
pytest_plugins = ["dashgen.testing.pytest_plugin"]


@pytest.fixture
def corpus_dir() -> Path:
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"{CORPUS_DIR} is absent")
    return CORPUS_DIR


@pytest.fixture(autouse=True)
def classic_api_unless_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard API is the classic one unless a test chooses (``DASHGEN_API``); the
    publish, diff and pull tests run against both (``tests/publish/scenario.BACKEND_MODES``)."""
    monkeypatch.setenv("DASHGEN_API", "classic")

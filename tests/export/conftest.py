"""Fixtures for export tests: a throwaway project on disk and the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_support import Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "proj")

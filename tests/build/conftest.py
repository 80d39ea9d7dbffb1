"""Fixtures for build tests: a throwaway project on disk and the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from build_support import Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "proj")


@pytest.fixture
def view_dashboard() -> Callable[..., dict[str, Any]]:
    def make(uid: str = "svc", title: str = "Service", panels: int = 2) -> dict[str, Any]:
        return {
            "uid": uid,
            "title": title,
            "schemaVersion": 39,
            "panels": [
                {
                    "id": i + 1,
                    "type": "timeseries",
                    "title": f"Panel {i + 1}",
                    "gridPos": {"x": 12 * (i % 2), "y": 8 * (i // 2), "w": 12, "h": 8},
                }
                for i in range(panels)
            ],
        }

    return make

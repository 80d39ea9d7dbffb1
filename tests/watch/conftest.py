"""Fixtures: a small real project on disk, and watch loops started over it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from watch_helpers import CONFIG, HELPER, MACRO, PYTHON_SOURCE, WatchRun, jinja_source, view_json

from dashgen.publish import OrgSession


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Sources of every kind: two View JSON, three Jinja (two use the macro), one Python."""
    root = tmp_path.resolve() / "project"
    files = {
        "dashgen.toml": CONFIG,
        "templates/panels.j2": MACRO,
        "dashboards/alpha.json": view_json("alpha", "Alpha"),
        "dashboards/beta.json": view_json("beta", "Beta"),
        "dashboards/svc_one.json.j2": jinja_source("svc-one", uses_macro=True),
        "dashboards/svc_two.json.j2": jinja_source("svc-two", uses_macro=True),
        "dashboards/plain.json.j2": jinja_source("plain", uses_macro=False),
        "dashboards/py_dash.dashboard.py": PYTHON_SOURCE,
        "dashboards/lib/__init__.py": "",
        "dashboards/lib/helper.py": HELPER,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def start_watch() -> Iterator[Callable[..., WatchRun]]:
    runs: list[WatchRun] = []

    def start(root: Path, publisher: OrgSession | None = None, **options: Any) -> WatchRun:
        run = WatchRun(root, publisher, **options)
        runs.append(run)
        return run.start()

    yield start
    for run in runs:
        run.close()

"""Fixtures: one headless Chromium for the session, a tab per test, preview processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cdp import Chromium, Page, find_chromium
from preview_helpers import InProcessPreview, PreviewProcess


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    binary = find_chromium()
    if binary is None:
        pytest.fail(
            "no chromium on PATH: `make test` installs Debian's chromium package "
            "(or set DASHGEN_CHROMIUM to a Chromium binary)"
        )
    browser = Chromium(binary)
    yield browser
    browser.close()


@pytest.fixture
def page(chromium: Chromium) -> Iterator[Page]:
    tab = chromium.new_page()
    yield tab
    errors = tab.errors
    tab.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests leave their screenshots (DASHGEN_TEST_ARTIFACTS to keep them)."""
    configured = os.environ.get("DASHGEN_TEST_ARTIFACTS")
    if configured:
        folder = Path(configured) / "preview"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("preview-screenshots")


@pytest.fixture
def start_preview() -> Iterator[Callable[..., PreviewProcess]]:
    started: list[PreviewProcess] = []

    def start(root: Path, *args: str, command: str = "preview") -> PreviewProcess:
        process = PreviewProcess(root, *args, command=command)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def serve_preview() -> Iterator[Callable[[Path], InProcessPreview]]:
    """The preview in this process (faster to start than the CLI in a process)."""
    started: list[InProcessPreview] = []

    def start(root: Path) -> InProcessPreview:
        preview = InProcessPreview(root)
        started.append(preview)
        return preview

    yield start
    for preview in started:
        preview.stop()

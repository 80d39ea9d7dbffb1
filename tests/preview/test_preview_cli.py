"""`dashgen preview` and `dashgen watch --preview` as a user runs them."""

from __future__ import annotations

import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from preview_helpers import PreviewProcess, dashboard, get_json, panel, write_project

from dashgen.cli import main

StartPreview = Callable[..., PreviewProcess]


def project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "project",
        {"dashboards/one.json": dashboard("one", "One", [panel("A", 0, 0, 12, 8)])},
    )


def test_watch_with_preview_serves_the_same_pages(
    tmp_path: Path, start_preview: StartPreview
) -> None:
    root = project(tmp_path)
    preview = start_preview(root, "--preview", command="watch")
    index = get_json(f"{preview.url}api/index")
    assert [d["uid"] for d in index["dashboards"]] == ["one"]


def test_preview_opens_the_browser_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("BROWSER", str(browser))  # what Python's webbrowser runs
    preview = PreviewProcess(root, "--open")
    try:
        index = get_json(f"{preview.url}api/index")
        assert index["dashboards"][0]["title"] == "One"
        assert "initial build: rebuilt 1 dashboard (one)" in "".join(preview.lines)
    finally:
        returncode = preview.stop()
    assert returncode == 0
    preview.wait_for("stopped")
    assert opened.read_text().strip() == preview.url


def test_server_options_of_watch_need_preview(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(project(tmp_path)), "watch", "--port", "9000"])
    assert result.exit_code == 2
    assert "--port only applies with --preview" in result.output


def test_a_busy_port_is_an_error_without_a_traceback(tmp_path: Path) -> None:
    root = project(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = CliRunner().invoke(main, ["-C", str(root), "preview", "--port", port])
    assert result.exit_code == 1
    assert (
        f"Error: cannot serve the preview on 127.0.0.1:{port}: the port is in use" in result.output
    )
    assert "Traceback" not in result.output


def test_a_host_beyond_loopback_is_warned_about(tmp_path: Path) -> None:
    # An address this machine does not have: the warning, then one clear error.
    result = CliRunner().invoke(
        main, ["-C", str(project(tmp_path)), "preview", "--host", "192.0.2.1", "--port", "0"]
    )
    assert result.exit_code == 1
    assert "anyone who can reach this machine can see the dashboards" in result.output
    assert "no such address on this machine (--host)" in result.output

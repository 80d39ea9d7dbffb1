"""`dashgen watch` as a user runs it: a real process, stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from watch_helpers import TIMEOUT_S, view_json

from dashgen.testing.server import EmulatorServer
from line_reader import LineReader


def test_the_cli_rebuilds_on_save_and_stops_cleanly_on_sigint(project: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "dashgen", "-C", str(project), "watch", "--step-ms", "10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        stdout = LineReader(process.stdout, TIMEOUT_S)
        assert "initial build: rebuilt 6 dashboards" in stdout.wait_for("initial build")
        stdout.wait_for("watching")

        (project / "dashboards" / "alpha.json").write_text(view_json("alpha", "Alpha v2"))
        line = stdout.wait_for("rebuilt")
        assert "rebuilt 1 dashboard (alpha)" in line

        process.send_signal(signal.SIGINT)
        returncode = process.wait(TIMEOUT_S)
        stdout.wait_for("stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = stdout.drain()
    assert returncode == 0, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output


def test_publish_without_an_org_is_a_usage_error(project: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dashgen", "-C", str(project), "watch", "--publish"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert completed.returncode == 2
    assert "--publish needs --org" in completed.stderr


def test_the_cli_publishes_each_rebuild_and_prints_the_urls(
    project: Path, grafana_server: EmulatorServer
) -> None:
    emulator = grafana_server.emulator
    org_id = emulator.create_org("dev")
    token = emulator.create_service_account_token(org_id)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DASHGEN_TOKEN_DEV": token}
    command = [sys.executable, "-m", "dashgen", "-C", str(project), "watch"]
    command += ["--publish", "--org", "dev", "--grafana-url", grafana_server.url]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        stdout = LineReader(process.stdout, TIMEOUT_S)
        assert "published 6 dashboards" in stdout.wait_for("published")
        stdout.wait_for("watching")
        mark = len(stdout.lines)

        (project / "dashboards" / "alpha.json").write_text(view_json("alpha", "Alpha v2"))

        assert "published 1 dashboard" in stdout.wait_for("published")
        url_line = stdout.wait_for("updated: dev/alpha")
        assert f"{grafana_server.url}/d/alpha" in url_line
        assert not [line for line in stdout.lines[mark:] if "dev/beta" in line]
        process.send_signal(signal.SIGINT)
        assert process.wait(TIMEOUT_S) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stored = emulator.dashboard(org_id, "alpha")
    assert stored is not None and stored.title == "Alpha v2"


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--allow-missing-datasources"], "--allow-missing-datasources only applies with"),
        (["--insecure", "--timeout", "3"], "--insecure, --timeout only apply with --publish"),
        (["--grafana-url", "http://127.0.0.1:1"], "--grafana-url only applies with --publish"),
    ],
)
def test_publish_options_without_publish_are_a_usage_error(
    project: Path, options: list[str], said: str
) -> None:
    # they would be ignored: watch sends nothing to Grafana without --publish (a watch
    # that starts instead runs until the timeout, which fails the test)
    completed = subprocess.run(
        [sys.executable, "-m", "dashgen", "-C", str(project), "watch", *options],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert completed.returncode == 2, completed.stderr
    assert said in completed.stderr and "Traceback" not in completed.stderr

"""Ctrl-C / SIGTERM while a save waits out Grafana's ``Retry-After``: a 429 stored nothing,
so the dashboard is reported not written (not "unknown: check Grafana"), and the rerun
finishes the job.

The real CLI in a process of its own against the emulator over real HTTP; the signal is
sent once the emulator has answered a save with 429 (the fault counted it), never after a
guessed sleep. Whether the client is still reading the 429 or already waiting when the
signal lands, the outcome is the same.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_project import NO_HANG_S, WAITING_MODES, cli_env, seed_orgs, write_project
from publish_support import ORG, posts, routes

from dashgen.testing import Emulator, EmulatorServer

CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
WORDS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


@pytest.mark.parametrize("backend_mode", WAITING_MODES, ids=lambda mode: mode.name)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_during_a_retry_after_wait_says_not_written(
    tmp_path: Path, emulator: Emulator, signum: int
) -> None:
    ids, tokens = seed_orgs(emulator, ORG)
    uids = ["d0", "d1", "d2"]
    write_project(tmp_path, {ORG: uids})
    word = WORDS[signum]
    with EmulatorServer(emulator) as server:
        limited = [
            emulator.faults.add(
                method, path, kind="retry_after", retry_after_s=3600, times=None, dry_runs=False
            )
            for method, path in routes("POST", "/api/dashboards/db")
        ]
        command = [sys.executable, "-m", "dashgen", "-C", str(tmp_path), "publish"]
        args = ["--org", ORG, "--concurrency", "1", "--timeout", "300", "--output", "json"]
        process = subprocess.Popen(
            [*command, "--grafana-url", server.url, *args],
            env=cli_env(tmp_path, tokens),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            for _ in range(int(NO_HANG_S / 0.02)):  # a bound, not a timing
                if sum(fault.hits for fault in limited) or process.poll() is not None:
                    break
                time.sleep(0.02)
            assert process.poll() is None, "the publish ended before a save met the 429"
            process.send_signal(signum)
            stdout, stderr = process.communicate(timeout=NO_HANG_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert process.returncode == CODES[signum], stdout + stderr
        assert "Traceback" not in stderr and not any(t in stdout + stderr for t in tokens.values())
        lines = [json.loads(line) for line in stdout.splitlines()]
        events = {line["uid"]: line for line in lines if "uid" in line}
        summary = lines[-1]
        assert sorted(events) == uids
        assert {e["action"] for e in events.values()} == {"failed"}, events
        refused = (
            "not written: Grafana answered 429 (rate limited) with Retry-After 3600 s; "
            f"interrupted ({word}): not retried"
        )
        errors = sorted(e["error"] for e in events.values())
        assert errors == sorted([refused] + [f"not sent: interrupted ({word})"] * 2), errors
        assert f"interrupted ({word}): 0 written, 3 not sent;" in " ".join(summary["notes"])
        assert summary["summary"] == {"failed": 3}
        assert not [d for d in emulator.dashboards(ids[ORG]) if d.uid in uids]
        saves = posts(emulator)
        assert saves and all(entry.status == 429 for entry in saves)  # nothing landed

        emulator.faults.clear()  # Grafana well again: the rerun writes all three
        rerun = subprocess.run(
            [*command, "--grafana-url", server.url, *args],
            env=cli_env(tmp_path, tokens),
            capture_output=True,
            text=True,
            timeout=NO_HANG_S,
        )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    again = [json.loads(line) for line in rerun.stdout.splitlines()]
    assert {e["uid"]: e["action"] for e in again if "uid" in e} == dict.fromkeys(uids, "created")

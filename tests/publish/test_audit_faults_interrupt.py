"""A 429 stores and deletes nothing: a save or a prune's delete that Grafana answered only
with 429 is reported not written / not deleted (failed), never "unknown: check Grafana",
when the deadline is too close for its ``Retry-After`` or Ctrl-C / SIGTERM ends the wait;
the rerun then finishes the job.

The real CLI in a process of its own against the emulator over real HTTP; the signal is
sent once the emulator has answered a request with 429 (the fault counted it), never after
a guessed sleep. Whether the client is still reading the 429 or already waiting when the
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
from cli_project import NO_HANG_S, WAITING_MODES, cli_env, run_publish, seed_orgs, write_project
from publish_support import ORG, posts, routes

from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.faults import Fault

CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
WORDS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
WAITING = pytest.mark.parametrize("backend_mode", WAITING_MODES, ids=lambda mode: mode.name)
BOTH_SIGNALS = pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"]
)
SAVE = ("POST", "/api/dashboards/db")
DELETE = ("DELETE", "/api/dashboards/uid/*")
GONE = ["gone-1", "gone-2"]


def _rate_limited(emulator: Emulator, what: tuple[str, str]) -> list[Fault]:
    """Every ``what`` request of the current API answered 429 with Retry-After 3600 s."""
    return [
        emulator.faults.add(
            method, path, kind="retry_after", retry_after_s=3600, times=None, dry_runs=False
        )
        for method, path in routes(*what)
    ]


def _signalled(
    root: Path,
    server: EmulatorServer,
    tokens: dict[str, str],
    faults: list[Fault],
    signum: int,
    *args: str,
) -> tuple[int, dict[str, dict], dict]:
    """``dashgen publish ... --output json`` sent ``signum`` once a fault answered: its exit
    code, its events by uid and its summary."""
    command = [sys.executable, "-m", "dashgen", "-C", str(root), "publish"]
    process = subprocess.Popen(
        [*command, "--grafana-url", server.url, *args, "--output", "json"],
        env=cli_env(root, tokens),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(int(NO_HANG_S / 0.02)):  # a bound, not a timing
            if sum(fault.hits for fault in faults) or process.poll() is not None:
                break
            time.sleep(0.02)
        assert process.poll() is None, "the publish ended before a request met the 429"
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=NO_HANG_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "Traceback" not in stderr and not any(t in stdout + stderr for t in tokens.values())
    lines = [json.loads(line) for line in stdout.splitlines()]  # every line is JSON
    return process.returncode, {line["uid"]: line for line in lines if "uid" in line}, lines[-1]


def _refused(word: str, done: str = "written") -> str:
    return f"not {done}: Grafana answered 429 (rate limited) with Retry-After 3600 s; {word}"


@WAITING
@BOTH_SIGNALS
def test_a_signal_during_a_save_s_retry_after_wait_says_not_written(
    tmp_path: Path, emulator: Emulator, signum: int
) -> None:
    ids, tokens = seed_orgs(emulator, ORG)
    uids = ["d0", "d1", "d2"]
    write_project(tmp_path, {ORG: uids})
    word = WORDS[signum]
    args = ("--org", ORG, "--concurrency", "1", "--timeout", "300")
    with EmulatorServer(emulator) as server:
        limited = _rate_limited(emulator, SAVE)
        code, events, summary = _signalled(tmp_path, server, tokens, limited, signum, *args)
        assert code == CODES[signum], events
        assert sorted(events) == uids
        assert {e["action"] for e in events.values()} == {"failed"}, events
        errors = sorted(e["error"] for e in events.values())
        refused = _refused(f"interrupted ({word}): not retried")
        assert errors == sorted([refused] + [f"not sent: interrupted ({word})"] * 2), errors
        assert f"interrupted ({word}): 0 written, 3 not sent;" in " ".join(summary["notes"])
        assert summary["summary"] == {"failed": 3}
        assert not [d for d in emulator.dashboards(ids[ORG]) if d.uid in uids]
        saves = posts(emulator)
        assert saves and all(entry.status == 429 for entry in saves)  # nothing landed

        emulator.faults.clear()  # Grafana well again: the rerun writes all three
        rerun = run_publish(tmp_path, server, tokens, *args, "--output", "json")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    again = [json.loads(line) for line in rerun.stdout.splitlines()]
    assert {e["uid"]: e["action"] for e in again if "uid" in e} == dict.fromkeys(uids, "created")


def _published_then_removed(root: Path, server: EmulatorServer, tokens: dict[str, str]) -> None:
    write_project(root, {ORG: ["keep", *GONE]}, extra='project = "audit"\n')
    assert run_publish(root, server, tokens, "--org", ORG).returncode == 0
    for uid in GONE:
        (root / "dashboards" / ORG / f"{uid}.json").unlink()


@WAITING
def test_a_prune_delete_refused_with_429_past_the_deadline_is_not_deleted(
    tmp_path: Path, emulator: Emulator
) -> None:
    """Retry-After (30 s at most) is beyond the 25 s deadline: not waited, and not unknown."""
    ids, tokens = seed_orgs(emulator, ORG)
    with EmulatorServer(emulator) as server:
        _published_then_removed(tmp_path, server, tokens)
        _rate_limited(emulator, DELETE)
        args = ("--org", ORG, "--prune", "--deadline", "25s", "--output", "json")
        run = run_publish(tmp_path, server, tokens, *args)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    events = {line["uid"]: line for line in lines if "uid" in line}
    for uid in GONE:
        assert events[uid]["action"] == "failed", events[uid]
        assert events[uid]["error"].startswith(_refused("waiting 30 s would pass", "deleted"))
    assert lines[-1]["summary"] == {"failed": 2, "unchanged": 1}
    assert "2 deletions failed" in run.stderr and "unknown" not in run.stderr
    assert {d.uid for d in emulator.dashboards(ids[ORG])} >= set(GONE)


@WAITING
def test_a_signal_during_a_prune_delete_s_retry_after_wait_says_not_deleted(
    tmp_path: Path, emulator: Emulator
) -> None:
    ids, tokens = seed_orgs(emulator, ORG)
    with EmulatorServer(emulator) as server:
        _published_then_removed(tmp_path, server, tokens)
        limited = _rate_limited(emulator, DELETE)
        args = ("--org", ORG, "--prune", "--concurrency", "1", "--timeout", "300")
        code, events, summary = _signalled(tmp_path, server, tokens, limited, signal.SIGTERM, *args)
    assert code == 143, events
    assert events["keep"]["action"] == "unchanged"
    errors = sorted(events[uid]["error"] for uid in GONE)
    refused = _refused("interrupted (SIGTERM): not retried", "deleted")
    assert errors == sorted([refused, "not sent: interrupted (SIGTERM)"]), events
    assert summary["summary"] == {"failed": 2, "unchanged": 1}
    assert "interrupted (SIGTERM): 0 written, 2 not sent;" in " ".join(summary["notes"])
    assert {d.uid for d in emulator.dashboards(ids[ORG])} >= set(GONE)

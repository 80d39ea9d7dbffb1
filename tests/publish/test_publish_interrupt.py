"""Ctrl-C and SIGTERM during a publish (``dashgen.cli.interrupt``): it stops cleanly, the
lock is handed back, and the report says what went out.

The real CLI in a process of its own against the emulator over real HTTP. The emulator
answers the first saves and holds every later one (a ``delay`` fault, served long after
the test is over), so the publish is mid-batch with a save in flight; the signal is sent
once the emulator has seen exactly that (the held fault counted its request), never after
a guessed sleep. What each dashboard became is then decided by the fault counts: the
answered ones are written, the held one is unknown (cut after the grace), every other one
is not sent.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_project import NO_HANG_S, WAITING_MODES, cli_env, seed_orgs, write_project
from publish_support import ORG, make_dashboard, posts, routes, stored_json

from dashgen.cli.interrupt import first_line
from dashgen.publish.lock import LOCK_FOLDER_UID
from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.faults import Fault

WRITE = ("POST", "/api/dashboards/db")
HOLD_MS = 300_000  # a held save: answered long after every test here is over
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
WORDS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
AGAIN = {signal.SIGINT: "Ctrl-C again", signal.SIGTERM: "a second signal"}

WAITING = pytest.mark.parametrize("backend_mode", WAITING_MODES, ids=lambda mode: mode.name)
BOTH_SIGNALS = pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"]
)


class Run:
    """``dashgen publish`` in a process of its own; stderr read as it comes."""

    def __init__(
        self,
        root: Path,
        server: EmulatorServer,
        tokens: dict[str, str],
        *args: str,
        command: str = "publish",
        **env: str,
    ) -> None:
        dashgen = [sys.executable, "-m", "dashgen", "-C", str(root), command]
        self.tokens = tokens
        self.process = subprocess.Popen(
            [*dashgen, "--grafana-url", server.url, *args],
            env=cli_env(root, tokens, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.err_lines: list[str] = []
        self.out_lines: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(pipe, lines), daemon=True)
            for pipe, lines in [
                (self.process.stderr, self.err_lines),
                (self.process.stdout, self.out_lines),
            ]
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(pipe: object, lines: list[str]) -> None:
        for line in pipe:  # type: ignore[attr-defined]
            lines.append(line)

    def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait for ``condition`` (the run must not end first); a bound, not a timing."""
        for _ in range(int(NO_HANG_S / 0.02)):
            if condition():
                return
            assert self.process.poll() is None, f"ended before {what}: {self.err_lines}"
            time.sleep(0.02)
        raise AssertionError(f"never {what}")

    def finish(self) -> int:
        try:
            self.process.wait(timeout=NO_HANG_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        for reader in self._readers:
            reader.join(timeout=NO_HANG_S)
        output = self.stdout + self.stderr
        assert "Traceback" not in output, output
        assert not any(token in output for token in self.tokens.values())
        return self.process.returncode

    @property
    def stdout(self) -> str:
        return "".join(self.out_lines)

    @property
    def stderr(self) -> str:
        return "".join(self.err_lines)


def _run(root: Path, server: EmulatorServer, tokens: dict[str, str], *args: str) -> Run:
    run = Run(root, server, tokens, *args)
    run.finish()
    return run


def _hold_saves(emulator: Emulator, answered: int, path: tuple[str, str] = WRITE) -> list[Fault]:
    """The first ``answered`` saves go through; every later one is held (the faults that
    hold them count each one that arrives)."""
    held = []
    for method, route in routes(*path):
        emulator.faults.add(method, route, kind="delay", times=answered, dry_runs=False)
    for method, route in routes(*path):
        hold = dict(kind="delay", delay_ms=HOLD_MS, times=None, dry_runs=False)
        held.append(emulator.faults.add(method, route, **hold))
    return held


def _events(stdout: str) -> tuple[list[dict], dict]:
    lines = [json.loads(line) for line in stdout.splitlines()]  # every line is JSON
    events = [line for line in lines if "uid" in line]
    summaries = [line for line in lines if "summary" in line]
    assert len(summaries) == 1 and lines[-1] is summaries[0], lines
    return events, summaries[0]


def _stored(emulator: Emulator, org_id: int) -> set[str]:
    return {d.uid for d in emulator.dashboards(org_id)}


def _lock_free(emulator: Emulator, org_id: int) -> bool:
    return LOCK_FOLDER_UID not in emulator.folder_uids(org_id)


def _republish_finishes(
    root: Path, server: EmulatorServer, emulator: Emulator, tokens: dict[str, str], orgs: str
) -> tuple[Run, Run]:
    """Right away, with Grafana well again: a publish writes whatever the interrupted one
    did not (no wait for a lock), and the next one writes nothing."""
    emulator.faults.clear()
    args = (
        ("--all-orgs", "--output", "json") if orgs == "all" else ("--org", orgs, "--output", "json")
    )
    second = _run(root, server, tokens, *args)
    assert second.process.returncode == 0, second.stdout + second.stderr
    assert "another dashgen publish" not in second.stdout + second.stderr  # no lock left behind
    writes = len(posts(emulator))
    third = _run(root, server, tokens, *args)
    assert third.process.returncode == 0, third.stdout + third.stderr
    events, _ = _events(third.stdout)
    assert {e["action"] for e in events} == {"unchanged"}
    assert len(posts(emulator)) == writes
    return second, third


@WAITING
@BOTH_SIGNALS
def test_a_signal_mid_batch_stops_cleanly_and_reports_every_dashboard(
    tmp_path: Path, emulator: Emulator, signum: int
) -> None:
    """Two saves answered, the third held, three more to go when the signal comes: exit
    130/143, one line at once, every dashboard in the JSON report exactly once (2 created,
    1 unknown, 3 not sent), the summary line last with the note; what is stored is what the
    report says (with the built content), the lock is free: a publish right away writes the
    four others, the next one nothing."""
    ids, tokens = seed_orgs(emulator, ORG)
    uids = [f"d{n}" for n in range(6)]
    write_project(tmp_path, {ORG: uids})
    word = WORDS[signum]
    with EmulatorServer(emulator) as server:
        held = _hold_saves(emulator, answered=2)
        args = ("--org", ORG, "--concurrency", "1", "--timeout", "300", "--output", "json")
        run = Run(tmp_path, server, tokens, *args)
        run.until(lambda: sum(f.hits for f in held) == 1, "a save was held")
        assert len(posts(emulator)) == 2
        run.process.send_signal(signum)
        code = run.finish()
        stored = _stored(emulator, ids[ORG])
        assert code == CODES[signum], run.stdout + run.stderr
        again = AGAIN[signum]
        expected = f"interrupted ({word}): finishing the requests in flight ({again} to stop now)"
        assert run.err_lines[0].rstrip("\n") == expected == first_line(signum), run.stderr
        events, summary = _events(run.stdout)
        assert sorted(e["uid"] for e in events) == uids  # each exactly once
        by_action: dict[str, set[str]] = {}
        for event in events:
            by_action.setdefault(event["action"], set()).add(event["uid"])
        assert set(by_action) == {"created", "unknown", "failed"}, by_action
        assert len(by_action["created"]) == 2 and by_action["created"] == stored
        assert len(by_action["unknown"]) == 1 and len(by_action["failed"]) == 3
        for event in events:
            if event["action"] == "unknown":
                assert event["error"] == (
                    f"unknown: the answer did not come back before the interrupt ({word}); "
                    "check Grafana"
                )
            elif event["action"] == "failed":
                assert event["error"] == f"not sent: interrupted ({word})"
        for uid in stored:  # written with the built content
            document = stored_json(emulator, ids[ORG], uid)
            assert document["title"] == f"Dashboard {uid}"
            built = make_dashboard(uid)["panels"]
            assert [p["targets"] for p in document["panels"]] == [p["targets"] for p in built]
        assert summary["interrupted"] == signal.Signals(signum).name
        assert summary["summary"] == {"created": 2, "failed": 3, "unknown": 1}
        assert (
            f"interrupted ({word}): 2 written, 3 not sent, 1 unknown (check Grafana)"
            in " ".join(summary["notes"])
        )
        assert len(posts(emulator)) == 2  # nothing was sent after the signal
        assert _lock_free(emulator, ids[ORG])
        second, _ = _republish_finishes(tmp_path, server, emulator, tokens, ORG)
    events, _ = _events(second.stdout)
    assert {e["uid"] for e in events if e["action"] == "created"} == set(uids) - stored
    assert {e["uid"] for e in events if e["action"] == "unchanged"} == stored


@WAITING
def test_a_signal_mid_batch_in_text(tmp_path: Path, emulator: Emulator) -> None:
    """The text report: each dashboard's line once, the not-sent ones together under "Not
    published:", the note and the error line; exit 143."""
    ids, tokens = seed_orgs(emulator, ORG)
    uids = [f"d{n}" for n in range(5)]
    write_project(tmp_path, {ORG: uids})
    with EmulatorServer(emulator) as server:
        held = _hold_saves(emulator, answered=1)
        run = Run(tmp_path, server, tokens, "--org", ORG, "--concurrency", "1", "--timeout", "300")
        run.until(lambda: sum(f.hits for f in held) == 1, "a save was held")
        run.process.send_signal(signal.SIGTERM)
        code = run.finish()
        stored = _stored(emulator, ids[ORG])
    assert code == 143, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    created = [line.split()[1] for line in lines if line.startswith("created ")]
    unknown = [line.split()[1] for line in lines if line.startswith("unknown ")]
    assert [f"{ORG}/{uid}" for uid in sorted(stored)] == created and len(unknown) == 1
    rest = [f"{ORG}/{uid}" for uid in uids if f"{ORG}/{uid}" not in created + unknown]
    listed = f"  {', '.join(rest)} (failed): not sent: interrupted (SIGTERM)"
    assert listed in run.stderr, run.stderr
    assert f"  {unknown[0]} (unknown): unknown: the answer did not come back" in run.stderr
    assert "interrupted (SIGTERM): 1 written, 3 not sent, 1 unknown (check Grafana)" in run.stderr
    assert "1 dashboard unknown (check Grafana)" in run.stderr
    assert _lock_free(emulator, ids[ORG])


@WAITING
def test_a_second_signal_stops_at_once(tmp_path: Path, emulator: Emulator) -> None:
    """Ctrl-C, then Ctrl-C again while the held save is still in its grace (lengthened by
    the test seam, so the second one certainly comes first): exit 130 at once, no
    traceback, one line naming the lock left to expire and the save that may be unknown."""
    _, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: ["a", "b", "c"]})
    with EmulatorServer(emulator) as server:
        held = _hold_saves(emulator, answered=1)
        args = ("--org", ORG, "--concurrency", "1", "--timeout", "300")
        run = Run(tmp_path, server, tokens, *args, DASHGEN_TEST_FAULT="interrupt-grace=600")
        run.until(lambda: sum(f.hits for f in held) == 1, "a save was held")
        run.process.send_signal(signal.SIGINT)
        line = first_line(signal.SIGINT)
        run.until(lambda: any(line in text for text in run.err_lines), "the first line")
        run.process.send_signal(signal.SIGINT)
        code = run.finish()
    assert code == 130, run.stdout + run.stderr
    (note,) = [line for line in run.err_lines if line.startswith("interrupted again")]
    assert f"the publish lock of org {ORG} is left to expire (45 s after its last renewal)" in note
    assert "sent with no answer yet (unknown, check Grafana): " in note
    maybe = note.rstrip("\n").rsplit(": ", 1)[1]
    assert maybe.startswith(f"{ORG}/") and "," not in maybe
    assert "created " in run.stdout  # what was printed before the stop is not lost


@WAITING
def test_a_signal_during_all_orgs(tmp_path: Path, emulator: Emulator) -> None:
    """--all-orgs with two orgs at once, one save each in flight (held) when SIGTERM comes:
    every dashboard of both orgs once; the two answered saves are the only ones stored, one
    unknown per org, the others not sent; both locks free; a publish right away finishes."""
    orgs = ["alpha", "beta"]
    ids, tokens = seed_orgs(emulator, *orgs)
    write_project(tmp_path, {org: [f"{org}-{n}" for n in range(4)] for org in orgs})
    with EmulatorServer(emulator) as server:
        held = _hold_saves(emulator, answered=2)
        args = ("--all-orgs", "--concurrency", "1", "--timeout", "300", "--output", "json")
        run = Run(tmp_path, server, tokens, *args)
        run.until(lambda: sum(f.hits for f in held) == 2, "both orgs had a save held")
        run.process.send_signal(signal.SIGTERM)
        code = run.finish()
        stored = {f"{org}/{uid}" for org in orgs for uid in _stored(emulator, ids[org])}
        assert code == 143, run.stdout + run.stderr
        events, summary = _events(run.stdout)
        keys = sorted(f"{e['org']}/{e['uid']}" for e in events)
        assert keys == sorted(f"{org}/{org}-{n}" for org in orgs for n in range(4))
        created = {f"{e['org']}/{e['uid']}" for e in events if e["action"] == "created"}
        unknown = [e["org"] for e in events if e["action"] == "unknown"]
        assert len(created) == 2 and created == stored
        assert sorted(unknown) == orgs  # one in flight per org
        failed = [e for e in events if e["action"] == "failed"]
        assert len(failed) == 4 and {e["error"] for e in failed} == {
            "not sent: interrupted (SIGTERM)"
        }
        assert summary["interrupted"] == "SIGTERM"
        for org in orgs:
            assert _lock_free(emulator, ids[org]), org
        _republish_finishes(tmp_path, server, emulator, tokens, "all")


@WAITING
def test_a_signal_during_prune(tmp_path: Path, emulator: Emulator) -> None:
    """--prune, three removed sources: the first delete answered, the second held when
    SIGTERM comes: one deleted, one unknown deletion, one not sent; the lock is free."""
    ids, tokens = seed_orgs(emulator, ORG)
    gone = ["gone-1", "gone-2", "gone-3"]
    write_project(tmp_path, {ORG: ["keep", *gone]}, extra='project = "interrupt"\n')
    with EmulatorServer(emulator) as server:
        assert _run(tmp_path, server, tokens, "--org", ORG).process.returncode == 0
        for uid in gone:
            (tmp_path / "dashboards" / ORG / f"{uid}.json").unlink()
        held = _hold_saves(emulator, answered=1, path=("DELETE", "/api/dashboards/uid/*"))
        args = ("--org", ORG, "--prune", "--concurrency", "1", "--timeout", "300")
        run = Run(tmp_path, server, tokens, *args, "--output", "json")
        run.until(lambda: sum(f.hits for f in held) == 1, "a delete was held")
        run.process.send_signal(signal.SIGTERM)
        code = run.finish()
        stored = _stored(emulator, ids[ORG])
        assert code == 143, run.stdout + run.stderr
        events, _ = _events(run.stdout)
        actions = {e["uid"]: e["action"] for e in events}
        assert actions["keep"] == "unchanged"
        pruned = sorted(actions[uid] for uid in gone)
        assert pruned == ["deleted", "failed", "unknown"], actions
        (deleted,) = [uid for uid in gone if actions[uid] == "deleted"]
        assert stored == {"keep", *gone} - {deleted}
        assert _lock_free(emulator, ids[ORG])


@WAITING
def test_a_signal_during_diff(tmp_path: Path, emulator: Emulator) -> None:
    """diff, its reads held after the first: Ctrl-C ends it with every dashboard once (new,
    or failed: not compared), the JSON lines ending with the interrupt; exit 130."""
    _, tokens = seed_orgs(emulator, ORG)
    uids = [f"d{n}" for n in range(4)]
    write_project(tmp_path, {ORG: uids})
    with EmulatorServer(emulator) as server:
        held = _hold_saves(emulator, answered=1, path=("GET", "/api/dashboards/uid/*"))
        args = ("--org", ORG, "--output", "json")
        run = Run(tmp_path, server, tokens, *args, command="diff")
        run.until(lambda: sum(f.hits for f in held) >= 1, "a read was held")
        run.process.send_signal(signal.SIGINT)
        code = run.finish()
    assert code == 130, run.stdout + run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert lines[-1] == {"interrupted": "SIGINT"}
    items = {line["uid"]: line for line in lines if "uid" in line}
    assert sorted(items) == uids and len(lines) == len(uids) + 1
    assert {item["status"] for item in items.values()} <= {"new", "failed"}
    assert any("interrupt" in (item["error"] or "") for item in items.values())
    assert not any(e.method == "POST" for e in emulator.request_log if "dryRun" not in e.query)

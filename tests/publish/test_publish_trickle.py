"""A Grafana (or a proxy) that trickles its answer: each socket read gets a byte well within
``--timeout``, so no read ever times out, yet the answer takes minutes. ``--deadline`` and
``--timeout`` bound the whole request, not each read.

The real CLI in a process of its own against the emulator over real HTTP; the emulator's
``trickle`` fault stores the write, then sends its answer a byte every second (minutes for
the whole answer). Nothing is timed: a run that waited for the trickle is ruled out by a
generous subprocess timeout (``NO_HANG_S``, far below what the trickle would take).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_project import WAITING_MODES, json_events, run_publish, seed_orgs, write_project
from publish_support import ORG, add_fault, posts

from dashgen.publish.lock import LOCK_FOLDER_UID
from dashgen.testing import Emulator, EmulatorServer

WRITE = ("POST", "/api/dashboards/db")
ONE_APIS_MODE = pytest.mark.parametrize("backend_mode", WAITING_MODES, ids=lambda mode: mode.name)
# one byte a second: the answer (head and body, some hundreds of bytes) takes minutes
TRICKLE = {"kind": "trickle", "trickle_bytes": 1, "trickle_interval_s": 1.0, "times": 1}


@ONE_APIS_MODE
def test_a_trickled_answer_is_cut_at_the_deadline(tmp_path: Path, emulator: Emulator) -> None:
    """The first save is stored, then its answer trickles (a byte a second, under a read
    timeout of 300 s): at the deadline it is "unknown: check Grafana", the two others are
    not sent, the lock is handed back, exit 1."""
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: ["a", "b", "c"]})
    with EmulatorServer(emulator) as server:
        add_fault(emulator, *WRITE, **TRICKLE)
        args = ("--org", ORG, "--deadline", "6", "--timeout", "300", "--concurrency", "1")
        run = run_publish(tmp_path, server, tokens, *args, "--output", "json")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    events = json_events(run)
    assert sorted(e["action"] for e in events.values()) == ["failed", "failed", "unknown"]
    (held,) = [key for key, e in events.items() if e["action"] == "unknown"]
    assert "the publish deadline (6s) passed before Grafana answered" in events[held]["error"]
    assert "check Grafana" in events[held]["error"]
    for key, event in events.items():
        if key != held:
            assert event["error"] == "not sent: the publish deadline (6s) passed"
    assert {f"{ORG}/{d.uid}" for d in emulator.dashboards(ids[ORG])} == {held}  # it landed
    assert len(posts(emulator)) == 1  # the other two never went out
    assert LOCK_FOLDER_UID not in emulator.folder_uids(ids[ORG])  # nothing else lost
    summary = json.loads(run.stdout.splitlines()[-1])
    assert any(
        "the publish deadline (6s) passed: 0 written, 2 not sent" in n for n in summary["notes"]
    )


@ONE_APIS_MODE
def test_a_trickled_answer_is_cut_at_the_timeout(tmp_path: Path, emulator: Emulator) -> None:
    """No deadline: the trickled save is cut once ``--timeout`` (4 s) has passed in total
    (each read got its byte in time); as for any lost answer, the re-read finds it stored,
    so it is reported written and never sent twice, and the others are written too."""
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: ["a", "b", "c"]})
    with EmulatorServer(emulator) as server:
        add_fault(emulator, *WRITE, **TRICKLE)
        args = ("--org", ORG, "--deadline", "none", "--timeout", "4", "--concurrency", "1")
        run = run_publish(tmp_path, server, tokens, *args, "--output", "json")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    events = json_events(run)
    assert sorted(e["action"] for e in events.values()) == ["created"] * 3, events
    assert [e.fault for e in emulator.request_log if e.fault] == ["trickle"]
    assert len(posts(emulator)) == 3  # the trickled one was not sent again
    for uid in ("a", "b", "c"):
        assert len(emulator.versions(ids[ORG], uid)) == 1
    assert LOCK_FOLDER_UID not in emulator.folder_uids(ids[ORG])

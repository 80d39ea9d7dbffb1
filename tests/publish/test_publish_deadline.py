"""``--deadline`` / ``[grafana] deadline``: a publish that a slow or throttling Grafana cannot
keep running for ever, and whose report still says what went out.

The real CLI in a process of its own against the emulator over real HTTP. The emulator's
faults decide which requests are slow (a ``delay`` holds a request before it is served, a
``commit_then_hang`` stores the write and then stops its answer halfway), so which
dashboards are written before the deadline is decided by fault counts, not by the clock;
the deadlines leave seconds to spare for what must happen before them. Nothing is timed:
a hang is ruled out by a generous subprocess timeout (far below what the faults would
hold a publish without the deadline).
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


def _stored(emulator: Emulator, org_id: int) -> set[str]:
    return {d.uid for d in emulator.dashboards(org_id)}


def test_a_retry_after_longer_than_the_time_left_is_not_waited(
    tmp_path: Path, emulator: Emulator
) -> None:
    """Every save answers 429 with Retry-After 600: each is sent once and fails at once,
    saying why; nothing is stored, the lock is handed back, exit 1."""
    ids, tokens = seed_orgs(emulator, ORG)
    uids = ["a", "b", "c"]
    write_project(tmp_path, {ORG: uids})
    with EmulatorServer(emulator) as server:
        add_fault(emulator, *WRITE, kind="retry_after", retry_after_s=600, times=None)
        run = run_publish(tmp_path, server, tokens, "--org", ORG, "--deadline", "20")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "Traceback" not in output
    assert "Grafana answered 429 (rate limited) with Retry-After 600 s" in output
    assert "would pass the publish deadline (20s)" in output and "not retried" in output
    assert f"{ORG}/a, {ORG}/b, {ORG}/c (failed): not written: Grafana answered 429" in output
    assert _stored(emulator, ids[ORG]) == set()
    saves = [e for e in emulator.request_log if e.fault == "retry_after"]
    assert len(saves) == len(uids)  # one attempt each: no wait, no retry
    assert LOCK_FOLDER_UID not in emulator.folder_uids(ids[ORG])
    assert tokens[ORG] not in output


@ONE_APIS_MODE
def test_a_save_hanging_mid_answer_is_unknown_and_the_rest_not_sent(
    tmp_path: Path, emulator: Emulator
) -> None:
    """The first save is stored, then its answer stops halfway; at the deadline it is
    "unknown: check Grafana" (it is in Grafana after all), the two others are not sent, and
    the lock is handed back after the deadline."""
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: ["a", "b", "c"]})
    with EmulatorServer(emulator) as server:
        add_fault(emulator, *WRITE, kind="commit_then_hang", hang_s=600, times=1)
        args = ("--org", ORG, "--deadline", "6", "--timeout", "300", "--concurrency", "1")
        run = run_publish(tmp_path, server, tokens, *args, "--output", "json")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    events = json_events(run)
    actions = sorted(e["action"] for e in events.values())
    assert actions == ["failed", "failed", "unknown"], events  # (in the order saves go out)
    (held,) = [key for key, e in events.items() if e["action"] == "unknown"]
    assert "the publish deadline (6s) passed before Grafana answered" in events[held]["error"]
    assert "check Grafana" in events[held]["error"]
    for key, event in events.items():
        if key != held:
            assert event["error"] == "not sent: the publish deadline (6s) passed"
    assert {f"{ORG}/{uid}" for uid in _stored(emulator, ids[ORG])} == {held}  # it landed
    assert len(posts(emulator)) == 1  # the other two never went out
    assert LOCK_FOLDER_UID not in emulator.folder_uids(ids[ORG])
    summary = json.loads(run.stdout.splitlines()[-1])
    assert any(
        "the publish deadline (6s) passed: 0 written, 2 not sent" in n for n in summary["notes"]
    )


@ONE_APIS_MODE
def test_a_slow_server_is_cut_at_the_deadline_mid_batch(tmp_path: Path, emulator: Emulator) -> None:
    """The first two saves are answered, every later one is held 120 s (a slow Grafana):
    two written, the held one unknown, the others not sent, each named in the text report."""
    ids, tokens = seed_orgs(emulator, ORG)
    uids = [f"d{n}" for n in range(6)]
    write_project(tmp_path, {ORG: uids})
    with EmulatorServer(emulator) as server:
        add_fault(emulator, *WRITE, kind="delay", delay_ms=0, times=2)
        add_fault(emulator, *WRITE, kind="delay", delay_ms=120_000, times=None)
        args = ("--org", ORG, "--deadline", "6", "--concurrency", "1", "--timeout", "300")
        run = run_publish(tmp_path, server, tokens, *args)
        stored = _stored(emulator, ids[ORG])
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    lines = run.stdout.splitlines()
    created = {line.split()[1].split("/")[1] for line in lines if line.startswith("created ")}
    unknown = [line.split()[1] for line in lines if line.startswith("unknown ")]
    assert len(created) == 2 and created == stored, output  # the held save is still held
    assert len(unknown) == 1, output
    held = unknown[0].split("/")[1]
    not_sent = ", ".join(f"{ORG}/{uid}" for uid in uids if uid not in created | {held})
    assert f"  {not_sent} (failed): not sent: the publish deadline (6s) passed" in run.stderr
    assert "the publish deadline (6s) passed: 2 written, 3 not sent, 1 unknown" in run.stderr
    assert "1 dashboard unknown (check Grafana)" in run.stderr
    assert LOCK_FOLDER_UID not in emulator.folder_uids(ids[ORG])


@ONE_APIS_MODE
def test_the_deadline_mid_batch_with_several_orgs(tmp_path: Path, emulator: Emulator) -> None:
    """--all-orgs, three orgs at once, concurrency 1 each: the first three saves (whichever
    orgs) are answered, every later one is held. Exactly those three are written and
    stored; each org has at most one unknown; every other dashboard is not sent and not
    stored; every org's lock is handed back."""
    orgs = ["alpha", "beta", "gamma"]
    ids, tokens = seed_orgs(emulator, *orgs)
    write_project(tmp_path, {org: [f"{org}-{n}" for n in range(4)] for org in orgs})
    with EmulatorServer(emulator) as server:
        add_fault(emulator, *WRITE, kind="delay", delay_ms=0, times=3)
        add_fault(emulator, *WRITE, kind="delay", delay_ms=120_000, times=None)
        args = ("--all-orgs", "--deadline", "6", "--concurrency", "1", "--timeout", "300")
        run = run_publish(tmp_path, server, tokens, *args, "--output", "json")
        stored = {org: _stored(emulator, ids[org]) for org in orgs}
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    events = json_events(run)
    assert len(events) == 12
    by_action: dict[str, set[str]] = {}
    for key, event in events.items():
        by_action.setdefault(event["action"], set()).add(key)
    written = by_action.get("created", set())
    assert len(written) == 3, by_action
    assert written == {f"{org}/{uid}" for org in orgs for uid in stored[org]}
    unknown = by_action.get("unknown", set())
    assert len(unknown) <= 3 and len({key.split("/")[0] for key in unknown}) == len(unknown)
    assert set(events) == written | unknown | by_action.get("failed", set())
    for key in by_action.get("failed", set()):
        error = events[key]["error"]  # (on /apis the cut request may be a dry run)
        assert error.startswith("not sent: ") and "the publish deadline (6s) passed" in error
    assert len(posts(emulator)) == 3  # the held ones are logged once answered: never
    for org in orgs:
        assert LOCK_FOLDER_UID not in emulator.folder_uids(ids[org]), org


def test_deadline_in_the_config_and_none(tmp_path: Path, emulator: Emulator) -> None:
    """``[grafana] deadline`` applies unless --deadline says otherwise; "none" turns it off;
    a bad value is a configuration error (exit 2)."""
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: ["a"]}, extra='[grafana]\ndeadline = "1s"\n')
    with EmulatorServer(emulator) as server:
        emulator.faults.add("GET", "/api/org", kind="delay", delay_ms=3000, times=1)
        by_config = run_publish(tmp_path, server, tokens, "--org", ORG)
        assert by_config.returncode == 1, by_config.stdout + by_config.stderr
        assert "the publish deadline (1s) passed" in by_config.stdout + by_config.stderr
        emulator.faults.add("GET", "/api/org", kind="delay", delay_ms=1500, times=1)
        unbounded = run_publish(tmp_path, server, tokens, "--org", ORG, "--deadline", "none")
        assert unbounded.returncode == 0, unbounded.stdout + unbounded.stderr
        assert _stored(emulator, ids[ORG]) == {"a"}
        write_project(tmp_path, {ORG: ["a"]}, extra='[grafana]\ndeadline = "soon"\n')
        bad = run_publish(tmp_path, server, tokens, "--org", ORG)
    assert bad.returncode == 2 and "deadline" in bad.stderr, bad.stderr
    assert "Traceback" not in by_config.stderr + unbounded.stderr + bad.stderr


@ONE_APIS_MODE
def test_a_prune_delete_hanging_is_unknown(tmp_path: Path, emulator: Emulator) -> None:
    """--prune: the delete of a removed source is applied, then its answer hangs: at the
    deadline it is an unknown deletion (it is gone after all), listed under "Not pruned:"."""
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: ["keep", "gone"]}, extra='project = "deadline"\n')
    with EmulatorServer(emulator) as server:
        assert run_publish(tmp_path, server, tokens, "--org", ORG).returncode == 0
        (tmp_path / "dashboards" / ORG / "gone.json").unlink()
        add_fault(emulator, "DELETE", "/api/dashboards/uid/*", kind="commit_then_hang", hang_s=600)
        args = ("--org", ORG, "--prune", "--deadline", "6", "--timeout", "300")
        run = run_publish(tmp_path, server, tokens, *args)
        stored = _stored(emulator, ids[ORG])
    assert run.returncode == 1, run.stdout + run.stderr
    assert stored == {"keep"}  # what "unknown" stood for
    assert f"unknown      {ORG}/gone" in run.stdout
    assert "Not pruned:" in run.stderr and f"{ORG}/gone (unknown): unknown: deleting" in run.stderr
    assert "1 deletion unknown (check Grafana)" in run.stderr
    assert LOCK_FOLDER_UID not in emulator.folder_uids(ids[ORG])


@ONE_APIS_MODE
def test_a_wait_for_another_publishers_lock_ends_at_the_deadline(
    tmp_path: Path, emulator: Emulator
) -> None:
    """Another publisher holds the org's lock (and would for 45 s more before it counts as
    stale): the wait ends at the deadline, nothing is written, its lock is left alone."""
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: ["a", "b"]})
    holder = "dashgen publish lock: held by ci-runner:42:abcdef since 2026-12-03T08:00:00Z"
    emulator.create_folder(ids[ORG], holder, uid=LOCK_FOLDER_UID)
    with EmulatorServer(emulator) as server:
        run = run_publish(tmp_path, server, tokens, "--org", ORG, "--deadline", "4")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert (
        f"{ORG}/a, {ORG}/b (failed): not sent: the publish deadline (4s) passed while another "
        "dashgen publish (ci-runner:42:abcdef) held the publish lock"
    ) in run.stderr
    assert _stored(emulator, ids[ORG]) == set()
    assert posts(emulator) == []
    assert LOCK_FOLDER_UID in emulator.folder_uids(ids[ORG])  # theirs: left alone

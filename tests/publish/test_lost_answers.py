"""A write whose answer was lost and whose re-read failed too may have landed: it is
``unknown`` ("check Grafana"), never plainly ``failed``; a run without faults converges."""

from __future__ import annotations

import pytest
from lost_answers import after_first
from publish_support import ORG, OTHER_ORG
from scenario import Scenario, dashboard

from dashgen.publish import PruneOptions
from dashgen.publish.events import Action
from dashgen.publish.lock import LOCK_FOLDER_UID

LOST = ["commit_then_fail", "commit_then_drop"]
READ_FAULTS = [("status", 503), ("drop", None)]


def reads_fail(scenario: Scenario, uid: str, kind: str, status: int | None) -> None:
    extra = {"status": status} if status else {}
    scenario.emulator.faults.add(
        method="GET", path=scenario.mode.dashboard(uid), kind=kind, times=None, **extra
    )


@pytest.mark.parametrize("read", READ_FAULTS, ids=lambda r: r[0])
@pytest.mark.parametrize("lost", LOST)
@pytest.mark.parametrize("existing", [False, True], ids=["create", "update"])
def test_a_lost_save_answer_then_failed_reads_is_unknown(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch, lost: str, read: tuple, existing: bool
) -> None:
    emulator = scenario.emulator
    if existing:
        scenario.write_source(f"{ORG}/a.json", dashboard("a"))
        assert scenario.library_publish().ok
    scenario.write_source(f"{ORG}/a.json", dashboard("a", title="Changed a"))
    scenario.mode.add_write_fault(emulator, kind=lost, times=1, dry_runs=False)
    after_first(
        monkeypatch,
        "POST" if not existing or not scenario.mode.is_k8s else "PUT",
        [p for _, p in scenario.mode.dashboard_write],
        lambda: reads_fail(scenario, "a", *read),
    )

    report = scenario.library_publish()

    stored = scenario.stored("a")
    assert stored is not None and stored.data["title"] == "Changed a"  # it landed
    (event,) = [e for e in report.events if e.uid == "a"]
    assert event.action is Action.UNKNOWN, event
    assert event.error.startswith("unknown: the save was sent and may have been written")
    assert "check Grafana" in event.error
    assert report.exit_code == 1

    emulator.faults.clear()
    again = scenario.library_publish()
    assert [(e.uid, e.action) for e in again.events] == [("a", Action.UNCHANGED)], again.events
    assert again.ok


@pytest.mark.parametrize("output", ["text", "json"])
def test_the_cli_reports_it_unknown_and_exits_1(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    scenario.write_source(f"{ORG}/a.json", dashboard("a"))
    scenario.mode.add_write_fault(scenario.emulator, kind="commit_then_fail", dry_runs=False)
    after_first(
        monkeypatch,
        "POST",
        [p for _, p in scenario.mode.dashboard_write],
        lambda: reads_fail(scenario, "a", "status", 503),
    )

    run = scenario.publish("--output", output)

    assert run.code == 1, run.output
    assert scenario.stored("a") is not None  # it landed, its answer lost
    if output == "json":
        event, summary = run.json_lines()
        assert (event["uid"], event["action"]) == ("a", "unknown"), run.output
        assert "deadline" not in run.output, run.output  # (it did not pass)
        assert "check Grafana" in event["error"], event
        assert summary["summary"] == {"unknown": 1}, summary
    else:
        assert f"unknown      {ORG}/a" in run.stdout, run.output
        assert "1 dashboard unknown (check Grafana)" in run.stderr, run.output
        assert "dashboard failed" not in run.stderr, run.output
        assert "deadline" not in run.output, run.output  # (it did not pass)

    scenario.emulator.faults.clear()
    again = scenario.publish("--output", "json")
    assert again.code == 0, again.output
    assert [(e["uid"], e["action"]) for e in again.json_lines()[:-1]] == [("a", "unchanged")]


@pytest.mark.parametrize("lost", LOST)
def test_a_folder_create_whose_answer_was_lost_then_failed_reads(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    """The folder may exist: its dashboards are not written (failed, nothing sent), and the
    sentence says the folder may have been created; a fault-free run converges."""
    mode, emulator = scenario.mode, scenario.emulator
    scenario.write_source(f"{ORG}/a.json", dashboard("a"))
    method, create = mode.folder_create
    emulator.faults.add(method=method, path=create, kind=lost, times=1)
    after_first(
        monkeypatch,
        method,
        [create],
        lambda: emulator.faults.add(
            method="GET", path=mode.folder("platform"), kind="status", times=None
        ),
    )

    report = scenario.library_publish()

    assert "platform" in emulator.folder_uids(scenario.org_id)  # it landed
    (event,) = report.events
    assert event.action is Action.FAILED, event
    assert scenario.stored("a") is None and mode.writes(emulator) == []
    assert "may have been created" in event.error and "check Grafana" in event.error, event
    emulator.faults.clear()
    again = scenario.library_publish()
    assert [(e.uid, e.action) for e in again.events] == [("a", Action.CREATED)], again.events


@pytest.mark.parametrize("lost", LOST)
def test_a_prune_delete_whose_answer_was_lost_then_failed_reads_is_unknown(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    mode, emulator = scenario.mode, scenario.emulator
    for uid in ("keep", "gone"):
        scenario.write_source(f"{ORG}/{uid}.json", dashboard(uid))
    assert scenario.library_publish().ok
    scenario.remove_source(f"{ORG}/gone.json")
    emulator.faults.add(method="DELETE", path=mode.dashboard("gone"), kind=lost, times=1)
    after_first(
        monkeypatch,
        "DELETE",
        [mode.dashboard("gone")],
        lambda: reads_fail(scenario, "gone", "status", 503),
    )

    report = scenario.library_publish(prune=PruneOptions())

    assert scenario.uids() == ["keep"]  # it landed
    (event,) = [e for e in report.events if e.uid == "gone"]
    assert event.action is Action.UNKNOWN, event
    assert event.error.startswith("unknown:") and "check Grafana" in event.error, event
    assert report.exit_code == 1
    emulator.faults.clear()
    again = scenario.library_publish(prune=PruneOptions())
    assert again.ok and [(e.uid, e.action) for e in again.events] == [("keep", Action.UNCHANGED)]


def test_a_prune_folder_delete_whose_answer_was_lost_then_failed_reads_is_unknown(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    mode, emulator = scenario.mode, scenario.emulator
    scenario.write_source(f"{ORG}/keep.json", dashboard("keep"))
    scenario.write_source(f"{ORG}/team-a/gone.json", dashboard("gone"))
    assert scenario.library_publish().ok
    scenario.remove_source(f"{ORG}/team-a/gone.json")
    folder = mode.folder("team-a")
    emulator.faults.add(method="DELETE", path=folder, kind="commit_then_fail", times=1)
    after_first(
        monkeypatch,
        "DELETE",
        [folder],
        lambda: emulator.faults.add(method="GET", path=f"{folder}*", kind="status", times=None),
    )

    report = scenario.library_publish(prune=PruneOptions())

    assert "team-a" not in emulator.folder_uids(scenario.org_id)  # it landed
    (event,) = [e for e in report.events if e.uid == "team-a"]
    assert event.action is Action.UNKNOWN, event
    assert "check Grafana" in event.error, event
    emulator.faults.clear()
    again = scenario.library_publish(prune=PruneOptions())
    assert again.ok and [(e.uid, e.action) for e in again.events] == [("keep", Action.UNCHANGED)]


def test_a_lock_claim_whose_answer_was_lost_is_held_and_handed_back(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock folder was created in this publish's name: it holds the lock (read again),
    writes under it and hands it back, instead of publishing without it and leaving it to
    go stale for every other publisher."""
    mode, emulator = scenario.mode, scenario.emulator
    scenario.write_source(f"{OTHER_ORG}/a.json", dashboard("a"))
    method, create = mode.folder_create
    emulator.faults.add(method=method, path=create, kind="commit_then_fail", times=1)

    report = scenario.library_publish(OTHER_ORG)

    assert [(e.uid, e.action) for e in report.events] == [("a", Action.CREATED)], report.events
    assert not any("without the publish lock" in note for note in report.notes), report.notes
    assert LOCK_FOLDER_UID not in emulator.folder_uids(scenario.other_org_id)  # handed back
    assert len(mode.lock_deletes(emulator)) == 1


def test_a_lock_claim_whose_answer_was_lost_then_failed_reads_says_it_may_be_left(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    mode, emulator = scenario.mode, scenario.emulator
    scenario.write_source(f"{OTHER_ORG}/a.json", dashboard("a"))
    method, create = mode.folder_create
    emulator.faults.add(method=method, path=create, kind="commit_then_fail", times=1)
    after_first(
        monkeypatch,
        method,
        [create],
        lambda: emulator.faults.add(
            method="GET", path=mode.folder(LOCK_FOLDER_UID), kind="status", times=None
        ),
    )

    report = scenario.library_publish(OTHER_ORG)

    assert [(e.uid, e.action) for e in report.events] == [("a", Action.CREATED)], report.events
    assert LOCK_FOLDER_UID in emulator.folder_uids(scenario.other_org_id)  # it landed
    (note,) = [n for n in report.notes if "without the publish lock" in n]
    assert "may be left held" in note, note


def test_an_unknown_write_that_landed_is_ours_when_the_build_moves_on(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The landed write carries dashgen's message: the next build updates it, never refuses
    it as edited by someone else."""
    scenario.write_source(f"{ORG}/a.json", dashboard("a"))
    scenario.mode.add_write_fault(scenario.emulator, kind="commit_then_drop", dry_runs=False)
    after_first(
        monkeypatch,
        "POST",
        [p for _, p in scenario.mode.dashboard_write],
        lambda: reads_fail(scenario, "a", "drop", None),
    )
    assert [e.action for e in scenario.library_publish().events] == [Action.UNKNOWN]
    scenario.emulator.faults.clear()
    scenario.write_source(f"{ORG}/a.json", dashboard("a", title="Next a"))

    report = scenario.library_publish()

    assert [(e.uid, e.action) for e in report.events] == [("a", Action.UPDATED)], report.events
    stored = scenario.stored("a")
    assert stored is not None and stored.data["title"] == "Next a"


def test_a_refused_retry_after_a_lost_answer_then_a_failed_read_is_unknown(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first save's answer is lost (a 503), the read finds it not landed, someone saves
    the dashboard meanwhile, the second save is refused (version moved) and the read that
    would tell who moved it fails: the first save may have landed late, nobody can tell."""
    mode, emulator = scenario.mode, scenario.emulator
    scenario.write_source(f"{ORG}/a.json", dashboard("a"))
    assert scenario.library_publish().ok
    scenario.write_source(f"{ORG}/a.json", dashboard("a", title="Changed a"))
    writes = [p for _, p in mode.dashboard_write]
    write_method = "PUT" if mode.is_k8s else "POST"
    mode.add_write_fault(emulator, kind="status", status=503, times=1, dry_runs=False)

    def someone_saves() -> None:
        scenario.edit_in_ui("a", lambda data: data.update(title="Alice's a"))
        reads_fail(scenario, "a", "status", 503)

    def after_the_lost_save() -> None:  # the next read of "a" succeeds, then alice saves
        after_first(monkeypatch, "GET", [mode.dashboard("a")], someone_saves)

    after_first(monkeypatch, write_method, writes, after_the_lost_save)

    report = scenario.library_publish()

    (event,) = report.events
    assert event.action is Action.UNKNOWN, event
    assert "check Grafana" in event.error, event
    stored = scenario.stored("a")
    assert stored is not None and stored.data["title"] == "Alice's a"  # never overwritten


def test_a_refused_first_save_then_a_failed_read_is_failed_not_written(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused (the version moved after the plan read it), nothing of it landed: failed,
    "not written", even when the read that would say who moved it fails (before: its
    error escaped publish())."""
    mode = scenario.mode
    scenario.write_source(f"{ORG}/a.json", dashboard("a"))
    assert scenario.library_publish().ok
    scenario.write_source(f"{ORG}/a.json", dashboard("a", title="Changed a"))

    def someone_saves() -> None:
        scenario.edit_in_ui("a", lambda data: data.update(title="Alice's a"))
        reads_fail(scenario, "a", "status", 503)

    after_first(monkeypatch, "GET", [mode.dashboard("a")], someone_saves)

    report = scenario.library_publish()

    (event,) = report.events
    assert event.action is Action.FAILED and event.error.startswith("not written:"), event
    stored = scenario.stored("a")
    assert stored is not None and stored.data["title"] == "Alice's a"


@pytest.mark.parametrize("lost", ["status", "drop", *LOST])
def test_a_lock_hand_back_whose_answer_was_lost_is_read_again(
    scenario: Scenario, lost: str
) -> None:
    """Landed or not, the lock is gone after the publish: the next one need not wait for
    it to go stale."""
    mode, emulator = scenario.mode, scenario.emulator
    scenario.write_source(f"{OTHER_ORG}/a.json", dashboard("a"))
    lock = mode.folder(LOCK_FOLDER_UID)
    emulator.faults.add(method="DELETE", path=lock, kind=lost, times=1)

    report = scenario.library_publish(OTHER_ORG)

    assert [(e.uid, e.action) for e in report.events] == [("a", Action.CREATED)], report.events
    assert LOCK_FOLDER_UID not in emulator.folder_uids(scenario.other_org_id)

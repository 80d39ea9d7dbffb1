"""The per-org publish lock (dashgen.publish.lock): taken only to write, handed back, never
stale for long, and optional where the token may not create folders."""

from __future__ import annotations

import pytest
from publish_support import ORG, Project, Seeded, add_fault, make_dashboard, requests_of

from dashgen.publish import Action, Connection, publish
from dashgen.publish import lock as publish_lock

LOCK = publish_lock.LOCK_FOLDER_UID
GHOST = "dashgen publish lock: held by ghost:1:abcdef since 2020-01-01T00:00:00Z"


def _actions(report) -> dict[str, str]:
    return {event.uid: event.action.value for event in report.events}


def test_taken_to_write_handed_back_and_not_taken_when_nothing_changes(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("a")])
    first = publish(project.config, [ORG], connection=connection, dashboards=built)
    assert _actions(first) == {"a": "created"}
    assert LOCK not in seeded.emulator.folder_uids(seeded.org_id)
    assert requests_of(seeded.emulator, "PUT", f"/api/folders/{LOCK}") == []  # created, deleted
    deletes = requests_of(seeded.emulator, "DELETE", f"/api/folders/{LOCK}")
    assert [e.status for e in deletes] == [200]
    seeded.emulator.clear_request_log()

    again = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert _actions(again) == {"a": "unchanged"}
    assert [e for e in seeded.emulator.request_log if e.method != "GET"] == []


def test_a_stale_lock_is_taken_over(
    seeded: Seeded,
    project: Project,
    connection: Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A killed publish left the lock: it is not renewed, so it is taken over."""
    monkeypatch.setattr(publish_lock, "STALE_AFTER_S", 0.2)
    monkeypatch.setattr(publish_lock, "POLL_S", (0.01, 0.05))
    seeded.emulator.create_folder(seeded.org_id, GHOST, uid=LOCK)
    built = project.write(ORG, [make_dashboard("a")])

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert _actions(report) == {"a": "created"}
    assert any("took over the publish lock from ghost:1:abcdef" in n for n in report.notes)
    assert LOCK not in seeded.emulator.folder_uids(seeded.org_id)


def test_a_lock_held_too_long_fails_the_writes_with_a_sentence(
    seeded: Seeded,
    project: Project,
    connection: Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(publish_lock, "MAX_WAIT_S", 0.1)
    monkeypatch.setattr(publish_lock, "POLL_S", (0.01, 0.05))
    seeded.emulator.create_folder(seeded.org_id, GHOST, uid=LOCK)
    built = project.write(ORG, [make_dashboard("a")])

    (event,) = publish(project.config, [ORG], connection=connection, dashboards=built).events

    assert event.action is Action.FAILED
    assert "not written" in event.error and "ghost:1:abcdef" in event.error
    assert seeded.emulator.dashboard(seeded.org_id, "a") is None
    assert LOCK in seeded.emulator.folder_uids(seeded.org_id)  # theirs, left alone


def test_without_the_right_to_create_folders_publish_goes_on_and_says_so(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    add_fault(seeded.emulator, "POST", "/api/folders", status=403, times=None)
    built = project.write(ORG, [make_dashboard("a")], folder=None, folder_uid=None)

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert _actions(report) == {"a": "created"}
    assert any("published without the publish lock" in note for note in report.notes)


def test_a_folder_of_dashboards_cannot_be_the_lock(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    """A folder title that derives the lock's uid is refused with a sentence, never created:
    the lock would retitle it and could never be handed back while it holds dashboards."""
    built = project.write(
        ORG, [make_dashboard("a")], folder="Dashgen publish lock", folder_uid=None
    )
    assert built[0].target_folder_uid == LOCK

    (event,) = publish(project.config, [ORG], connection=connection, dashboards=built).events

    assert event.action is Action.FAILED
    assert "is dashgen's publish lock, not a folder for dashboards" in (event.error or "")
    assert seeded.emulator.dashboard(seeded.org_id, "a") is None
    assert LOCK not in seeded.emulator.folder_uids(seeded.org_id)

"""A classic batch plans on its own thread what needs no request (``dashgen.publish.at_hand``):
an unchanged dashboard read ahead, a new one; the others (changed, edited in Grafana, to
adopt) are planned on the pool, with the answer read ahead, read once. The outcome is the
same as planning every dashboard on the pool (real HTTP: only there are reads read ahead)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from publish_support import (
    FAST_RETRY,
    FOLDER_UID,
    ORG,
    Project,
    make_dashboard,
    requests_to,
    seed,
    stored_json,
)
from scenario import BACKEND_MODES

from dashgen.build import BuiltDashboard
from dashgen.publish import Connection, at_hand, publish
from dashgen.publish.events import ADOPTED as ADOPTED_NOTE
from dashgen.publish.events import PublishEvent
from dashgen.publish.session import OrgSession
from dashgen.testing import Emulator, EmulatorServer

CLASSIC_MODES = [mode for mode in BACKEND_MODES if mode.api == "classic"]
UIDS = [f"d{n:02}" for n in range(40)]  # a batch large enough to start with a search
EDITED, CHANGED, ADOPTED, NEW = "d05", "d09", "d11", "new"


def _republish(
    project: Project, monkeypatch: pytest.MonkeyPatch, pooled: list[str]
) -> tuple[list[PublishEvent], list[str]]:
    """Publish UIDS, then change one in the source, edit one in Grafana, edit one there and
    bring the source to match, add one: the republish's events (URLs without the server's
    address) and the dashboard reads it sent. ``pooled``: the uids planned on the pool."""
    emulator = Emulator()
    seeded = seed(emulator, monkeypatch)
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=FAST_RETRY)
        built = project.write(ORG, [make_dashboard(uid) for uid in UIDS])
        publish(project.config, [ORG], connection=connection, dashboards=built)
        emulator.create_user("alice", "pw")
        for uid in (EDITED, ADOPTED):
            edited = stored_json(emulator, seeded.org_id, uid) | {"title": "Edited"}
            emulator.save_dashboard(seeded.org_id, edited, folder_uid=FOLDER_UID, user="alice")
        sources = {uid: make_dashboard(uid) for uid in UIDS}
        sources[CHANGED] = make_dashboard(CHANGED, panels=3)
        sources[ADOPTED] = make_dashboard(ADOPTED, title="Edited")
        sources[NEW] = make_dashboard(NEW)
        built = project.write(ORG, list(sources.values()))
        emulator.clear_request_log()
        each = OrgSession.each

        def spied(session: OrgSession, items: Sequence[Any], work: Any) -> Any:
            pooled.extend(item.uid for item in items if isinstance(item, BuiltDashboard))
            return each(session, items, work)

        monkeypatch.setattr(OrgSession, "each", spied)
        report = publish(project.config, [ORG], connection=connection, dashboards=built)
        monkeypatch.setattr(OrgSession, "each", each)
        events = [
            e.__class__(**{**vars(e), "url": (e.url or "").removeprefix(server.url)})
            for e in sorted(report.events, key=lambda e: e.uid)
        ]
    reads = [e.path for e in requests_to(emulator, "GET", "/api/dashboards/uid/")]
    return events, reads


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_only_what_needs_a_request_is_planned_on_the_pool_each_read_once(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    pooled: list[str] = []
    events, reads = _republish(project, monkeypatch, pooled)

    actions = {e.uid: (e.action.value, e.note) for e in events}
    assert actions.pop(EDITED)[0] == "drifted"
    assert actions.pop(CHANGED) == ("updated", None)
    assert actions.pop(ADOPTED) == ("updated", ADOPTED_NOTE)
    assert actions.pop(NEW) == ("created", None)
    assert set(actions.values()) == {("unchanged", None)}
    assert sorted(pooled) == [EDITED, CHANGED, ADOPTED]
    dashboard_reads = sorted(path for path in reads if "/versions" not in path)
    assert dashboard_reads == [f"/api/dashboards/uid/{uid}" for uid in UIDS]


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_the_outcome_is_that_of_planning_every_dashboard_on_the_pool(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, _ = _republish(project, monkeypatch, [])
    monkeypatch.setattr(at_hand, "planned_at_hand", lambda *args: None)
    pooled: list[str] = []
    there, _ = _republish(project, monkeypatch, pooled)

    assert len(pooled) == len(UIDS) + 1  # (the check works: every one on the pool)
    assert here == there


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_a_live_text_that_held_the_build_once_is_known_again_by_its_compact_hash(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = Emulator()
    seeded = seed(emulator, monkeypatch)
    built = project.write(ORG, [make_dashboard(uid) for uid in UIDS])
    hashed: list[str] = []
    hash_canonical = at_hand.hash_canonical

    def spied(dashboard: dict[str, Any]) -> str:
        hashed.append(dashboard["uid"])
        return hash_canonical(dashboard)

    monkeypatch.setattr(at_hand, "hash_canonical", spied)
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=FAST_RETRY)
        publish(project.config, [ORG], connection=connection, dashboards=built)
        learning = publish(project.config, [ORG], connection=connection, dashboards=built)
        learned = sorted(hashed)
        edited = stored_json(emulator, seeded.org_id, EDITED) | {"title": "Edited"}
        emulator.save_dashboard(seeded.org_id, edited, folder_uid=FOLDER_UID)
        hashed.clear()
        again = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert learning.counts() == {"unchanged": len(UIDS)} and learned == UIDS
    assert {e.uid: e.action.value for e in again.events if e.action.value != "unchanged"} == {
        EDITED: "drifted"  # (its compact hash missed: planned in full on the pool)
    }
    assert hashed == []  # every one by its compact hash, as learned


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_a_read_ahead_refused_is_said_for_its_dashboard_and_not_asked_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = Emulator()
    seed(emulator, monkeypatch)
    built = project.write(ORG, [make_dashboard(uid) for uid in UIDS])
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=FAST_RETRY)
        publish(project.config, [ORG], connection=connection, dashboards=built)
        emulator.clear_request_log()
        emulator.faults.add("GET", f"/api/dashboards/uid/{EDITED}", status=403)
        again = publish(project.config, [ORG], connection=connection, dashboards=built)

    (failed,) = again.failures
    assert failed.uid == EDITED and f"reading dashboard 'Dashboard {EDITED}'" in str(failed.error)
    assert again.counts() == {"unchanged": len(UIDS) - 1, "failed": 1}
    reads = [e.path for e in requests_to(emulator, "GET", f"/api/dashboards/uid/{EDITED}")]
    assert reads == [f"/api/dashboards/uid/{EDITED}"]  # once: its refusal is what it says

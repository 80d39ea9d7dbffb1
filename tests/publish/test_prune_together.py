"""``publish --prune`` and the datasource check together with the rest of publish: the org's
publish lock (deletes are writes), the org-failure guard (said once, nothing more sent),
``--uid`` (refused: the dashboards outside a selection are not removed sources), the stored
form (a name binding with a refresh Grafana rewrites republishes with no write), and the
version message naming the project (still the drift guard's and adoption's evidence)."""

from __future__ import annotations

import os

import pytest
from publish_support import ORG
from scenario import PROJECT, Scenario, count_of, dashboard, index_of

from dashgen.grafana.classic import ClassicDashboards
from dashgen.grafana.client import Connection
from dashgen.model.normalize import content_hash, normalize
from dashgen.publish import PruneOptions
from dashgen.publish import lock as publish_lock
from dashgen.publish.events import Action
from dashgen.publish.provenance import project_in_message, version_message, wrote
from dashgen.secrets import Secret
from dashgen.tokens import env_var_name

LOCK = publish_lock.LOCK_FOLDER_UID
GHOST = "dashgen publish lock: held by ghost:1:abcdef since 2020-01-01T00:00:00Z"


def published(scenario: Scenario, *uids: str) -> None:
    for uid in uids:
        scenario.write_source(f"{ORG}/{uid}.json", dashboard(uid))
    run = scenario.publish()
    assert run.code == 0, run.output


def logged(scenario: Scenario) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in scenario.emulator.request_log]


def test_deletes_take_the_publish_lock_when_nothing_else_is_written(scenario: Scenario) -> None:
    published(scenario, "keep", "gone")
    scenario.remove_source(f"{ORG}/gone.json")
    scenario.emulator.clear_request_log()

    run = scenario.publish("--prune")

    assert run.code == 0, run.output
    assert scenario.uids() == ["keep"]
    log, mode = logged(scenario), scenario.mode
    claim = index_of(log, *mode.folder_create)  # the lock taken (its folder created)
    delete = index_of(log, "DELETE", mode.dashboard("gone"))
    handed_back = index_of(log, "DELETE", mode.folder(LOCK))
    assert claim < delete < handed_back
    assert mode.writes(scenario.emulator) == []  # no write
    assert LOCK not in scenario.emulator.folder_uids(scenario.org_id)


def test_deletes_run_under_the_lock_the_writes_took(scenario: Scenario) -> None:
    published(scenario, "keep", "gone")
    scenario.write_source(f"{ORG}/keep.json", dashboard("keep", "Keep, retitled"))
    scenario.remove_source(f"{ORG}/gone.json")
    scenario.emulator.clear_request_log()

    run = scenario.publish("--prune")

    assert run.code == 0, run.output
    log, mode = logged(scenario), scenario.mode
    assert count_of(log, *mode.folder_create) == 1  # one lock for the writes and the deletes
    write = mode.first_write(scenario.emulator)
    delete = index_of(log, "DELETE", mode.dashboard("gone"))
    assert index_of(log, *mode.folder_create) < write < delete
    assert delete < index_of(log, "DELETE", mode.folder(LOCK))
    assert scenario.mode.lock_deletes(scenario.emulator) != []


def test_a_lock_held_too_long_refuses_the_prune(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    published(scenario, "keep", "gone")
    scenario.remove_source(f"{ORG}/gone.json")
    monkeypatch.setattr(publish_lock, "MAX_WAIT_S", 0.1)
    monkeypatch.setattr(publish_lock, "POLL_S", (0.01, 0.05))
    scenario.emulator.create_folder(scenario.org_id, GHOST, uid=LOCK)

    run = scenario.publish("--prune")

    assert run.code == 1, run.output
    assert "org apiorg: not pruned: another dashgen publish (ghost:1:abcdef)" in run.stderr
    assert "nothing was pruned" in run.stderr
    assert scenario.stored("gone") is not None
    assert scenario.mode.deletes(scenario.emulator) == []
    assert LOCK in scenario.emulator.folder_uids(scenario.org_id)  # theirs, left alone


def test_the_publish_lock_folder_is_never_pruned(scenario: Scenario) -> None:
    """Even when a dashboard this project owns ended up in the lock's folder, which dashgen's
    own identity created: pruning that dashboard never deletes the lock."""
    published(scenario, "keep")
    token = os.environ[env_var_name(ORG)]
    connection = Connection(url=scenario.server.url)
    with connection.token_client(Secret(token)) as client:
        backend = ClassicDashboards(client)
        assert backend.claim_folder(LOCK, publish_lock.FREE_TITLE) is not None
        stuck = normalize(dashboard("stuck"))
        message = version_message(content_hash(stuck), None, PROJECT)
        backend.save(stuck, uid="stuck", base_version=None, folder_uid=LOCK, message=message)
    scenario.emulator.clear_request_log()

    report = scenario.library_publish(prune=PruneOptions(), lock=False)

    assert report.ok, report.failures
    assert [e.uid for e in report.events if e.action is Action.DELETED] == ["stuck"]
    assert not [e for e in report.events if e.action is Action.FOLDER_DELETED]
    assert LOCK in scenario.emulator.folder_uids(scenario.org_id)
    assert scenario.mode.lock_deletes(scenario.emulator) == []


def test_prune_with_uid_is_refused_before_anything_is_sent(scenario: Scenario) -> None:
    published(scenario, "keep", "other")
    scenario.emulator.clear_request_log()

    runs = [scenario.publish("--prune", "--uid", "keep"), scenario.diff("--prune", "--uid", "keep")]

    for run in runs:
        assert run.code == 2, run.output
        assert "--prune needs the whole build of each org" in run.stderr
        assert "cannot be combined with --uid" in run.stderr
    assert scenario.emulator.request_log == []
    assert sorted(scenario.uids()) == ["keep", "other"]
    # --uid alone still publishes only that dashboard, and prunes nothing.
    scenario.write_source(f"{ORG}/keep.json", dashboard("keep", "Keep v2"))
    aimed = scenario.publish("--uid", "keep")
    assert aimed.code == 0, aimed.output
    assert sorted(scenario.uids()) == ["keep", "other"]


def test_an_org_failing_during_the_prune_is_said_once_and_nothing_is_deleted(
    scenario: Scenario,
) -> None:
    published(scenario, "keep", "gone", "gone-too")
    scenario.remove_source(f"{ORG}/gone.json")
    scenario.remove_source(f"{ORG}/gone-too.json")
    # The publish itself passes; reading the candidates' history, Grafana rejects the token.
    method, path = scenario.mode.history_read
    scenario.emulator.faults.add(method=method, path=path, status=401, times=None)

    run = scenario.publish("--prune")

    assert run.code == 1, run.output
    assert run.output.count("Grafana answered 401") + run.output.count("rejected") == 1, run.output
    assert "not pruned" not in run.output  # no per-dashboard warning, no refusal of its own
    assert scenario.mode.deletes(scenario.emulator) == []
    assert sorted(scenario.uids()) == ["gone", "gone-too", "keep"]


def test_datasources_unreachable_for_the_org_is_said_once(scenario: Scenario) -> None:
    scenario.write_source(f"{ORG}/a.json", _with_prometheus("a"))
    scenario.write_source(f"{ORG}/b.json", _with_prometheus("b"))
    scenario.emulator.faults.add(method="GET", path="/api/datasources", kind="drop", times=None)

    run = scenario.publish()

    assert run.code == 1, run.output
    assert run.output.count("could not reach Grafana") == 1, run.output
    assert "were not checked" not in run.output  # the org's failure, not a warning
    assert "2 not sent (org apiorg failed)" in run.stdout
    assert scenario.mode.writes(scenario.emulator) == []


def test_a_name_binding_with_a_rewritten_refresh_republishes_with_no_write(
    scenario: Scenario,
) -> None:
    """The bound form and the stored form compose: Grafana trims the title and raises the
    refresh to its minimum (5s), the binding becomes this org's uid; nothing is sent again."""
    scenario.emulator.create_datasource(scenario.org_id, "Prometheus", "prometheus", uid="p-1")
    document = _with_prometheus("bound", {"type": "prometheus", "name": "Prometheus"})
    document.update(title="  Bound  ", refresh="1s")
    scenario.write_source(f"{ORG}/bound.json", document)

    first = scenario.publish()

    assert first.code == 0, first.output
    stored = scenario.stored("bound")
    assert stored is not None
    assert stored.data["refresh"] == "5s" and stored.data["title"] == "Bound"
    assert stored.data["panels"][0]["datasource"] == {"type": "prometheus", "uid": "p-1"}
    message = scenario.emulator.versions(scenario.org_id, "bound")[-1].message
    assert wrote(message, content_hash(stored.data))
    writes = len(scenario.mode.writes(scenario.emulator))

    again, diff = scenario.publish(), scenario.diff()

    assert again.code == 0 and "unchanged    apiorg/bound" in again.stdout, again.output
    assert diff.code == 0, diff.output
    assert len(scenario.mode.writes(scenario.emulator)) == writes


def test_the_project_in_the_message_is_still_evidence_for_drift_and_adoption(
    scenario: Scenario,
) -> None:
    published(scenario, "svc", "other")
    first = scenario.emulator.versions(scenario.org_id, "svc")[-1].message
    assert project_in_message(first) == PROJECT
    # An edit of the source publishes without --force: the message is dashgen's.
    scenario.write_source(f"{ORG}/svc.json", dashboard("svc", "Service v2"))
    assert "updated      apiorg/svc" in scenario.publish().stdout
    # A person edits it; once the source matches, it is adopted with this project's message,
    # and when its source is then removed, prune knows it as this project's.
    scenario.edit_in_ui("svc", lambda data: data["panels"][0].update(title="Edited in the UI"))
    source = dashboard("svc", "Service v2")
    source["panels"][0]["title"] = "Edited in the UI"
    scenario.write_source(f"{ORG}/svc.json", source)

    adopted = scenario.publish()

    assert adopted.code == 0, adopted.output
    assert "updated (adopted the change made in Grafana) apiorg/svc" in adopted.stdout
    assert project_in_message(scenario.latest_message("svc")) == PROJECT
    scenario.remove_source(f"{ORG}/svc.json")
    pruned = scenario.publish("--prune")
    assert pruned.code == 0, pruned.output
    assert scenario.uids() == ["other"]


def _with_prometheus(uid: str, reference: dict | None = None) -> dict:
    document = dashboard(uid)
    document["panels"][0]["datasource"] = reference or {"type": "prometheus", "uid": "p-1"}
    return document

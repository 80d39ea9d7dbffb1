"""Tokens per org, error sentences, concurrent writers, retries and lost answers."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from publish_support import (
    FAST_RETRY,
    FOLDER_UID,
    ORG,
    OTHER_ORG,
    Project,
    Seeded,
    add_fault,
    is_save,
    issued,
    make_dashboard,
    on_k8s,
    posts,
    seed,
    stored_json,
)

from dashgen.publish import Connection, publish
from dashgen.publish.events import Action
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import env_var_name


class BeforeFirstSave(httpx.BaseTransport):
    """Runs ``action`` just before the first dashboard save reaches the server."""

    def __init__(self, inner: httpx.BaseTransport, action: Callable[[], None]) -> None:
        self.inner = inner
        self.action: Callable[[], None] | None = action

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.action is not None and is_save(request):
            action, self.action = self.action, None
            action()
        return self.inner.handle_request(request)


class BlindSearch(httpx.BaseTransport):
    """Search answers no hits, as a lagging 12.x search index may."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/search":
            return httpx.Response(200, json=[], request=request)
        return self.inner.handle_request(request)


def only_event(report):
    (event,) = report.events
    return event


def test_no_token_fails_the_org_with_what_to_do(
    seeded: Seeded, project: Project, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(env_var_name(ORG))
    built = project.write(ORG, [make_dashboard("a")])

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    event = only_event(report)
    assert event.action is Action.FAILED
    assert (
        "DASHGEN_TOKEN_APIORG" in event.error and "dashgen token create --org apiorg" in event.error
    )
    assert ORG in report.org_errors
    assert seeded.emulator.request_log == []


def test_token_of_another_org_sends_nothing(
    seeded: Seeded, project: Project, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env_var_name(ORG), seeded.other_token)
    built = project.write(ORG, [make_dashboard("a")])

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    event = only_event(report)
    assert event.action is Action.FAILED
    assert "'otherorg', not 'apiorg'" in event.error
    assert [(e.method, e.path) for e in seeded.emulator.request_log] == [("GET", "/api/org")]
    assert seeded.emulator.dashboards(seeded.org_id) == []
    assert seeded.emulator.dashboards(seeded.other_org_id) == []


def test_invalid_token_names_the_env_var(
    seeded: Seeded, project: Project, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env_var_name(ORG), "glsa_" + "notARealTokenAtAll0000000000_00000000")
    built = project.write(ORG, [make_dashboard("a")])

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    event = only_event(report)
    assert event.action is Action.FAILED
    assert "invalid, expired or revoked" in event.error
    assert "env DASHGEN_TOKEN_APIORG" in event.error
    assert "notARealToken" not in event.error
    assert "notARealToken" not in json.dumps([e.to_dict() for e in report.events])


def test_viewer_token_gets_the_role_sentence(
    seeded: Seeded, project: Project, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = project.write(ORG, [make_dashboard("old")], folder=None, folder_uid=None)
    publish(project.config, [ORG], connection=connection, dashboards=existing)
    viewer = issued(seeded.emulator.create_service_account_token(seeded.org_id, "Viewer", name="v"))
    monkeypatch.setenv(env_var_name(ORG), viewer)
    in_folder = project.write(ORG, [make_dashboard("a")])
    in_general = project.write(ORG, [make_dashboard("b")], folder=None, folder_uid=None)
    changed = project.write(ORG, [make_dashboard("old", panels=3)], folder=None, folder_uid=None)

    report = publish(
        project.config, [ORG], connection=connection, dashboards=in_folder + in_general + changed
    )

    assert {e.uid: e.action for e in report.events} == {
        "a": Action.FAILED,  # creating the folder is refused
        "b": Action.FAILED,  # the save is refused
        "old": Action.FAILED,  # not "drifted": its history is unreadable to a Viewer
    }
    for event in report.events:
        assert "Editor or Admin role" in event.error
        assert "DASHGEN_TOKEN_APIORG" in event.error
    assert [d.uid for d in seeded.emulator.dashboards(seeded.org_id)] == ["old"]


@pytest.mark.parametrize("version", ["12.0", "13.0"])
def test_concurrent_writer_between_read_and_write_is_not_overwritten(
    version: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = Emulator(version=version)
    seeded = seed(emulator, monkeypatch)
    first = project.write(ORG, [make_dashboard("a")])
    plain = Connection(
        url="http://localhost:3000", retry=FAST_RETRY, transport=emulator.transport()
    )
    publish(project.config, [ORG], connection=plain, dashboards=first)

    def colleague_saves() -> None:
        edited = stored_json(emulator, seeded.org_id, "a") | {"title": "Colleague"}
        emulator.save_dashboard(seeded.org_id, edited, folder_uid=FOLDER_UID)

    racing = Connection(
        url="http://localhost:3000",
        retry=FAST_RETRY,
        transport=BeforeFirstSave(emulator.transport(), colleague_saves),
    )
    changed = project.write(ORG, [make_dashboard("a", panels=3)])

    event = only_event(publish(project.config, [ORG], connection=racing, dashboards=changed))

    assert event.action is Action.FAILED
    assert "someone else between dashgen's read and its write" in event.error
    assert "re-run" in event.error
    assert stored_json(emulator, seeded.org_id, "a")["title"] == "Colleague"
    assert [s.status for s in posts(emulator)][-1] == (
        409 if on_k8s() or version == "13.0" else 412
    )
    assert len(posts(emulator)) == 2  # the first publish, then exactly one refused save


@pytest.mark.parametrize("version", ["12.0", "13.0"])
def test_search_that_lags_behind_does_not_break_publishing(
    version: str, project: Project, monkeypatch: pytest.MonkeyPatch, large_batch: None
) -> None:
    emulator = Emulator(version=version)
    seeded = seed(emulator, monkeypatch)
    built = project.write(ORG, [make_dashboard("a")])
    blind = Connection(
        url="http://localhost:3000", retry=FAST_RETRY, transport=BlindSearch(emulator.transport())
    )
    publish(project.config, [ORG], connection=blind, dashboards=built)
    changed = project.write(ORG, [make_dashboard("a", panels=3)])

    event = only_event(publish(project.config, [ORG], connection=blind, dashboards=changed))

    assert event.action is Action.UPDATED
    assert (event.version_before, event.version_after) == (1, 2)
    assert len(emulator.versions(seeded.org_id, "a")) == 2
    unchanged = only_event(publish(project.config, [ORG], connection=blind, dashboards=changed))
    assert unchanged.action is Action.UNCHANGED


def test_name_exists_on_older_grafana_says_rename_or_force(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = Emulator(version="11.2")
    seeded = seed(emulator, monkeypatch)
    emulator.create_folder(seeded.org_id, "Platform", uid=FOLDER_UID)
    emulator.save_dashboard(
        seeded.org_id, make_dashboard("theirs", title="Same"), folder_uid=FOLDER_UID
    )
    built = project.write(ORG, [make_dashboard("ours", title="Same")])
    connection = Connection(
        url="http://localhost:3000", retry=FAST_RETRY, transport=emulator.transport()
    )

    event = only_event(publish(project.config, [ORG], connection=connection, dashboards=built))

    assert event.action is Action.FAILED
    if on_k8s():  # asked for /apis, which 11.2 does not serve: said, nothing sent
        assert "does not serve /apis" in event.error and "api auto or classic" in event.error
        assert posts(emulator) == []
        return
    assert "same title" in event.error and "--force" in event.error


def test_bad_uid_is_a_sentence_about_the_source(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    built = project.write(ORG, [make_dashboard("x" * 41)])

    event = only_event(publish(project.config, [ORG], connection=connection, dashboards=built))

    assert event.action is Action.FAILED
    assert "uid" in event.error and "40 characters" in event.error
    assert f"dashboards/{'x' * 41}.json" in event.error


def test_unreachable_grafana_names_the_url_and_dashboard(project: Project, monkeypatch) -> None:
    monkeypatch.setenv(env_var_name(ORG), "glsa_whatever")
    built = project.write(ORG, [make_dashboard("a")])
    # Port 9 on loopback (discard) is closed on test machines: connection refused.
    connection = Connection(url="http://127.0.0.1:9", retry=FAST_RETRY)

    event = only_event(publish(project.config, [ORG], connection=connection, dashboards=built))

    assert event.action is Action.FAILED
    assert "http://127.0.0.1:9/api/org" in event.error
    assert "could not reach Grafana" in event.error


@pytest.mark.parametrize(
    ("method", "path", "kind", "times"),
    [
        ("POST", "/api/dashboards/db", "status", 2),  # 503 twice
        ("POST", "/api/dashboards/db", "retry_after", 2),  # 429 with Retry-After
        ("POST", "/api/dashboards/db", "drop", 2),  # connection dropped before the write
        ("GET", "/api/dashboards/uid/*", "drop", 2),
        ("GET", "/api/search", "status", 1),
        ("GET", "/api/folders/*", "status", 1),
        ("POST", "/api/folders", "commit_then_drop", 1),  # the retry then answers 409
    ],
)
def test_transient_faults_end_in_the_fault_free_state(
    seeded: Seeded,
    project: Project,
    connection: Connection,
    large_batch: None,
    method: str,
    path: str,
    kind: str,
    times: int,
) -> None:
    emulator = seeded.emulator
    # "b" already published (in General), so the update path runs too, and the folder is new.
    publish(
        project.config,
        [ORG],
        connection=connection,
        dashboards=project.write(ORG, [make_dashboard("b")], folder=None, folder_uid=None),
    )
    if on_k8s() and path == "/api/dashboards/uid/*":
        path = "/api/search"  # /apis reads every dashboard of a large batch with the LIST
    add_fault(emulator, method, path, kind=kind, times=times, retry_after_s=0.001)
    built = project.write(ORG, [make_dashboard("a"), make_dashboard("b", panels=3)])

    report = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert {e.uid: e.action.value for e in report.events} == {"a": "created", "b": "updated"}
    assert len(emulator.versions(seeded.org_id, "a")) == 1
    assert len(emulator.versions(seeded.org_id, "b")) == 2
    assert len(stored_json(emulator, seeded.org_id, "b")["panels"]) == 3
    assert any(entry.fault == kind for entry in emulator.request_log)


@pytest.mark.parametrize("kind", ["commit_then_drop", "commit_then_fail"])
@pytest.mark.parametrize("existing", [False, True])
def test_write_committed_but_answer_lost_adds_exactly_one_version(
    seeded: Seeded, project: Project, connection: Connection, kind: str, existing: bool
) -> None:
    emulator = seeded.emulator
    if existing:
        publish(
            project.config,
            [ORG],
            connection=connection,
            dashboards=project.write(ORG, [make_dashboard("a")]),
        )
    add_fault(emulator, "POST", "/api/dashboards/db", kind=kind, times=1)
    built = project.write(ORG, [make_dashboard("a", panels=3)])

    event = only_event(publish(project.config, [ORG], connection=connection, dashboards=built))

    assert event.action is (Action.UPDATED if existing else Action.CREATED)
    assert len(emulator.versions(seeded.org_id, "a")) == (2 if existing else 1)
    assert event.version_after == (2 if existing else 1)
    assert len(stored_json(emulator, seeded.org_id, "a")["panels"]) == 3


def test_faults_that_never_stop_fail_one_dashboard_and_not_the_others(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    emulator = seeded.emulator
    add_fault(emulator, "POST", "/api/dashboards/db", kind="status", times=None)
    built = project.write(ORG, [make_dashboard("a")])

    event = only_event(publish(project.config, [ORG], connection=connection, dashboards=built))

    assert event.action is Action.FAILED
    assert "503" in event.error and "Grafana's logs" in event.error
    assert len(posts(emulator)) == FAST_RETRY.attempts
    assert emulator.dashboard(seeded.org_id, "a") is None


def test_other_4xx_are_never_retried(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    emulator = seeded.emulator
    add_fault(emulator, "POST", "/api/dashboards/db", kind="status", status=400)
    built = project.write(ORG, [make_dashboard("a")])

    event = only_event(publish(project.config, [ORG], connection=connection, dashboards=built))

    assert event.action is Action.FAILED
    assert len(posts(emulator)) == 1


def test_each_org_gets_its_own_token_only(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    emulator = seeded.emulator
    built = project.write(ORG, [make_dashboard("a")]) + project.write(
        OTHER_ORG, [make_dashboard("a", title="Other a")]
    )

    report = publish(project.config, [ORG, OTHER_ORG], connection=connection, dashboards=built)

    assert report.ok and len(report.events) == 2
    assert stored_json(emulator, seeded.org_id, "a")["title"] == "Dashboard a"
    assert stored_json(emulator, seeded.other_org_id, "a")["title"] == "Other a"
    org_of_identity = {
        f"sa-{seeded.org_id}-publisher-a": seeded.org_id,
        f"sa-{seeded.other_org_id}-publisher-b": seeded.other_org_id,
    }
    assert {e.identity for e in emulator.request_log} == set(org_of_identity)
    for entry in emulator.request_log:
        assert entry.org_id == org_of_identity[entry.identity]
        assert entry.status not in (401, 403)


def test_faults_over_real_http_end_in_the_fault_free_state(
    grafana_server: EmulatorServer, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = grafana_server.emulator
    seeded = seed(emulator, monkeypatch)
    connection = Connection(url=grafana_server.url, retry=FAST_RETRY)
    publish(
        project.config,
        [ORG],
        connection=connection,
        dashboards=project.write(ORG, [make_dashboard(uid) for uid in "abc"]),
    )
    save = "/api/dashboards/db"
    add_fault(emulator, "POST", save, kind="commit_then_drop", times=1)
    add_fault(emulator, "POST", save, kind="drop", times=1)
    add_fault(emulator, "POST", save, kind="status", status=502, times=1)
    add_fault(emulator, "POST", save, kind="retry_after", times=1, retry_after_s=0.001)
    add_fault(emulator, "GET", "/api/dashboards/uid/*", kind="drop", times=2)
    changed = project.write(ORG, [make_dashboard(uid, panels=3) for uid in "abcde"])

    report = publish(project.config, [ORG], connection=connection, dashboards=changed)

    assert report.counts() == {"created": 2, "updated": 3}
    for uid in "abc":
        assert [v.version for v in emulator.versions(seeded.org_id, uid)] == [1, 2]
    for uid in "de":
        assert [v.version for v in emulator.versions(seeded.org_id, uid)] == [1]
    for uid in "abcde":
        assert len(stored_json(emulator, seeded.org_id, uid)["panels"]) == 3
    assert {e.fault for e in emulator.request_log if e.fault} == {
        "commit_then_drop",
        "drop",
        "status",
        "retry_after",
    }

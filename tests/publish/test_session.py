"""OrgSession: one token check, one client, each folder once, per-dashboard requests only."""

from __future__ import annotations

import pytest
from publish_support import (
    FOLDER_UID,
    K8S_DASHBOARDS,
    ORG,
    Project,
    Seeded,
    issued,
    make_dashboard,
    on_k8s,
    posts,
    requests_of,
    same_requests,
    sent,
)

from dashgen.publish import Connection, OrgSession
from dashgen.publish import session as publish_module
from dashgen.publish.events import Action
from dashgen.tokens import env_var_name


def requests(seeded: Seeded) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in seeded.emulator.request_log]


def test_a_session_publishing_twice_checks_the_org_once_and_never_searches(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    emulator = seeded.emulator
    with OrgSession(project.config, ORG, connection=connection) as session:
        first = session.publish(project.write(ORG, [make_dashboard("a")]))
        second = session.publish(project.write(ORG, [make_dashboard("a", title="A v2")]))

    assert [(e.uid, e.action) for e in first.events] == [("a", Action.CREATED)]
    assert [(e.uid, e.action) for e in second.events] == [("a", Action.UPDATED)]
    assert second.events[0].url and second.events[0].url.endswith("/d/a/a-v2")
    assert len([e for e in emulator.request_log if e.path == "/api/org"]) == 1
    assert requests_of(emulator, "GET", "/api/search") == []
    assert len(requests_of(emulator, "GET", f"/api/folders/{FOLDER_UID}")) == 1
    assert len(posts(emulator)) == 2
    assert len(emulator.versions(seeded.org_id, "a")) == 2


def test_the_second_publish_sends_only_the_dashboards_own_requests(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    with OrgSession(project.config, ORG, connection=connection) as session:
        session.publish(project.write(ORG, [make_dashboard("a"), make_dashboard("b")]))
        seeded.emulator.clear_request_log()

        report = session.publish(project.write(ORG, [make_dashboard("b", panels=3)]))
        after_update = sent(seeded.emulator)
        seeded.emulator.clear_request_log()
        unchanged = session.publish(project.write(ORG, [make_dashboard("b", panels=3)]))

    assert [(e.uid, e.action) for e in report.events] == [("b", Action.UPDATED)]
    assert after_update == [
        ("GET", "/api/dashboards/uid/b"),
        ("GET", "/api/dashboards/uid/b/versions/1"),  # drift guard: dashgen wrote v1
        ("POST", "/api/dashboards/db"),
    ] or (
        on_k8s()
        and [(m, p.rsplit("/", 1)[-1]) for m, p in after_update]
        == [
            ("GET", "b"),  # the object carries its message: no history read
            # no dry run: the session's first writes showed how this Grafana stores
            ("PUT", "b"),
        ]
    )
    assert [e.action for e in unchanged.events] == [Action.UNCHANGED]
    assert same_requests(
        seeded.emulator, [("GET", "/api/dashboards/uid/b")], [("GET", f"{K8S_DASHBOARDS}/b")]
    )


def test_a_folder_first_seen_in_a_later_batch_is_ensured_then(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    emulator = seeded.emulator
    with OrgSession(project.config, ORG, connection=connection) as session:
        session.publish(project.write(ORG, [make_dashboard("a")]))
        emulator.clear_request_log()
        report = session.publish(
            project.write(ORG, [make_dashboard("c")], folder="Other", folder_uid="other")
        )

    assert [e.action for e in report.events] == [Action.CREATED]
    assert "other" in emulator.folder_uids(seeded.org_id)
    folders = [(e.method, e.path) for e in emulator.request_log if "folders" in e.path]
    assert folders == [
        ("GET", "/api/folders/other"),
        ("POST", "/api/folders"),
    ] or (
        on_k8s()
        and [(m, p.rsplit("/", 1)[-1]) for m, p in folders]
        == [
            ("GET", "other"),
            ("POST", "folders"),
        ]
    )
    stored = emulator.dashboard(seeded.org_id, "c")
    assert stored is not None and stored.folder_uid == "other"


def test_a_failed_open_is_reported_and_tried_again_on_the_next_batch(
    seeded: Seeded, project: Project, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(env_var_name(ORG))
    built = project.write(ORG, [make_dashboard("a")])
    with OrgSession(project.config, ORG, connection=connection) as session:
        failed = session.publish(built)
        monkeypatch.setenv(env_var_name(ORG), seeded.token)
        recovered = session.publish(built)

    assert ORG in failed.org_errors and [e.action for e in failed.events] == [Action.FAILED]
    assert seeded.emulator.dashboard(seeded.org_id, "a") is not None
    assert [e.action for e in recovered.events] == [Action.CREATED] and recovered.ok


def test_the_git_sha_is_computed_once_per_session(
    seeded: Seeded, project: Project, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    def fake_sha(root: object) -> str:
        calls.append(root)
        return "abc1234"

    monkeypatch.setattr(publish_module, "git_short_sha", fake_sha)
    with OrgSession(project.config, ORG, connection=connection) as session:
        session.publish(project.write(ORG, [make_dashboard("a")]))
        session.publish(project.write(ORG, [make_dashboard("a", panels=3)]))

    assert len(calls) == 1
    messages = [v.message for v in seeded.emulator.versions(seeded.org_id, "a")]
    assert len(messages) == 2 and all(m.endswith(" git abc1234") for m in messages)


def test_dry_run_through_a_session_sends_no_write(
    seeded: Seeded, project: Project, connection: Connection
) -> None:
    with OrgSession(project.config, ORG, connection=connection) as session:
        report = session.publish(project.write(ORG, [make_dashboard("a")]), dry_run=True)

    assert [e.action for e in report.events] == [Action.WOULD_CREATE]
    # (on /apis each planned write is sent as a server dry run: validated, not stored)
    writes = [e for e in seeded.emulator.request_log if e.method != "GET"]
    assert [e for e in writes if "dryRun=All" not in e.query] == []
    assert len(writes) == (1 if on_k8s() else 0)


def test_a_token_revoked_during_the_session_is_read_again_on_the_next_batch(
    seeded: Seeded, project: Project, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = seeded.emulator
    with OrgSession(project.config, ORG, connection=connection) as session:
        session.publish(project.write(ORG, [make_dashboard("a")]))
        emulator.revoke_token(seeded.token)
        rejected = session.publish(project.write(ORG, [make_dashboard("a", panels=3)]))
        fresh = issued(emulator.create_service_account_token(seeded.org_id, "Editor"))
        monkeypatch.setenv(env_var_name(ORG), fresh)
        emulator.clear_request_log()
        recovered = session.publish(project.write(ORG, [make_dashboard("a", panels=3)]))

    assert [e.action for e in rejected.events] == [Action.FAILED]
    assert [e.action for e in recovered.events] == [Action.UPDATED]
    first = emulator.request_log[0]
    assert (first.method, first.path, first.status) == ("GET", "/api/org", 200)
    assert len(emulator.versions(seeded.org_id, "a")) == 2

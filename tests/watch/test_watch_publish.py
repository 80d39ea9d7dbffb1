"""watch --publish against the emulator: each good rebuild sends exactly what it rebuilt."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from watch_helpers import WatchRun, view_json

from dashgen.cli.watch_text import format_status
from dashgen.config import load_config
from dashgen.publish import Connection, OrgSession
from dashgen.publish.events import Action
from dashgen.testing.app import Emulator
from dashgen.watch.status import StatusKind

StartWatch = Callable[..., WatchRun]
ORG = "dev"
# Stored dashboard writes of either API (a /apis server dry run stores nothing).
DASHBOARD_WRITES = (
    ("POST", "/api/dashboards/db"),
    ("POST", "/apis/dashboard.grafana.app/*/namespaces/*/dashboards"),
    ("PUT", "/apis/dashboard.grafana.app/*/namespaces/*/dashboards/*"),
)


@pytest.fixture(
    params=[("classic", "12.0"), ("k8s", "12.0"), ("k8s", "13.0")], ids=lambda m: "-".join(m)
)
def backend_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """watch --publish through either dashboard API."""
    api, version = request.param
    monkeypatch.setenv("DASHGEN_API", api)
    return version


@pytest.fixture
def emulator(backend_mode: str) -> Emulator:
    return Emulator(version=backend_mode)


@pytest.fixture
def publisher(
    emulator: Emulator, project: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[OrgSession]:
    org_id = emulator.create_org(ORG)
    monkeypatch.setenv("DASHGEN_TOKEN_DEV", emulator.create_service_account_token(org_id))
    connection = Connection(url="http://127.0.0.1:3000", transport=emulator.transport())
    with OrgSession(load_config(project), ORG, connection=connection) as publisher:
        yield publisher


def writes(emulator: Emulator) -> int:
    return sum(
        "dryRun" not in entry.query
        and any(entry.method == m and fnmatchcase(entry.path, p) for m, p in DASHBOARD_WRITES)
        for entry in emulator.request_log
    )


def test_each_rebuild_publishes_only_the_rebuilt_dashboards(
    project: Path, start_watch: StartWatch, publisher: OrgSession, emulator: Emulator
) -> None:
    run = start_watch(project, publisher, orgs=(ORG,))
    org_id = emulator.org_id_by_name(ORG)
    assert org_id is not None
    initial = run.wait_for(lambda s: s.kind == StatusKind.PUBLISHED)
    assert {e.action for e in initial.publish_events} == {Action.CREATED}
    assert len(emulator.dashboards(org_id)) == 6
    emulator.clear_request_log()
    mark = run.mark()

    (project / "dashboards" / "beta.json").write_text(view_json("beta", "Beta v2"))

    published = run.wait_for(lambda s: s.kind == StatusKind.PUBLISHED, after=mark)
    assert [(e.uid, e.action) for e in published.publish_events] == [("beta", Action.UPDATED)]
    assert writes(emulator) == 1
    assert [len(emulator.versions(org_id, uid)) for uid in ("alpha", "beta")] == [1, 2]
    stored = emulator.dashboard(org_id, "beta")
    assert stored is not None and stored.title == "Beta v2"
    lines = format_status(published)
    assert any("beta" in line and "/d/beta" in line for line in lines[1:]), lines


def test_a_failed_build_publishes_nothing(
    project: Path, start_watch: StartWatch, publisher: OrgSession, emulator: Emulator
) -> None:
    run = start_watch(project, publisher, orgs=(ORG,))
    run.wait_for(lambda s: s.kind == StatusKind.PUBLISHED)
    emulator.clear_request_log()
    mark = run.mark()

    (project / "dashboards" / "beta.json").write_text('{"uid": "beta", "title": ')

    run.wait_for(lambda s: s.kind == StatusKind.FAILED, after=mark)
    assert emulator.request_log == []
    assert not [s for s in run.statuses[mark:] if s.kind == StatusKind.PUBLISHED]


def test_a_later_save_sends_only_its_dashboards_own_requests(
    project: Path, start_watch: StartWatch, publisher: OrgSession, emulator: Emulator
) -> None:
    """One session for the whole watch: no token check, folder check or search per save."""
    run = start_watch(project, publisher, orgs=(ORG,))
    run.wait_for(lambda s: s.kind == StatusKind.PUBLISHED)
    mark = run.mark()
    (project / "dashboards" / "alpha.json").write_text(view_json("alpha", "Alpha v2"))
    run.wait_for(lambda s: s.kind == StatusKind.PUBLISHED, after=mark)
    emulator.clear_request_log()
    mark = run.mark()

    (project / "dashboards" / "beta.json").write_text(view_json("beta", "Beta v2"))

    published = run.wait_for(lambda s: s.kind == StatusKind.PUBLISHED, after=mark)
    assert [(e.uid, e.action) for e in published.publish_events] == [("beta", Action.UPDATED)]
    sent = [(e.method, e.path, e.query, e.status) for e in emulator.request_log]
    if emulator.profile.serves_apis and os.environ["DASHGEN_API"] == "k8s":
        assert [(m, p.rsplit("/", 1)[-1], q, code) for m, p, q, code in sent] == [
            ("GET", "beta", "", 200),  # the object carries its message: the drift guard
            # no dry run: the session learned how this Grafana stores a write on its
            # first writes (dashgen.grafana.k8s_stamp)
            ("PUT", "beta", "", 200),
        ]
        return
    assert [(m, p, code) for m, p, _, code in sent] == [
        ("GET", "/api/dashboards/uid/beta", 200),
        ("GET", "/api/dashboards/uid/beta/versions/1", 200),  # drift guard
        ("POST", "/api/dashboards/db", 200),
    ]


def test_closing_the_publisher_closes_its_client(
    project: Path, publisher: OrgSession, emulator: Emulator
) -> None:
    assert publisher.publish([]).ok  # opens the session: the org check
    assert publisher.is_open
    publisher.close()
    assert not publisher.is_open
    publisher.close()  # idempotent

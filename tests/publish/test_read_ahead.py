"""Reads sent together over real HTTP (``dashgen.grafana.read_ahead``): each answer is what
``GrafanaClient.get`` makes of it, taken once; a failure a retry would meet is asked again
the ordinary way; those nobody takes are not sent; and an unchanged classic republish (and a
diff) reads each dashboard once that way. Classic only: /apis reads with its LIST."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from publish_support import (
    FAST_RETRY,
    ORG,
    Project,
    Seeded,
    make_dashboard,
    requests_to,
    seed,
    stored_json,
)
from scenario import BACKEND_MODES

from dashgen.errors import AuthenticationError, NotFoundError
from dashgen.grafana import read_ahead
from dashgen.grafana.classic_shapes import DASHBOARD
from dashgen.grafana.client import NO_RETRY, GrafanaClient
from dashgen.grafana.read_ahead import NotReadAhead
from dashgen.publish import Connection, plan, publish
from dashgen.publish.bounds import MAX_READ_CONCURRENCY
from dashgen.secrets import Secret
from dashgen.testing import Emulator, EmulatorServer

CLASSIC_MODES = [mode for mode in BACKEND_MODES if mode.api == "classic"]
UIDS = [f"d{n}" for n in range(6)]


def _path(uid: str) -> str:
    return f"/api/dashboards/uid/{uid}"


def _client(server: EmulatorServer, seeded: Seeded, max_connections: int = 8) -> GrafanaClient:
    """The publisher's client over real HTTP, no retries (what a read ahead meets shows)."""
    connection = Connection(url=server.url, retry=NO_RETRY)
    return connection.token_client(Secret(seeded.token), max_connections=max_connections)


@contextmanager
def _served(
    monkeypatch: pytest.MonkeyPatch, max_connections: int = 8
) -> Iterator[tuple[Emulator, GrafanaClient]]:
    """A seeded emulator over real HTTP, and the publisher's client of it (no retries)."""
    emulator = Emulator()
    seeded = seed(emulator, monkeypatch)
    with EmulatorServer(emulator) as server, _client(server, seeded, max_connections) as client:
        yield emulator, client


def _saved(client: GrafanaClient, uids: list[str]) -> None:
    for uid in uids:
        body = {"dashboard": make_dashboard(uid), "overwrite": False, "folderUid": ""}
        client.post("/api/dashboards/db", json=body, retry=NO_RETRY)


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_each_answer_is_what_a_get_makes_of_it_and_is_taken_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _served(monkeypatch, max_connections=2) as (emulator, client):
        _saved(client, UIDS)
        ahead = client.read_ahead([_path(uid) for uid in [*UIDS, "gone"]], expect=DASHBOARD)
        assert ahead is not None
        taken = {uid: ahead.take(_path(uid)) for uid in reversed(UIDS)}
        with pytest.raises(NotFoundError):
            ahead.take(_path("gone"))
        with pytest.raises(NotReadAhead):
            ahead.take(_path("d0"))  # taken already
        with pytest.raises(NotReadAhead):
            ahead.take(_path("never-asked"))
        direct = {uid: client.get(_path(uid), expect=DASHBOARD) for uid in UIDS}

    for uid in UIDS:
        assert taken[uid]["dashboard"] == direct[uid]["dashboard"]
        assert taken[uid]["meta"]["version"] == direct[uid]["meta"]["version"] == 1
    reads = requests_to(emulator, "GET", "/api/dashboards/uid/")
    assert len(reads) == 2 * len(UIDS) + 1  # each read ahead once, then once directly


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_the_log_says_how_long_the_answer_took_not_how_long_it_waited_to_be_taken(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with _served(monkeypatch) as (_, client):
        _saved(client, ["d0"])
        with caplog.at_level(logging.DEBUG, logger="dashgen.grafana.client"):
            ahead = client.read_ahead([_path("d0")], expect=DASHBOARD)
            assert ahead is not None
            time.sleep(1.5)  # answered long before it is taken
            ahead.take(_path("d0"))

    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("GET /api/")]
    assert line.startswith(f"GET {_path('d0')} -> 200 in ") and line.endswith(" ms")
    assert int(line.rsplit(" ", 2)[-2]) < 1000, line


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_a_failure_a_retry_would_meet_is_left_to_the_caller_and_a_refusal_is_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _served(monkeypatch) as (emulator, client):
        _saved(client, ["d0", "d1", "d2"])
        emulator.faults.add("GET", _path("d0"), status=503)
        emulator.faults.add("GET", _path("d1"), kind="drop")
        emulator.faults.add("GET", _path("d2"), status=401)
        ahead = client.read_ahead([_path(uid) for uid in ["d0", "d1", "d2"]])
        assert ahead is not None
        for uid in ["d0", "d1"]:
            with pytest.raises(NotReadAhead):
                ahead.take(_path(uid))
        with pytest.raises(AuthenticationError):
            ahead.take(_path("d2"))  # not retried by the client either: it stands


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_those_nobody_takes_are_not_sent_once_it_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator = Emulator(latency_ms=40)
    seeded = seed(emulator, monkeypatch)
    uids = [f"d{n}" for n in range(12)]
    with EmulatorServer(emulator) as server:
        client = _client(server, seeded, max_connections=1)
        with client:
            _saved(client, uids)
            emulator.clear_request_log()
            ahead = client.read_ahead([_path(uid) for uid in uids])
            assert ahead is not None
            ahead.take(_path("d0"))  # one at a time: the second is on its way now
            ahead.close()
            time.sleep(0.3)  # what would have gone out by now, one every 40 ms

    assert 1 <= len(requests_to(emulator, "GET", "/api/dashboards/uid/")) <= 3


def test_nothing_is_read_ahead_over_another_transport(emulator: Emulator) -> None:
    client = GrafanaClient(
        "http://localhost:3000", token=Secret("unused"), transport=emulator.transport()
    )
    with client:
        assert client.read_ahead([_path("d0")]) is None


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_an_unchanged_republish_reads_each_dashboard_ahead_once_and_asks_again_after_a_fault(
    project: Project, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = Emulator()
    seed(emulator, monkeypatch)
    uids = [f"d{n:02}" for n in range(40)]  # a batch large enough to start with a search
    built = project.write(ORG, [make_dashboard(uid) for uid in uids])
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=FAST_RETRY)
        first = publish(project.config, [ORG], connection=connection, dashboards=built)
        emulator.clear_request_log()
        emulator.faults.add("GET", _path("d07"), status=503)
        with caplog.at_level(logging.DEBUG, logger="dashgen.grafana.client"):
            again = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert first.counts() == {"created": len(uids)}
    assert again.counts() == {"unchanged": len(uids)}
    reads = [e.path for e in requests_to(emulator, "GET", "/api/dashboards/uid/")]
    assert sorted(set(reads)) == [_path(uid) for uid in uids]
    assert reads.count(_path("d07")) == 2 and len(reads) == len(uids) + 1
    assert "40 reads sent together (read ahead)" in caplog.text
    assert f"GET {_path('d07')} -> 503" in caplog.text  # then asked again, and answered


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_a_diff_reads_each_dashboard_ahead_once_and_shows_the_one_edited_in_grafana(
    project: Project, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = Emulator()
    seeded = seed(emulator, monkeypatch)
    uids = [f"d{n:02}" for n in range(40)]
    built = project.write(ORG, [make_dashboard(uid) for uid in uids])
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=FAST_RETRY)
        publish(project.config, [ORG], connection=connection, dashboards=built)
        edited = stored_json(emulator, seeded.org_id, "d05") | {"description": "edited in the UI"}
        emulator.save_dashboard(seeded.org_id, edited)
        emulator.clear_request_log()
        with caplog.at_level(logging.DEBUG, logger="dashgen.grafana.client"):
            report = plan(project.config, [ORG], connection=connection, dashboards=built)

    actions = {item.built.uid: item.action.value for item in report.items}
    assert actions == {uid: "drifted" if uid == "d05" else "unchanged" for uid in uids}
    (drifted,) = [item for item in report.items if item.built.uid == "d05"]
    assert drifted.live is not None and drifted.live["description"] == "edited in the UI"
    assert drifted.desired is not None and "description" not in drifted.desired
    unchanged = [item for item in report.items if item.built.uid != "d05"]
    assert all(item.desired == item.live and item.live for item in unchanged)
    reads = [e.path for e in requests_to(emulator, "GET", "/api/dashboards/uid/")]
    history = [path for path in reads if "/versions" in path]  # the drift guard's
    assert sorted(set(reads) - set(history)) == [_path(uid) for uid in uids]
    assert len(reads) == len(uids) + len(history) and history[0].startswith(_path("d05"))
    assert "40 reads sent together (read ahead)" in caplog.text
    assert not requests_to(emulator, "GET", "/api/user")  # a diff adopts nothing


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_at_most_a_window_of_answers_waits_to_be_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "WINDOW", 3)
    uids = [f"d{n}" for n in range(10)]
    with _served(monkeypatch) as (emulator, client):
        _saved(client, uids)
        emulator.clear_request_log()
        ahead = client.read_ahead([_path(uid) for uid in uids])
        assert ahead is not None
        time.sleep(0.2)  # the three sent are answered by now; nothing more goes out
        sent_before = len(requests_to(emulator, "GET", "/api/dashboards/uid/"))
        with pytest.raises(NotReadAhead):
            ahead.take(_path("d9"))  # out of turn: not sent ahead, the caller asks
        taken = [ahead.take(_path(uid))["dashboard"]["uid"] for uid in uids[:9]]

    assert sent_before == 3
    assert taken == uids[:9]
    assert len(requests_to(emulator, "GET", "/api/dashboards/uid/")) == 9


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_the_login_an_unchanged_plan_waits_for_goes_out_before_the_dashboards_reads(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More dashboards than connections: a login asked behind their reads would wait for
    connections to come free while every plan waits for it."""
    emulator = Emulator()
    seed(emulator, monkeypatch)
    uids = [f"d{n:02}" for n in range(MAX_READ_CONCURRENCY + 8)]
    built = project.write(ORG, [make_dashboard(uid) for uid in uids])
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=FAST_RETRY)
        publish(project.config, [ORG], connection=connection, dashboards=built)
        emulator.clear_request_log()
        emulator.faults.add("GET", "/api/dashboards/uid/*", "delay", delay_ms=150, times=None)
        again = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert again.counts() == {"unchanged": len(uids)}
    answered = [e.path for e in emulator.request_log if e.method == "GET"]
    first_read = next(i for i, path in enumerate(answered) if path.startswith(_path("")))
    assert answered.count("/api/user") == 1
    assert answered.index("/api/user") < first_read, answered[: first_read + 1]

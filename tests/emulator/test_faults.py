"""Fault injection: scripted per route, deterministic, visible in the request log."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from emulator_api import Api

from dashgen.testing import Emulator, EmulatorServer


def test_status_fault_fails_next_n_then_recovers(api: Api) -> None:
    api.emulator.faults.add(method="POST", path="/api/dashboards/db", status=503, times=2)
    statuses = [api.save({"title": "x"}).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [e.fault for e in api.emulator.request_log] == ["status", "status", None]
    assert len(api.emulator.dashboards(1)) == 1  # the failed requests wrote nothing


@pytest.mark.parametrize("status", [500, 502, 503])
def test_status_fault_codes(api: Api, status: int) -> None:
    api.emulator.faults.add(path="/api/org", status=status)
    assert api.get("/api/org").status_code == status


def test_fault_only_hits_matching_method_and_path(api: Api) -> None:
    api.emulator.faults.add(method="POST", path="/api/dashboards/*", times=None)
    assert api.get("/api/search").status_code == 200
    assert api.save({"title": "x"}).status_code == 503


def test_retry_after_429(api: Api) -> None:
    api.emulator.faults.add(path="/api/search", kind="retry_after", retry_after_s=2)
    response = api.get("/api/search")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert api.get("/api/search").status_code == 200


def test_drop_closes_connection_without_answer(api: Api) -> None:
    api.emulator.faults.add(method="POST", path="/api/dashboards/db", kind="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api.save({"title": "x", "uid": "d"})
    assert api.emulator.dashboard(1, "d") is None
    entry = api.emulator.request_log[-1]
    assert (entry.status, entry.fault) == (None, "drop")
    assert api.save({"title": "x", "uid": "d"}).status_code == 200  # the client reconnects


def test_commit_then_fail_applies_the_write(api: Api) -> None:
    api.emulator.faults.add(method="POST", path="/api/dashboards/db", kind="commit_then_fail")
    response = api.save({"title": "x", "uid": "c"}, body={"message": "m"})
    assert response.status_code == 500
    assert api.emulator.versions(1, "c")[0].message == "m"
    assert api.emulator.request_log[-1].status == 500


def test_commit_then_drop_applies_the_write(api: Api) -> None:
    api.emulator.faults.add(method="POST", path="/api/dashboards/db", kind="commit_then_drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api.save({"title": "x", "uid": "c"})
    assert api.emulator.dashboard(1, "c").version == 1


def test_delay_fault_then_normal_answer(api: Api) -> None:
    api.emulator.faults.add(path="/api/org", kind="delay", delay_ms=1)
    assert api.get("/api/org").status_code == 200
    assert api.emulator.request_log[-1].fault == "delay"


def test_probabilistic_faults_repeat_with_the_same_seed() -> None:
    def run(seed: int) -> list[int]:
        emulator = Emulator(seed=seed)
        emulator.faults.add(path="/api/health", probability=0.5, times=None)
        client = httpx.Client(base_url="http://grafana", transport=emulator.transport())
        return [client.get("/api/health").status_code for _ in range(20)]

    first = run(7)
    assert first == run(7)
    assert {200, 503} == set(first)


def test_drop_in_process_raises_remote_protocol_error() -> None:
    emulator = Emulator()
    emulator.faults.add(path="/api/health", kind="drop")
    client = httpx.Client(base_url="http://grafana", transport=emulator.transport())
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/api/health")


def test_unknown_fault_kind_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Emulator().faults.add(kind="explode")


def test_clear_removes_faults(api: Api) -> None:
    api.emulator.faults.add(times=None)
    api.emulator.faults.clear()
    assert api.get("/api/org").status_code == 200


def test_faulted_requests_log_who_sent_them(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Editor", name="pub")
    api.emulator.faults.add(method="POST", path="/api/dashboards/db", kind="retry_after")
    api.save({"title": "x"}, token=token)
    entry = api.emulator.request_log[-1]
    assert (entry.identity, entry.org_id, entry.status, entry.fault) == (
        "sa-1-pub",
        1,
        429,
        "retry_after",
    )


def test_a_fault_after_n_lets_the_first_n_pass(api: Api) -> None:
    api.emulator.faults.add(method="GET", path="/api/search", status=503, times=2, after=1)
    statuses = [api.get("/api/search").status_code for _ in range(4)]
    assert statuses == [200, 503, 503, 200]
    assert [e.fault for e in api.emulator.request_log] == [None, "status", "status", None]


def test_trickle_sends_the_whole_answer_a_few_bytes_at_a_time() -> None:
    """Over real HTTP: the answer comes in pieces (``trickle_bytes`` every interval: a
    whole answer is one write, read at once), and is whole in the end (the route ran: the
    fault is in the log with its status)."""
    emulator = Emulator()
    emulator.faults.add(
        path="/api/health", kind="trickle", trickle_bytes=50, trickle_interval_s=0.05
    )
    with EmulatorServer(emulator) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: grafana\r\nConnection: close\r\n\r\n")
            pieces = []
            while piece := sock.recv(65536):
                pieces.append(piece)
    answer = b"".join(pieces)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    _head, body = answer.split(b"\r\n\r\n", 1)
    assert json.loads(body)["database"] == "ok"
    assert len(answer) > 100 and len(pieces) >= 2
    assert [(e.fault, e.status) for e in emulator.request_log] == [("trickle", 200)]


def test_trickle_in_process_answers_whole() -> None:
    emulator = Emulator()
    emulator.faults.add(path="/api/health", kind="trickle", trickle_interval_s=60)
    client = httpx.Client(base_url="http://grafana", transport=emulator.transport())
    assert client.get("/api/health").json()["database"] == "ok"


def test_trickle_needs_a_byte_an_interval() -> None:
    with pytest.raises(ValueError, match="at least 1 byte"):
        Emulator().faults.add(kind="trickle", trickle_bytes=0)

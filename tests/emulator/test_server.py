"""Server mode: real sockets, concurrency, keep-alive, in-process parity, the plugin fixtures."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from emulator_api import ADMIN, Api

from dashgen.errors import PreconditionFailedError
from dashgen.grafana.client import GrafanaClient
from dashgen.secrets import Secret
from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.pytest_plugin import MakeServer
from dashgen.testing.wire import Request, Response


def test_server_listens_on_loopback_free_port(grafana_server: EmulatorServer) -> None:
    assert grafana_server.url.startswith("http://127.0.0.1:")
    assert grafana_server.port > 0


def test_requests_are_served_concurrently(api: Api) -> None:
    """Two requests must be inside the emulator at once, or the barrier breaks."""
    barrier = threading.Barrier(2, timeout=10)
    original = api.emulator.handle

    def meeting_handle(request: Request) -> Response:
        if request.path == "/api/search":
            barrier.wait()
        return original(request)

    api.emulator.handle = meeting_handle  # type: ignore[method-assign]
    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(lambda _: api.get("/api/search").status_code, range(2)))
    assert statuses == [200, 200]


def test_latency_is_slept_outside_the_state_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """While one request sleeps its latency, another thread can take the state lock."""
    emulator = Emulator(latency_ms=5)
    lock_was_free: list[bool] = []

    def probe() -> None:
        acquired = emulator.state.lock.acquire(timeout=10)
        lock_was_free.append(acquired)
        if acquired:
            emulator.state.lock.release()

    def probing_sleep(seconds: float) -> None:
        prober = threading.Thread(target=probe)
        prober.start()
        prober.join()

    monkeypatch.setattr("dashgen.testing.dispatch.time.sleep", probing_sleep)
    client = httpx.Client(base_url="http://grafana.localhost", transport=emulator.transport())
    assert client.get("/api/health").status_code == 200
    assert lock_was_free == [True]


def test_keep_alive_reuses_one_connection(api: Api) -> None:
    for _ in range(5):
        assert api.get("/api/health", user=None).status_code == 200
    assert api.server.connections_accepted == 1


def test_concurrent_saves_keep_versions_consistent(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Editor")
    with httpx.Client(base_url=api.server.url, verify=False) as client:

        def save(i: int) -> int:
            body = {"dashboard": {"title": f"d{i % 4}", "uid": f"u{i % 4}"}, "overwrite": True}
            headers = {"Authorization": f"Bearer {token}"}
            return client.post("/api/dashboards/db", json=body, headers=headers).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(save, range(40))) == {200}
    for i in range(4):
        assert [v.version for v in api.emulator.versions(1, f"u{i}")] == list(range(1, 11))


def test_grafana_client_against_server(grafana_server: EmulatorServer) -> None:
    with GrafanaClient(grafana_server.url, basic=(ADMIN[0], Secret(ADMIN[1]))) as client:
        assert client.get("/api/org")["name"] == "Main Org."
        client.post("/api/dashboards/db", json={"dashboard": {"title": "x", "uid": "x"}})
        with pytest.raises(PreconditionFailedError) as raised:
            client.post("/api/dashboards/db", json={"dashboard": {"title": "x", "uid": "x"}})
    assert raised.value.status_text == "version-mismatch"


def test_grafana_client_in_process(emulator: Emulator) -> None:
    token = emulator.create_service_account_token(1, role="Editor")
    # A .localhost name counts as loopback, so the client sends the token over plain http.
    client = GrafanaClient(
        "http://grafana.localhost", token=Secret(token), transport=emulator.transport()
    )
    assert client.post("/api/dashboards/db", json={"dashboard": {"title": "x"}})["version"] == 1


def test_make_grafana_server_versions(make_grafana_server: MakeServer) -> None:
    old = make_grafana_server(version="11.2", latency_ms=0)
    assert old.emulator.version == "11.2"
    assert make_grafana_server(version="13.0").emulator.profile.stale_save_status == 409


def test_unknown_version_rejected() -> None:
    with pytest.raises(ValueError, match="unknown Grafana version"):
        Emulator(version="9.9")


def test_stop_closes_idle_keep_alive_connections() -> None:
    server = EmulatorServer(Emulator()).start()
    client = httpx.Client(base_url=server.url, verify=False)
    assert client.get("/api/health").status_code == 200
    server.stop()
    with pytest.raises(httpx.TransportError):
        client.get("/api/health")

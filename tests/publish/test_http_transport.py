"""The HTTP layer over real sockets (``dashgen.grafana.transport`` under the client):
requests in flight stay under the publish's bounds (writes at ``concurrency``, reads wider)
as the emulator sees them, keep-alive connections are reused, and one the server closed
while idle never carries a request (a write on it could not be retried). Classic only: the
transport is the same for /apis, whose reads are a LIST."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from publish_support import FAST_RETRY, ORG, Project, make_dashboard, seed
from scenario import BACKEND_MODES

from dashgen.grafana.client import NO_RETRY
from dashgen.publish import Connection, OrgSession, publish
from dashgen.publish.bounds import read_width
from dashgen.secrets import Secret
from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.wire import Request, Response

CLASSIC_MODES = [mode for mode in BACKEND_MODES if mode.api == "classic"]
DASHBOARDS = 12


class CountingEmulator(Emulator):
    """Counts the dashboard reads and writes it is answering at once (latency included)."""

    def __init__(self) -> None:
        super().__init__(latency_ms=10)  # answers take long enough for requests to overlap
        self._lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()

    def handle(self, request: Request) -> Response:
        if request.method == "POST" and request.path == "/api/dashboards/db":
            kind = "write"
        elif request.method == "GET" and request.path.startswith("/api/dashboards/uid/"):
            kind = "read"
        else:
            return super().handle(request)
        with self._lock:
            self.now[kind] += 1
            self.most[kind] = max(self.most[kind], self.now[kind])
        try:
            return super().handle(request)
        finally:
            with self._lock:
                self.now[kind] -= 1


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_writes_stay_at_concurrency_and_reads_go_wider_on_few_connections(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = CountingEmulator()
    seed(emulator, monkeypatch)
    built = project.write(ORG, [make_dashboard(f"d{n}") for n in range(DASHBOARDS)])
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=FAST_RETRY)
        first = publish(
            project.config, [ORG], connection=connection, dashboards=built, concurrency=2
        )
        opened_by_first = server.connections_accepted
        again = publish(
            project.config, [ORG], connection=connection, dashboards=built, concurrency=2
        )
        opened_by_again = server.connections_accepted - opened_by_first

    assert first.counts() == {"created": DASHBOARDS}
    assert again.counts() == {"unchanged": DASHBOARDS}
    assert emulator.most["write"] <= 2  # --concurrency 2: writes at most two at a time
    assert 2 < emulator.most["read"] <= read_width(2)  # reads wider, still bounded
    # Every request of a publish goes out on the client's few keep-alive connections.
    assert opened_by_first <= read_width(2)
    assert opened_by_again <= read_width(2)


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_a_connection_the_server_closed_while_idle_never_carries_a_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator = Emulator()
    seeded = seed(emulator, monkeypatch)
    with EmulatorServer(emulator) as server:
        client = Connection(url=server.url, retry=NO_RETRY).token_client(Secret(seeded.token))
        with client:
            assert client.get("/api/org")["name"] == ORG  # one keep-alive connection, idle now
            server.close_idle_connections()
            body = {"dashboard": make_dashboard("late"), "overwrite": False, "folderUid": ""}
            saved = client.post("/api/dashboards/db", json=body, retry=NO_RETRY)
            accepted = server.connections_accepted

    assert saved["uid"] == "late"
    assert accepted == 2  # the closed connection was left, the write went on a new one
    assert [v.version for v in emulator.versions(seeded.org_id, "late")] == [1]


@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_a_session_kept_across_batches_survives_the_server_closing_its_connections(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = Emulator()
    seeded = seed(emulator, monkeypatch)
    uids = ["a", "b", "c"]
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=NO_RETRY)
        with OrgSession(project.config, ORG, connection=connection) as session:
            first = session.publish(project.write(ORG, [make_dashboard(u) for u in uids]))
            server.close_idle_connections()
            changed = project.write(ORG, [make_dashboard(u, panels=3) for u in uids])
            second = session.publish(changed)

    assert first.counts() == {"created": 3}
    assert second.counts() == {"updated": 3}
    assert not [entry for entry in emulator.request_log if entry.status is None]
    for uid in uids:
        assert [v.version for v in emulator.versions(seeded.org_id, uid)] == [1, 2]

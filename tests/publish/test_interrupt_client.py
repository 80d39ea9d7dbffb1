"""An interrupt at the client (``Deadline.interrupt``), over real HTTP to the emulator: a
request in flight is cut once the grace is over (sent, no answer), nothing starts after
it but the lock's hand-back, a retry's wait ends at once, and an endless deadline
(``--deadline none``) is ended the same way."""

from __future__ import annotations

import math
import threading

import pytest
from publish_support import issued

from dashgen.errors import DeadlineError
from dashgen.grafana.client import GrafanaClient
from dashgen.grafana.deadline import Deadline, after_deadline
from dashgen.secrets import Secret
from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.faults import Fault

HELD_MS = 600_000


def _client(server: EmulatorServer, token: str, deadline: Deadline) -> GrafanaClient:
    return GrafanaClient(server.url, token=Secret(token), timeout_s=300, deadline=deadline)


@pytest.fixture
def emulator_token() -> tuple[Emulator, str]:
    emulator = Emulator()
    org_id = emulator.create_org("interrupt")
    return emulator, issued(emulator.create_service_account_token(org_id, "Editor"))


def _in_flight(client: GrafanaClient, path: str) -> tuple[threading.Thread, list]:
    outcome: list = []

    def send() -> None:
        try:
            outcome.append(client.get(path))
        except DeadlineError as error:
            outcome.append(error)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, outcome


def _arrived(fault: Fault, thread: threading.Thread) -> None:
    """Until the emulator holds the request (its fault counted it)."""
    for _ in range(100_000):
        if fault.hits:
            return
        assert thread.is_alive()
        thread.join(0.01)
    raise AssertionError("the request never arrived")


@pytest.mark.parametrize("seconds", [600, math.inf], ids=["600s", "none"])
def test_a_request_in_flight_is_cut_after_the_grace(
    emulator_token: tuple[Emulator, str], seconds: float
) -> None:
    emulator, token = emulator_token
    held = emulator.faults.add("GET", "/api/search", kind="delay", delay_ms=HELD_MS, times=1)
    deadline = Deadline(seconds, "publish")
    with EmulatorServer(emulator) as server, _client(server, token, deadline) as client:
        thread, outcome = _in_flight(client, "/api/search")
        _arrived(held, thread)
        deadline.interrupt("SIGTERM", grace_s=0.2)
        with pytest.raises(DeadlineError) as refused:
            client.get("/api/org")  # nothing new starts
        with after_deadline(5):  # (the lock's hand-back) is not cut
            assert client.get("/api/org")["name"] == "interrupt"
        thread.join(60)
        assert not thread.is_alive()
    (error,) = outcome
    assert isinstance(error, DeadlineError) and error.sent
    assert error.message == "interrupted (SIGTERM) before Grafana answered"
    assert refused.value.message == "not sent: interrupted (SIGTERM)"
    assert not refused.value.sent
    assert deadline.stopped_by == "interrupted (SIGTERM)"


def test_an_answer_in_the_grace_stands(emulator_token: tuple[Emulator, str]) -> None:
    """Answered before the grace is over: the request succeeds (its save is "written")."""
    emulator, token = emulator_token
    held = emulator.faults.add("GET", "/api/org", kind="delay", delay_ms=300, times=1)
    deadline = Deadline(600, "publish")
    with EmulatorServer(emulator) as server, _client(server, token, deadline) as client:
        thread, outcome = _in_flight(client, "/api/org")
        _arrived(held, thread)
        deadline.interrupt("Ctrl-C", grace_s=120)
        thread.join(60)
    assert outcome[0]["name"] == "interrupt"


def test_a_retry_wait_ends_at_the_interrupt(emulator_token: tuple[Emulator, str]) -> None:
    """A 429 with Retry-After 60 (a 30 s wait): the interrupt ends the wait, no second attempt."""
    emulator, token = emulator_token
    emulator.faults.add("GET", "/api/search", kind="retry_after", retry_after_s=60)
    deadline = Deadline(600, "publish")
    with EmulatorServer(emulator) as server, _client(server, token, deadline) as client:
        thread, outcome = _in_flight(client, "/api/search")
        for _ in range(100_000):  # until the first attempt was answered (the wait began)
            if emulator.request_log:
                break
            thread.join(0.01)
        deadline.interrupt("Ctrl-C", grace_s=120)
        thread.join(60)
        assert not thread.is_alive()
    (error,) = outcome
    assert isinstance(error, DeadlineError)
    assert "interrupted (Ctrl-C): not retried" in error.message or error.message == (
        "not sent: interrupted (Ctrl-C)"
    )
    assert len(emulator.request_log) == 1


def test_a_passed_deadline_keeps_its_words(emulator_token: tuple[Emulator, str]) -> None:
    deadline = Deadline(600, "publish")
    deadline.end_now()
    deadline.interrupt("SIGTERM", grace_s=0)
    assert deadline.not_sent().message == "not sent: the publish deadline (600s) passed"

"""The deadline at the client (``dashgen.grafana.deadline``), over real HTTP to the emulator:
no request once it has passed, no retry wait past it, an answer hanging mid-way cut at it;
and the durations ``--deadline`` and ``[grafana] deadline`` accept."""

from __future__ import annotations

import pytest
from publish_support import issued

from dashgen.durations import parse_duration
from dashgen.errors import DeadlineError, GrafanaConnectionError, RateLimitedError
from dashgen.grafana.client import GrafanaClient
from dashgen.grafana.deadline import Deadline, after_deadline
from dashgen.grafana.retries import RetryPolicy
from dashgen.secrets import Secret
from dashgen.testing import Emulator, EmulatorServer


def _client(server: EmulatorServer, token: str, deadline: Deadline) -> GrafanaClient:
    return GrafanaClient(server.url, token=Secret(token), timeout_s=300, deadline=deadline)


@pytest.fixture
def emulator_token() -> tuple[Emulator, str]:
    emulator = Emulator()
    org_id = emulator.create_org("deadline")
    return emulator, issued(emulator.create_service_account_token(org_id, "Editor"))


def test_no_request_starts_once_the_deadline_has_passed(
    emulator_token: tuple[Emulator, str],
) -> None:
    emulator, token = emulator_token
    deadline = Deadline(600, "publish")
    with EmulatorServer(emulator) as server, _client(server, token, deadline) as client:
        assert client.get("/api/org")["name"] == "deadline"
        deadline.end_now()
        with pytest.raises(DeadlineError) as raised:
            client.get("/api/org")
        with after_deadline(5):  # (the publish lock's hand-back)
            assert client.get("/api/org")["name"] == "deadline"
    assert raised.value.message == "not sent: the publish deadline (600s) passed"
    assert raised.value.sent is False
    assert len(emulator.request_log) == 2


def test_a_retry_after_longer_than_the_time_left_fails_at_once(
    emulator_token: tuple[Emulator, str],
) -> None:
    emulator, token = emulator_token
    emulator.faults.add("GET", "/api/search", kind="retry_after", retry_after_s=600, times=None)
    with (
        EmulatorServer(emulator) as server,
        _client(server, token, Deadline(20, "pull")) as client,
        pytest.raises(DeadlineError) as raised,
    ):
        client.get("/api/search")
    error = raised.value
    assert isinstance(error.cause, RateLimitedError) and error.sent
    assert "Grafana answered 429 (rate limited) with Retry-After 600 s" in error.message
    assert "would pass the pull deadline (20s)" in error.message
    assert [entry.fault for entry in emulator.request_log] == ["retry_after"]  # no retry


def test_a_short_retry_after_is_still_waited_and_retried(
    emulator_token: tuple[Emulator, str],
) -> None:
    emulator, token = emulator_token
    emulator.faults.add("GET", "/api/search", kind="retry_after", retry_after_s=0.01, times=1)
    with EmulatorServer(emulator) as server, _client(server, token, Deadline(600)) as client:
        assert client.get("/api/search") == []
    assert [entry.fault for entry in emulator.request_log] == ["retry_after", None]


def test_an_answer_hanging_mid_way_is_cut_at_the_deadline(
    emulator_token: tuple[Emulator, str],
) -> None:
    """--timeout 300, the answer stops halfway for 600 s: the deadline (2 s) ends it."""
    emulator, token = emulator_token
    emulator.faults.add("GET", "/api/search", kind="commit_then_hang", hang_s=600, times=1)
    with (
        EmulatorServer(emulator) as server,
        _client(server, token, Deadline(2, "diff")) as client,
        pytest.raises(DeadlineError) as raised,
    ):
        client.get("/api/search")
    assert raised.value.sent is True
    assert raised.value.message == "the diff deadline (2s) passed before Grafana answered"


def test_a_trickled_answer_is_cut_at_the_deadline(emulator_token: tuple[Emulator, str]) -> None:
    """--timeout 300, the answer comes a byte a second (each read in time): the deadline (2 s)
    ends the whole request, not only a read."""
    emulator, token = emulator_token
    emulator.faults.add("GET", "/api/search", kind="trickle", trickle_interval_s=1, times=1)
    with (
        EmulatorServer(emulator) as server,
        _client(server, token, Deadline(2, "diff")) as client,
        pytest.raises(DeadlineError) as raised,
    ):
        client.get("/api/search")
    assert raised.value.sent is True
    assert raised.value.message == "the diff deadline (2s) passed before Grafana answered"


def test_a_trickled_answer_is_cut_at_the_timeout(emulator_token: tuple[Emulator, str]) -> None:
    """No deadline, --timeout 2: the whole request is bounded by it (a GET is retried, and
    the retry is answered at once); the connection cut is not reused."""
    emulator, token = emulator_token
    emulator.faults.add("GET", "/api/search", kind="trickle", trickle_interval_s=1, times=1)
    with (
        EmulatorServer(emulator) as server,
        GrafanaClient(server.url, token=Secret(token), timeout_s=2) as client,
    ):
        assert client.get("/api/search") == []
        assert client.get("/api/org")["name"] == "deadline"
    assert [entry.fault for entry in emulator.request_log] == ["trickle", None, None]


def test_a_trickled_answer_not_retried_says_it_timed_out(
    emulator_token: tuple[Emulator, str],
) -> None:
    emulator, token = emulator_token
    emulator.faults.add("GET", "/api/org", kind="trickle", trickle_interval_s=1, times=None)
    with (
        EmulatorServer(emulator) as server,
        GrafanaClient(
            server.url, token=Secret(token), timeout_s=2, retry=RetryPolicy(attempts=1)
        ) as client,
        pytest.raises(GrafanaConnectionError) as raised,
    ):
        client.get("/api/org")
    assert "Grafana did not answer in time (ReadTimeout)" in raised.value.message


@pytest.mark.parametrize(
    ("written", "seconds"),
    [(900, 900.0), ("900", 900.0), ("90s", 90.0), ("15m", 900.0), ("1h", 3600.0), (1.5, 1.5)],
)
def test_durations(written: object, seconds: float) -> None:
    assert parse_duration(written) == seconds


@pytest.mark.parametrize("written", [0, "0", "none", "off"])
def test_no_deadline(written: object) -> None:
    assert parse_duration(written) is None


@pytest.mark.parametrize("written", ["soon", "-5", True, "nan", "25h", [1]])
def test_not_durations(written: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(written)

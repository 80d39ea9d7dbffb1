"""A retry that an interrupt stops, before or during its wait: the next attempt is never
sent, and the error says what the last attempt met, so a caller can tell whether that
attempt may have been stored (a 5xx or a lost answer may have; a 429 did not)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import pytest

from dashgen.errors import DeadlineError, RateLimitedError, ServerError, may_have_landed
from dashgen.grafana.deadline import Deadline
from dashgen.grafana.retries import RetryPolicy, with_retries

URL = "http://127.0.0.1:1/api/folders"


@dataclass(frozen=True)
class LongWait(RetryPolicy):
    """Waits long enough between attempts for a signal to land in the wait."""

    def backoff(self, attempt: int, error: BaseException | None) -> float:
        return 30.0


def _stopped(failure: Exception, *, in_the_wait: bool) -> tuple[DeadlineError, int]:
    """``with_retries`` of a request whose attempts fail with ``failure`` while a Ctrl-C
    arrives (as the first attempt fails, or once the wait has begun); the error it ends in
    and how many attempts were sent."""
    deadline = Deadline(math.inf)
    sent = 0

    def interrupt() -> None:
        deadline.interrupt("Ctrl-C", grace_s=60)

    def send() -> None:
        nonlocal sent
        deadline.check()  # as the client does before every request
        sent += 1
        if in_the_wait:
            threading.Timer(0.2, interrupt).start()
        else:
            interrupt()
        raise failure

    with pytest.raises(DeadlineError) as stopped:
        with_retries(LongWait(), "POST", "/api/folders", send, deadline)
    return stopped.value, sent


@pytest.mark.parametrize("in_the_wait", [False, True], ids=["before", "during"])
def test_a_5xx_then_an_interrupt_may_have_been_stored(in_the_wait: bool) -> None:
    failure = ServerError(503, "POST", URL, "Service Unavailable")
    error, sent = _stopped(failure, in_the_wait=in_the_wait)
    assert sent == 1
    assert error.cause is failure
    assert may_have_landed(error)


@pytest.mark.parametrize("in_the_wait", [False, True], ids=["before", "during"])
def test_a_429_then_an_interrupt_stored_nothing(in_the_wait: bool) -> None:
    failure = RateLimitedError(429, "POST", URL, "Too Many Requests")
    error, sent = _stopped(failure, in_the_wait=in_the_wait)
    assert sent == 1
    assert error.cause is failure
    assert not may_have_landed(error)

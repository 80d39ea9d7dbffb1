"""Retrying a request: which failures are retried, the backoff, and the attempts.

The first attempt runs without tenacity (building a ``Retrying`` and importing tenacity
cost every request and every process); a retryable failure hands the remaining attempts
to tenacity, which waits as ``RetryPolicy`` says.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from dashgen.errors import DeadlineError, GrafanaConnectionError, RateLimitedError, ServerError

if TYPE_CHECKING:
    import tenacity

    from dashgen.grafana.deadline import Deadline

log = logging.getLogger("dashgen.grafana.client")
RETRYABLE = (GrafanaConnectionError, ServerError, RateLimitedError)
T = TypeVar("T")


def retryable(error: BaseException) -> bool:
    return isinstance(error, RETRYABLE) and getattr(error, "retryable", True)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; ``Retry-After`` wins when the server sends it."""

    attempts: int = 4
    initial_wait_s: float = 0.2
    max_wait_s: float = 5.0
    max_retry_after_s: float = 30.0

    def backoff(self, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), self.max_retry_after_s)
        ceiling = min(self.max_wait_s, self.initial_wait_s * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)

    def wait_seconds(self, retry_state: tenacity.RetryCallState) -> float:
        """The ``wait`` callable tenacity expects."""
        error = retry_state.outcome.exception() if retry_state.outcome else None
        return self.backoff(retry_state.attempt_number, error)


NO_RETRY = RetryPolicy(attempts=1)
DEFAULT_RETRY = RetryPolicy()


def with_retries(
    policy: RetryPolicy,
    method: str,
    path: str,
    send: Callable[[], T],
    deadline: Deadline | None = None,
) -> T:
    """``send()``, retried per ``policy`` while it fails with a retryable error; with
    ``deadline``, a wait that would pass it is not waited (``DeadlineError`` now)."""
    try:
        return send()
    except RETRYABLE as error:
        if policy.attempts <= 1 or not retryable(error):
            raise
        first_failure: BaseException | None = error
    import tenacity

    wait: Callable[[tenacity.RetryCallState], float] = policy.wait_seconds
    sleep: Callable[[float], None] = time.sleep
    if deadline is not None:  # (a wait an interrupt ends: the next attempt is not sent)
        wait, sleep = partial(_within, deadline, policy), deadline.sleep

    last_failure: BaseException | None = first_failure

    def attempt() -> T:
        nonlocal first_failure, last_failure
        if first_failure is not None:  # attempt 1 already failed: tenacity counts it
            failure, first_failure = first_failure, None
            raise failure
        try:
            return send()
        except DeadlineError as stopped:
            # An interrupt that ended the wait stops the next attempt before it is sent;
            # what the last one met (an answer lost?) is what the caller must be told.
            if not stopped.sent and stopped.cause is None:
                stopped.cause = last_failure
            raise
        except RETRYABLE as failure:
            last_failure = failure
            raise

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=wait,
        retry=tenacity.retry_if_exception(retryable),
        before_sleep=_log_retry(method, path, policy),
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except RETRYABLE as error:
        error.attempts = retrying.statistics.get("attempt_number", 1)
        raise


def _within(deadline: Deadline, policy: RetryPolicy, state: tenacity.RetryCallState) -> float:
    """The wait before the next attempt, or ``DeadlineError`` when it would pass the
    deadline (raised out of tenacity as it is: nothing more is sent)."""
    seconds = policy.wait_seconds(state)
    left = deadline.remaining()
    if seconds >= left:
        error = state.outcome.exception() if state.outcome else None
        raise deadline.too_long(seconds, left, error)
    return seconds


def _log_retry(method: str, path: str, policy: RetryPolicy) -> Any:
    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.debug(
            "%s %s: attempt %d of %d failed (%s); retrying in %.2f s",
            method,
            path,
            state.attempt_number,
            policy.attempts,
            type(error).__name__,
            wait,
        )

    return before_sleep

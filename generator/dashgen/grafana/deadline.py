"""One bound on a whole command's talk with Grafana (``--deadline``, ``[grafana] deadline``).

Each request has its own timeout and retries wait as Grafana's ``Retry-After`` says, but
nothing bounded the whole: a Grafana (or a proxy) answering 429/503 with a long
``Retry-After`` to every save, or merely slow, could keep a publish running until CI
killed it. A ``Deadline`` is shared by every client of one command (``Connection``):

- no request starts once it has passed (``DeadlineError``, ``sent`` False: "not sent");
- a request in flight gets at most the time left (its timeouts are cut to it); one whose
  answer did not come back in that time raises ``DeadlineError`` with ``sent`` True (a
  write's outcome is then unknown: the publish says "unknown: check Grafana");
- no wait (a retry's backoff, ``Retry-After``, the publish lock's polls) sleeps past it:
  a wait longer than the time left is not waited, the request fails now with a sentence
  saying so (``DeadlineError`` with the answer that asked for the wait as ``cause``).

Handing the publish lock back is the one request allowed after the deadline
(``after_deadline``: a few seconds of its own), so that a publish stopped by its deadline
never leaves the lock for others to wait out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from dashgen.durations import label
from dashgen.errors import DeadlineError, GrafanaAPIError, RateLimitedError

_grace = threading.local()  # after_deadline(): this thread's end of grace (monotonic)


class Deadline:
    """The end of one command's time with Grafana (monotonic); thread-safe."""

    def __init__(self, seconds: float, command: str = "publish") -> None:
        self.seconds = seconds
        self.command = command
        self._ends = time.monotonic() + seconds

    @property
    def name(self) -> str:
        """``the publish deadline (30s)``."""
        return f"the {self.command} deadline ({label(self.seconds)})"

    def end_now(self) -> None:
        """Let it pass now: no request starts any more (what is in flight keeps its cut)."""
        self._ends = min(self._ends, time.monotonic())

    def remaining(self) -> float:
        now = time.monotonic()
        left = self._ends - now
        grace = getattr(_grace, "ends", None)
        if grace is not None:
            left = max(left, grace - now)
        return left

    def passed(self) -> bool:
        return self.remaining() <= 0

    def not_sent(self) -> DeadlineError:
        return DeadlineError(f"not sent: {self.name} passed", sent=False)

    def check(self) -> None:
        """Before a request: raise "not sent" once the deadline has passed."""
        if self.passed():
            raise self.not_sent()

    def cut(self, timeout_s: float) -> tuple[float, bool]:
        """The timeout a request may use now, and whether the deadline cut it."""
        left = self.remaining()
        if left <= 0:
            raise self.not_sent()
        return (left, True) if left < timeout_s else (timeout_s, False)

    def in_flight_failure(self, exc: BaseException) -> DeadlineError | None:
        """What a transport failure of a request the deadline cut means: None when it is
        not the deadline's doing (the request's own error stands)."""
        if isinstance(exc, httpx.PoolTimeout | httpx.ConnectTimeout):
            return DeadlineError(f"not sent: {self.name} passed", sent=False)
        if isinstance(exc, httpx.TimeoutException):
            return DeadlineError(f"{self.name} passed before Grafana answered", sent=True)
        return None

    def wait(self, seconds: float, error: BaseException | None = None) -> None:
        """Sleep ``seconds`` before another attempt, or raise now when that would pass the
        deadline (saying what asked for the wait)."""
        left = self.remaining()
        if seconds >= left:
            raise self.too_long(seconds, left, error)
        if seconds > 0:
            time.sleep(seconds)

    def too_long(self, seconds: float, left: float, error: BaseException | None) -> DeadlineError:
        asked = _what_asked(error)
        away = f"which is {left:.0f} s away" if left >= 0.5 else "which has come"
        return DeadlineError(
            f"{asked}; waiting {seconds:.0f} s would pass {self.name}, {away}: not retried",
            sent=True,
            cause=error,
        )


def _what_asked(error: BaseException | None) -> str:
    if isinstance(error, RateLimitedError):
        after = error.retry_after
        wait = f" with Retry-After {after:g} s" if after is not None else ""
        return f"Grafana answered 429 (rate limited){wait}"
    if isinstance(error, GrafanaAPIError):
        return f"Grafana answered {error.status}"
    if error is not None:
        return f"the request failed ({getattr(error, 'message', None) or type(error).__name__})"
    return "a wait was needed"


@contextmanager
def after_deadline(seconds: float) -> Iterator[None]:
    """Requests of this thread may run for ``seconds`` more, even past the deadline (the
    publish lock's hand-back)."""
    previous = getattr(_grace, "ends", None)
    _grace.ends = time.monotonic() + seconds
    try:
        yield
    finally:
        _grace.ends = previous

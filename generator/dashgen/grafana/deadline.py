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

An interrupt (Ctrl-C, SIGTERM: ``dashgen.cli.interrupt``) ends the same deadline now
(``interrupt``), with its reason ("interrupted (SIGTERM)") in every sentence instead of the
deadline's: nothing new starts, waits end at once, and the requests in flight get a short
grace; those still unanswered then are cut (their connections shut by the transports that
registered with ``on_cut``) and fail as sent with no answer ("unknown").
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from dashgen.durations import label
from dashgen.errors import DeadlineError, GrafanaAPIError, RateLimitedError

T = TypeVar("T")

_grace = threading.local()  # after_deadline(): this thread's end of grace (monotonic)


class Deadline:
    """The end of one command's time with Grafana (monotonic); thread-safe. ``seconds`` may
    be ``math.inf`` (no bound: only an interrupt ends it)."""

    def __init__(self, seconds: float, command: str = "publish") -> None:
        self.seconds = seconds
        self.command = command
        self._ends = time.monotonic() + seconds
        self._ended = threading.Event()  # set once it has been ended early (waits end)
        self.reason: str | None = None  # "interrupted (SIGTERM)": what ended it, if not time
        self._signal = ""  # "SIGTERM" / "Ctrl-C": the interrupt's, for the report's unknown
        self._interrupted_at: float | None = None  # monotonic
        self._cut = False  # the requests in flight at the interrupt were cut
        self._cutters: list[Callable[[float], None]] = []
        self._watch = threading.RLock()  # (a signal handler may take it)
        # What an immediate stop (a second signal) would leave unknown: "org/uid" of the
        # saves and deletes in flight, and the orgs whose publish lock is held.
        self.writes_in_flight: set[str] = set()
        self.locks_held: set[str] = set()

    @property
    def name(self) -> str:
        """``the publish deadline (30s)``."""
        seconds = label(self.seconds) if math.isfinite(self.seconds) else "none"
        return f"the {self.command} deadline ({seconds})"

    @property
    def stopped_by(self) -> str:
        """What every sentence of it names: ``the publish deadline (30s) passed`` or the
        interrupt's reason."""
        return self.reason or f"{self.name} passed"

    @property
    def interrupted(self) -> bool:
        return self.reason is not None

    def end_now(self) -> None:
        """Let it pass now: no request starts any more (what is in flight keeps its cut)."""
        self._ends = min(self._ends, time.monotonic())
        self._ended.set()

    def interrupt(self, signal_word: str, grace_s: float) -> None:
        """End it now because of ``signal_word`` ("Ctrl-C", "SIGTERM"): the requests in flight
        get ``grace_s`` seconds for their answer, then are cut. A deadline already passed
        keeps its own words."""
        with self._watch:
            if self._interrupted_at is not None:
                return
            if not self.passed():
                self.reason = f"interrupted ({signal_word})"
                self._signal = signal_word
            self._interrupted_at = time.monotonic()
        self.end_now()
        timer = threading.Timer(grace_s, self.cut_in_flight)
        timer.daemon = True
        timer.start()

    def cut_in_flight(self) -> None:
        """Shut the connections of the requests sent before the interrupt (not the lock's
        hand-back, sent after it)."""
        with self._watch:
            if self._interrupted_at is None or self._cut:
                return
            self._cut = True
            cutters = list(self._cutters)
        for cut in cutters:
            cut(self._interrupted_at)

    def attach(self, transport: Any) -> None:
        """A transport that can cut its exchanges (``StdlibTransport``): nothing goes out
        on it once this has passed, and an interrupt's cut shuts what it carries."""
        transport.may_send = lambda: not self.passed()
        with self._watch:
            self._cutters.append(_weak(transport.cut_before))

    def sleep(self, seconds: float) -> None:
        """Sleep, ending early when it is ended early (an interrupt)."""
        if seconds > 0:
            self._ended.wait(seconds)

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
        return DeadlineError(f"not sent: {self.stopped_by}", sent=False)

    def no_answer(self) -> str:
        """Why a request sent in time is not known to have done anything (it names what
        stopped it, as every sentence of it does)."""
        return f"{self.stopped_by} before Grafana answered"

    def unknown(self) -> str:
        """Why a write is unknown, in an interrupt's words (the report's)."""
        return f"the answer did not come back before the interrupt ({self._signal})"

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

    def in_flight_failure(
        self, exc: BaseException, cut: bool, sent_at: float
    ) -> DeadlineError | None:
        """What a transport failure of a request sent at ``sent_at`` (monotonic) means: the
        deadline's doing when it ``cut`` the request's timeouts, an interrupt's when it shut
        the connection; None when neither (the request's own error stands)."""
        if cut and isinstance(exc, httpx.PoolTimeout | httpx.ConnectTimeout):
            return self.not_sent()
        if cut and isinstance(exc, httpx.TimeoutException):
            return DeadlineError(self.no_answer(), sent=True)
        if isinstance(exc, httpx.PoolTimeout) and self.passed():  # (``may_send``)
            return self.not_sent()
        at = self._interrupted_at
        if not self._cut or at is None or sent_at >= at:
            return None
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return self.not_sent()
        return DeadlineError(self.no_answer(), sent=True)

    def wait(self, seconds: float, error: BaseException | None = None) -> None:
        """Sleep ``seconds`` before another attempt, or raise now when that would pass the
        deadline (saying what asked for the wait)."""
        left = self.remaining()
        if seconds >= left:
            raise self.too_long(seconds, left, error)
        self.sleep(seconds)
        if self.reason is not None:  # interrupted during the wait: no other attempt
            raise self.too_long(seconds, 0, error)

    def too_long(self, seconds: float, left: float, error: BaseException | None) -> DeadlineError:
        asked = _what_asked(error)
        if self.reason is not None:
            return DeadlineError(f"{asked}; {self.reason}: not retried", sent=True, cause=error)
        away = f"which is {left:.0f} s away" if left >= 0.5 else "which has come"
        return DeadlineError(
            f"{asked}; waiting {seconds:.0f} s would pass {self.name}, {away}: not retried",
            sent=True,
            cause=error,
        )


def _weak(method: Callable[[float], None]) -> Callable[[float], None]:
    """``method`` held weakly: a closed client's transport is not kept alive by the
    deadline."""
    ref = weakref.WeakMethod(method)  # type: ignore[arg-type]

    def call(at: float) -> None:
        target = ref()
        if target is not None:
            target(at)

    return call


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


def with_grace(work: Callable[[], T]) -> Callable[[], T]:
    """``work`` to run on another thread with this thread's ``after_deadline`` grace."""
    ends = getattr(_grace, "ends", None)
    if ends is None:
        return work

    def graced() -> T:
        _grace.ends = ends
        try:
            return work()
        finally:
            _grace.ends = None

    return graced

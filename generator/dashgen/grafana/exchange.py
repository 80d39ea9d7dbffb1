"""One request handed to ``dashgen.grafana.exchanger``: its bounds, its phase, its outcome."""

from __future__ import annotations

import _thread
import math
import time
from collections.abc import Callable

import httpx

from dashgen.grafana.wire import Answer, Origin

CONNECT, SEND, RECEIVE = "connect", "send", "receive"
_TIMEOUT_OF = {CONNECT: "connect", SEND: "write", RECEIVE: "read"}  # httpx's names
TIMEOUT_ERROR = {
    CONNECT: httpx.ConnectTimeout,
    SEND: httpx.WriteTimeout,
    RECEIVE: httpx.ReadTimeout,
}


class Exchange:
    """One request handed to the exchanger, and what came of it."""

    __slots__ = (
        "addresses",
        "allowed",
        "answer",
        "begun",
        "done",
        "ended",
        "ends",
        "error",
        "handed_at",
        "origin",
        "phase",
        "phase_ends",
        "phases_s",
        "pool_ends",
        "request",
        "sent",
        "timeouts",
        "total",
    )

    def __init__(
        self,
        request: httpx.Request,
        origin: Origin,
        addresses: list[tuple],
        timeouts: dict[str, float | None],
        total: float | None,
        allowed: Callable[[], bool] | None = None,
        pool: float | None = None,
    ) -> None:
        self.request = request
        self.origin = origin
        self.addresses = addresses
        self.timeouts = timeouts
        self.total = total
        self.handed_at = time.monotonic()
        self.ends = math.inf if total is None else self.handed_at + total
        self.phase = CONNECT
        self.phase_ends = math.inf
        self.pool_ends = math.inf if pool is None else self.handed_at + pool
        # the longest it may take once begun: connect, send and answer, each at its limit
        self.phases_s = sum(math.inf if t is None else t for t in timeouts.values())
        self.allowed = allowed
        self.begun = False
        self.sent = False
        self.answer: Answer | None = None
        self.error: BaseException | None = None
        self.ended = 0.0  # (perf_counter) when its answer or failure came
        self.done = _thread.allocate_lock()
        self.done.acquire()

    def renew(self, phase: str, now: float) -> None:
        self.phase = phase
        limit = self.timeouts.get(_TIMEOUT_OF[phase])
        self.phase_ends = math.inf if limit is None else now + limit

    def waited_too_long(self, now: float) -> httpx.TimeoutException | None:
        """Still waiting for its turn: the error it fails with once its time is up."""
        if self.pool_ends <= now:
            return httpx.PoolTimeout("Timed out waiting for a connection from the pool.")
        if self.ends <= now:
            return httpx.ConnectTimeout(f"no time left to send it ({self.total:g} s in total)")
        return None

"""The one thread that carries every exchange of a ``StdlibTransport``.

A thread per request in flight spends more CPU passing Python's GIL around each socket
call than on the requests (64 threads each reading their own socket: about twice the CPU
of one doing all the reading). Here callers only wait: one thread runs every connection
without blocking (``dashgen.grafana.wire``) and hands each its answer or httpx failure.

Per exchange, as a blocking socket would have it: a connect timeout (TCP and TLS), a write
timeout and a read timeout (each renewed by progress), and the whole exchange's end
(``total``: ``--timeout`` or the time left before the deadline) after which an answer still
coming is cut (``ReadTimeout``: a trickled answer cannot outlast it). ``cut_before(t)``
fails the exchanges handed over before ``t`` (an interrupt's grace is over): ``ConnectError``
for one not sent yet, ``ReadError`` for one sent. Idle keep-alive connections are watched:
one the server closes is dropped, and one with something unexpected to read is never used.
The thread ends after a few idle seconds and starts again with the next exchange. It is
also the pool: at most ``max_connections`` exchanges per origin are carried at once,
the others wait their turn in order (``PoolTimeout`` after the pool timeout), and one whose
turn comes once the command has stopped (``allowed``, asked with the grace of the thread
that handed it over: the publish lock's hand-back) is not sent. A caller may hand over many
exchanges without a thread each (``post``) and take each answer later (``wait``).
"""

from __future__ import annotations

import logging
import math
import selectors
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx

from dashgen.grafana.exchange import CONNECT, RECEIVE, SEND, TIMEOUT_ERROR, Exchange
from dashgen.grafana.wire import READ, Answer, Origin, Wire

_IDLE_S = 5.0  # the thread ends after this long with nothing to carry
_MARGIN_S = 5.0  # what a caller waits beyond an exchange's own bounds
log = logging.getLogger(__name__)
_EVENTS = {READ: selectors.EVENT_READ, "write": selectors.EVENT_WRITE}


class Exchanger:
    def __init__(self, tls: Callable[[], ssl.SSLContext], max_connections: int) -> None:
        self._tls = tls
        self._max_connections = max(1, max_connections)
        self._carrying: dict[Origin, int] = {}  # exchanges begun and not finished, by origin
        self._waiting: dict[Origin, deque[Exchange]] = {}
        self._look_at_waiting = math.inf  # when the first waiting exchange may time out
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._inbox: deque[tuple[str, Any]] = deque()
        self._running = False
        self._wake_pending = False
        self._start_lock = threading.Lock()
        self._idle: dict[Origin, list[Wire]] = {}
        self._active: dict[Wire, Exchange] = {}
        self._watching: dict[Wire, int] = {}  # the selector events each wire waits for
        self._closed = False

    # -- callers' side -----------------------------------------------------------------------

    def carry(self, exchange: Exchange) -> Answer:
        """Hand ``exchange`` over and wait for its answer (raising its failure)."""
        self.post(exchange)
        return self.wait(exchange)

    def post(self, exchange: Exchange) -> None:
        self._post("exchange", exchange)

    def forget(self, exchanges: list[Exchange]) -> None:
        """Nobody will wait for these: the ones still waiting for their turn are not sent."""
        self._post("forget", exchanges)

    def wait(self, exchange: Exchange) -> Answer:
        """The answer of a posted exchange (raising its failure). Never longer than the
        exchange's own bounds allow, plus a margin: whatever happened to the thread that
        carries it, a caller does not wait for ever."""
        bound = min(exchange.ends, exchange.pool_ends + exchange.phases_s)
        timeout = -1 if bound == math.inf else max(0.0, bound - time.monotonic() + _MARGIN_S)
        try:
            answered = exchange.done.acquire(timeout=timeout)
        except BaseException:
            self._post("drop", exchange)  # (the caller is gone: its connection is closed)
            raise
        if not answered:
            self._post("drop", exchange)
            log.warning("dashgen's HTTP thread lost an exchange: it failed as a timeout")
            raise httpx.ReadTimeout("no answer from dashgen's HTTP thread in time")
        if exchange.error is not None:
            raise exchange.error
        assert exchange.answer is not None
        return exchange.answer

    def cut_before(self, started: float) -> None:
        self._post("cut", started)

    def close(self) -> None:
        self._post("close", None)

    def _post(self, kind: str, item: Any) -> None:
        self._inbox.append((kind, item))
        if self._running:
            if not self._wake_pending:  # (one wake for all posted before the thread looks)
                self._wake_pending = True
                try:
                    self._wake_w.send(b"\0")
                except OSError:  # (full: a wake is pending anyway; closed: none listens)
                    pass
            return
        with self._start_lock:
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="dashgen-http", daemon=True).start()

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        idle_since = time.monotonic()
        while True:
            try:
                self._turn()
            except Exception as exc:  # a bug here must not leave callers waiting forever
                self._fail_all(httpx.ReadError(f"dashgen's HTTP thread failed: {exc!r}"))
            if self._active or self._inbox or any(self._waiting.values()):
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= _IDLE_S and self._stop_if_idle():
                return

    def _stop_if_idle(self) -> bool:
        with self._start_lock:
            self._running = False
            if not self._inbox:
                return True
            self._running = True  # (posted as it was stopping: go on)
            return False

    def _turn(self) -> None:
        timeout = self._next_timeout()
        for key, _mask in self._selector.select(timeout):
            wire = key.data
            if wire is None:
                self._drain_wakes()
                continue
            exchange = self._active.get(wire)
            if exchange is None:
                if not wire.usable():  # idle and readable: closed by the server (or garbage)
                    self._forget(wire)
            else:
                self._advance(wire, exchange)
        while self._inbox:
            kind, item = self._inbox.popleft()
            getattr(self, f"_on_{kind}")(item)
        self._expire()

    def _next_timeout(self) -> float:
        if self._inbox:
            return 0
        soonest = min(
            (min(ex.ends, ex.phase_ends) for ex in self._active.values()),
            default=self._look_at_waiting,
        )
        soonest = min(soonest, self._look_at_waiting)
        if soonest == math.inf:
            return _IDLE_S
        return max(0.0, soonest - time.monotonic())

    def _drain_wakes(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass
        # After the wakes are read and before the inbox is: a post from now on wakes again,
        # one from before is in the inbox (and its wake, if it sent one, was read above).
        self._wake_pending = False

    # -- what callers post -------------------------------------------------------------------

    def _on_exchange(self, exchange: Exchange) -> None:
        origin = exchange.origin
        if self._carrying.get(origin, 0) >= self._max_connections:
            self._waiting.setdefault(origin, deque()).append(exchange)
            self._look_at_waiting = min(self._look_at_waiting, exchange.pool_ends, exchange.ends)
            return
        self._begin(exchange)

    def _begin(self, exchange: Exchange) -> None:
        if exchange.allowed is not None and not exchange.allowed():
            message = "The command stopped while waiting for a connection."
            self._finish(None, exchange, error=httpx.PoolTimeout(message))
            return
        origin = exchange.origin
        exchange.begun = True
        self._carrying[origin] = self._carrying.get(origin, 0) + 1
        wire = self._idle_wire(origin)
        try:
            if wire is None:
                tls = self._tls if exchange.origin[0] == "https" else None
                wire = Wire(exchange.origin, list(exchange.addresses), tls)
        except Exception as exc:
            self._finish(None, exchange, error=exc)
            return
        self._active[wire] = exchange
        now = time.monotonic()
        if wire.connected:
            self._start_sending(wire, exchange, now)
        else:
            exchange.renew(CONNECT, now)
            self._watch(wire, "write")

    def _on_forget(self, exchanges: list[Exchange]) -> None:
        forgotten = {id(exchange) for exchange in exchanges}
        for origin, waiting in self._waiting.items():
            kept = deque(ex for ex in waiting if id(ex) not in forgotten)
            for exchange in waiting:
                if id(exchange) in forgotten:
                    self._finish(None, exchange, error=httpx.PoolTimeout("not needed any more"))
            self._waiting[origin] = kept

    def _on_drop(self, exchange: Exchange) -> None:
        waiting = self._waiting.get(exchange.origin)
        if waiting and exchange in waiting:
            waiting.remove(exchange)
            self._finish(None, exchange, error=httpx.PoolTimeout("the caller stopped waiting"))
            return
        for wire, carried in list(self._active.items()):
            if carried is exchange:
                self._finish(wire, exchange, error=httpx.ReadError("the caller stopped waiting"))

    def _on_cut(self, started: float) -> None:
        for origin, waiting in self._waiting.items():
            cut = [ex for ex in waiting if ex.handed_at < started]
            self._waiting[origin] = deque(ex for ex in waiting if ex.handed_at >= started)
            for exchange in cut:
                error = httpx.ConnectError("cut before it was sent: the command was interrupted")
                self._finish(None, exchange, error=error)
        for wire, exchange in list(self._active.items()):
            if exchange.handed_at < started:
                error: Exception = (
                    httpx.ReadError("cut: the command was interrupted")
                    if exchange.sent
                    else httpx.ConnectError("cut before it was sent: the command was interrupted")
                )
                self._finish(wire, exchange, error=error)

    def _on_close(self, _: None) -> None:
        self._closed = True
        for wire in [wire for wires in self._idle.values() for wire in wires]:
            self._forget(wire)

    # -- connections -------------------------------------------------------------------------

    def _idle_wire(self, origin: Origin) -> Wire | None:
        wires = self._idle.get(origin)
        while wires:
            wire = wires.pop()
            if wire.usable():
                return wire
            self._unwatch(wire)
            wire.close()
        return None

    def _forget(self, wire: Wire) -> None:
        wires = self._idle.get(wire.origin)
        if wires and wire in wires:
            wires.remove(wire)
        self._unwatch(wire)
        wire.close()

    def _watch(self, wire: Wire, want: str) -> None:
        events = _EVENTS[want]
        registered = self._watching.get(wire)
        if registered is None:
            self._selector.register(wire.sock, events, wire)
        elif registered != events:
            self._selector.modify(wire.sock, events, wire)
        self._watching[wire] = events

    def _unwatch(self, wire: Wire) -> None:
        if self._watching.pop(wire, None) is not None:
            try:
                self._selector.unregister(wire.sock)
            except (KeyError, ValueError, OSError):
                pass

    # -- one exchange ------------------------------------------------------------------------

    def _advance(self, wire: Wire, exchange: Exchange) -> None:
        now = time.monotonic()
        try:
            if exchange.phase == CONNECT:
                self._unwatch(wire)  # (its socket may change: TLS wraps it, another address)
                want = wire.connect_step()
                if want is not None:
                    self._watch(wire, want)
                    return
                self._start_sending(wire, exchange, now)
            elif exchange.phase == SEND:
                self._send(wire, exchange, now)
            else:
                answer = wire.receive_step()
                if answer is None:
                    exchange.renew(RECEIVE, now)
                    return
                self._finish(wire, exchange, answer=answer)
        except Exception as exc:
            self._finish(wire, exchange, error=exc)

    def _start_sending(self, wire: Wire, exchange: Exchange, now: float) -> None:
        if exchange.ends <= now:  # (the pool wait and the connect took the time)
            message = f"no time left to send it ({exchange.total:g} s in total)"
            self._finish(wire, exchange, error=httpx.ConnectTimeout(message))
            return
        try:
            wire.start(exchange.request)
        except Exception as exc:
            self._finish(wire, exchange, error=exc)
            return
        exchange.renew(SEND, now)
        self._send(wire, exchange, now)

    def _send(self, wire: Wire, exchange: Exchange, now: float) -> None:
        exchange.sent = True
        want = wire.send_step()
        if want is not None:
            exchange.renew(SEND, now)
            self._watch(wire, want)
            return
        exchange.renew(RECEIVE, now)
        self._watch(wire, READ)

    def _expire(self) -> None:
        now = time.monotonic()
        if now >= self._look_at_waiting:
            self._expire_waiting(now)
        for wire, exchange in list(self._active.items()):
            if exchange.ends <= now and exchange.phase != CONNECT:
                message = f"no whole answer within {exchange.total:g} s"
                self._finish(wire, exchange, error=httpx.ReadTimeout(message))
            elif exchange.ends <= now:
                message = f"no time left to send it ({exchange.total:g} s in total)"
                self._finish(wire, exchange, error=httpx.ConnectTimeout(message))
            elif exchange.phase_ends <= now:
                error = TIMEOUT_ERROR[exchange.phase]("timed out")
                self._finish(wire, exchange, error=error)

    def _expire_waiting(self, now: float) -> None:
        soonest = math.inf
        for origin, waiting in self._waiting.items():
            kept: deque[Exchange] = deque()
            for exchange in waiting:
                error = exchange.waited_too_long(now)
                if error is not None:
                    self._finish(None, exchange, error=error)
                else:
                    kept.append(exchange)
                    soonest = min(soonest, exchange.pool_ends, exchange.ends)
            self._waiting[origin] = kept
        self._look_at_waiting = soonest

    def _finish(
        self,
        wire: Wire | None,
        exchange: Exchange,
        *,
        answer: Answer | None = None,
        error: BaseException | None = None,
    ) -> None:
        if exchange.begun:
            exchange.begun = False
            origin = exchange.origin
            self._carrying[origin] -= 1
            waiting = self._waiting.get(origin)
            if waiting:  # its turn: the next one waiting for this origin
                self._inbox.appendleft(("exchange", waiting.popleft()))
        if wire is not None:
            self._active.pop(wire, None)
            if answer is not None and answer.reusable and not self._closed:
                self._idle.setdefault(wire.origin, []).append(wire)
                self._watch(wire, READ)  # (idle: readable means the server closed it)
            else:
                self._unwatch(wire)
                wire.close()
        exchange.answer, exchange.error, exchange.ended = answer, error, time.perf_counter()
        exchange.done.release()

    def _fail_all(self, error: Exception) -> None:
        for wire, exchange in list(self._active.items()):
            self._finish(wire, exchange, error=error)
        for waiting in self._waiting.values():
            while waiting:
                self._finish(None, waiting.popleft(), error=error)

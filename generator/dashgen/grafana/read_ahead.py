"""GETs sent together without a thread each, and each answer taken once, later.

An unchanged classic republish is one GET per dashboard. Asked by the planner's threads one
each, 64 at once, the reads cost more CPU in threads waking and waiting than in HTTP; handed
to the transport's one thread together (``StdlibTransport.post``: it keeps them under
``max_connections`` per origin, in order), they cost only their exchange, and each planner
thread takes its answer when it gets to that dashboard.

An answer taken here is what ``GrafanaClient.get`` would have made of it (logged, checked
against its ``Shape``, a status of 400 or more raised as its typed error). A failure the
client would retry (no answer, a 5xx, a 429) is not one: ``take`` raises ``NotReadAhead``
and the caller asks the ordinary way, with its retries, so what the read ahead met changes
nothing but one request more. At most ``WINDOW`` answers wait to be taken: more are sent as
they are. Nothing is read ahead over another transport (in-process
tests, a proxy), nor once the command's deadline has passed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dashgen.errors import DashgenError
from dashgen.grafana.answers import Shape
from dashgen.grafana.exchange import Exchange
from dashgen.grafana.retries import retryable
from dashgen.grafana.transport import StdlibTransport

if TYPE_CHECKING:
    from dashgen.grafana.client import GrafanaClient

log = logging.getLogger("dashgen.grafana.client")
# Reads sent and not taken yet, at most: a batch of thousands holds this many answers, not
# all of them (the transport sends them max_connections at a time anyway).
WINDOW = 256


class NotReadAhead(Exception):
    """Nothing was read ahead for this path, or its read failed as a retry would: ask."""


class ReadAhead:
    def __init__(
        self,
        client: GrafanaClient,
        transport: StdlibTransport,
        expect: Shape,
        later: list[str],
        headers: dict[str, str],
    ) -> None:
        self._client = client
        self._transport = transport
        self._expect = expect
        self._headers = headers
        self._pending: dict[str, tuple[Exchange, float]] = {}
        self._later = later  # not sent yet (reversed: the next one last)
        self._unsent = set(later)
        self._lock = threading.Lock()
        self._top_up()

    def _top_up(self) -> None:
        """Keep ``WINDOW`` reads sent and not taken: the answers waiting stay few."""
        client = self._client
        with self._lock:
            while self._later and len(self._pending) < WINDOW:
                limit: float | None = None
                if client.deadline is not None:  # (as a request asked then would be cut)
                    if client.deadline.passed():
                        return  # the rest are asked the ordinary way: "not sent"
                    left, cut = client.deadline.cut(client.timeout_s)
                    limit = left if cut else None
                path = self._later.pop()
                self._unsent.discard(path)
                request = client.sender.request(
                    "GET", path, content=None, params=None, headers=self._headers, timeout_s=limit
                )
                self._pending[path] = (self._transport.post(request), time.perf_counter())

    @classmethod
    def start(cls, client: GrafanaClient, paths: Sequence[str], expect: Shape) -> ReadAhead | None:
        sender = client.sender
        transport = sender.transport
        if not paths or not isinstance(transport, StdlibTransport):
            return None
        if client.deadline is not None and client.deadline.passed():
            return None
        headers = client.org_header()
        later = list(reversed(dict.fromkeys(paths)))
        log.debug("%d reads sent together (read ahead), the first %s", len(later), paths[0])
        return cls(client, transport, expect, later, headers)

    def take(self, path: str) -> Any:
        """The answer of ``GET path`` (raising what it is an error of), once."""
        with self._lock:
            entry = self._pending.pop(path, None)
            if entry is None and path in self._unsent:  # (taken out of turn: asked directly)
                self._unsent.discard(path)
                self._later.remove(path)
        self._top_up()
        if entry is None:
            raise NotReadAhead(path)
        exchange, started = entry
        try:
            response = self._transport.answer(exchange)
        except Exception as exc:  # (its text is not logged: only what kind of failure)
            log.debug("GET %s read ahead: %s; asked again", path, type(exc).__name__)
            raise NotReadAhead(path) from None
        response = self._client.sender.received(response, exchange.request)
        # (logged "in" the time to its answer, not to when a caller got to take it)
        started += time.perf_counter() - exchange.ended
        try:
            return self._client.answered("GET", path, response, self._expect, started)
        except DashgenError as error:
            if retryable(error):
                raise NotReadAhead(path) from None
            raise

    def close(self) -> None:
        """Those nobody took: the ones not sent yet are not sent."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._later, self._unsent = [], set()
        if pending:
            self._transport.forget([exchange for exchange, _ in pending.values()])

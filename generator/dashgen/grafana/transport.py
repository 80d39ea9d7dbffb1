"""An httpx transport of dashgen's own: what carries dashgen's requests to Grafana when no
proxy applies.

httpx's default transport (httpcore and h11) costs about 1 ms of CPU per request, and a
thread per request in flight spends as much again handing the GIL around its socket calls;
an unchanged republish is one GET per dashboard and is bound by that CPU, not by latency.
This transport speaks HTTP/1.1 (``dashgen.grafana.wire``: answers parsed by httptools) on
non-blocking sockets, all of them run by one thread (``dashgen.grafana.exchanger``): the
caller's thread waits for its whole answer. It keeps up to ``max_connections`` keep-alive
connections per origin (a caller waits for a slot first: the pool timeout) and raises
httpx's own exceptions (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError`` ...), so
the client's error translation (``dashgen.grafana.failures``), retries and redaction are
unchanged. It carries only what goes direct: with a proxy in the environment
(``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``) the client leaves everything to httpx's own
transports, proxies mounted as before (``GrafanaClient``). TLS uses the context the client
built (``--ca-cert``, ``--insecure``, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` as httpx reads
them), created on the first https request.

An idle connection the server has closed (readable before a request was sent) is discarded
before use, so a write never goes out on a connection already known dead; nothing is ever
re-sent here (retries are the client's, and never for a write).

An interrupted command (``dashgen.grafana.deadline``) cuts what is still in flight after
its grace: ``cut_before(t)`` fails the exchanges handed over before ``t`` (the request fails
with no answer); ``may_send``, asked after a pool slot was waited for, keeps a request from
going out once the command has stopped.

A request's ``total_timeout`` extension (``Sender``: ``--timeout``, or the time left before
the deadline) bounds the whole of it, from the pool wait to the answer's last byte: an
answer still coming then is cut and fails as ``httpx.ReadTimeout``, so a server that trickles
its answer a byte at a time cannot outlast ``--timeout`` or the deadline. Each phase also
has its own timeout (connect, write, read: renewed by each byte), as a socket's would be.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

import httpx

from dashgen.grafana.deadline import with_grace
from dashgen.grafana.exchange import Exchange
from dashgen.grafana.exchanger import Exchanger
from dashgen.grafana.wire import Origin

_DEFAULT_PORTS = {"http": 80, "https": 443}


class StdlibTransport(httpx.BaseTransport):
    """HTTP/1.1 over pooled keep-alive connections, run by one thread (thread-safe)."""

    def __init__(
        self,
        *,
        ssl_context: Callable[[], ssl.SSLContext],
        max_connections: int = 8,
    ) -> None:
        self._ssl_context_factory = ssl_context
        self._ssl_context: ssl.SSLContext | None = None
        self._lock = threading.Lock()
        self._addresses: dict[Origin, list[tuple]] = {}
        self.may_send: Callable[[], bool] | None = None
        self._exchanger = Exchanger(self._tls, max_connections)

    # -- httpx.BaseTransport ---------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.answer(self.post(request))

    # -- many requests without a thread each ------------------------------------------------

    def post(self, request: httpx.Request) -> Exchange:
        """Hand ``request`` over now; ``answer`` waits for what came of it."""
        url = request.url
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme}://'."
            )
        # raw_host: an internationalised name as its IDNA (punycode) form, as httpcore uses
        origin = (scheme, url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[scheme])
        timeouts = request.extensions.get("timeout", {})
        total = _seconds(request.extensions.get("total_timeout"))
        phases = {name: _seconds(timeouts.get(name)) for name in ("connect", "read", "write")}
        allowed = with_grace(self.may_send) if self.may_send is not None else None
        pool = _seconds(timeouts.get("pool"))
        addresses = self._resolved(origin)
        exchange = Exchange(request, origin, addresses, phases, total, allowed, pool)
        self._exchanger.post(exchange)
        return exchange

    def answer(self, exchange: Exchange) -> httpx.Response:
        try:
            answer = self._exchanger.wait(exchange)
        except httpx.ConnectError:
            self._addresses.pop(exchange.origin, None)  # (resolved again next time)
            raise
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx.ByteStream(answer.body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
            request=exchange.request,
        )

    def forget(self, exchanges: list[Exchange]) -> None:
        """Posted exchanges nobody will take: those not sent yet are not sent."""
        self._exchanger.forget(exchanges)

    def close(self) -> None:
        self._exchanger.close()

    def cut_before(self, started: float) -> None:
        """Fail the exchanges handed over before ``started`` (monotonic): the ones sent end
        with no answer, the others are not sent (an interrupted command's grace is over)."""
        self._exchanger.cut_before(started)

    # -- connections -----------------------------------------------------------------------

    def _resolved(self, origin: Origin) -> list[tuple]:
        """The addresses of ``origin``'s host (resolved once: the caller's thread waits for
        the resolver, never the thread that carries every exchange)."""
        addresses = self._addresses.get(origin)
        if addresses is None:
            _, host, port = origin
            try:
                # (bytes: an ASCII name needs no idna codec, whose import costs ~4 ms)
                addresses = socket.getaddrinfo(host.encode("ascii"), port, type=socket.SOCK_STREAM)
            except OSError as exc:  # (socket.gaierror: the name is not known)
                raise httpx.ConnectError(str(exc)) from exc
            self._addresses[origin] = addresses
        return addresses

    def _tls(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl_context is None:
                self._ssl_context = self._ssl_context_factory()
            return self._ssl_context


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)

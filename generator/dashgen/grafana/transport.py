"""An httpx transport of dashgen's own: what carries dashgen's requests to Grafana when no
proxy applies.

httpx's default transport (httpcore and h11) costs about 1 ms of CPU per request, and a
thread per request in flight spends as much again handing the GIL around its socket calls;
an unchanged republish is one GET per dashboard and is bound by that CPU, not by latency.
This transport speaks HTTP/1.1 through h11 on non-blocking sockets, all of them run by one
thread (``dashgen.grafana.exchanger``): the caller's thread waits for its whole answer. It
keeps up to ``max_connections`` keep-alive connections per origin (a caller waits for a slot
first: the pool timeout) and raises httpx's own exceptions (``ConnectError``,
``ReadTimeout``, ``RemoteProtocolError`` ...), so the client's error translation
(``dashgen.grafana.failures``), retries and redaction are unchanged. It carries only what
goes direct: with a proxy in the environment (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``)
the client leaves everything to httpx's own transports, proxies mounted as before
(``GrafanaClient``). TLS uses the context the client built (``--ca-cert``, ``--insecure``,
``SSL_CERT_FILE``/``SSL_CERT_DIR`` as httpx reads them), created on the first https request.

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

from dashgen.grafana.exchanger import Exchange, Exchanger
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
        self._max_connections = max(1, max_connections)
        self._lock = threading.Lock()
        self._slots: dict[Origin, threading.BoundedSemaphore] = {}
        self._addresses: dict[Origin, list[tuple]] = {}
        self.may_send: Callable[[], bool] | None = None
        self._exchanger = Exchanger(self._tls)

    # -- httpx.BaseTransport ---------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
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
        slots = self._slots_for(origin)
        if not slots.acquire(timeout=_seconds(timeouts.get("pool"))):
            raise httpx.PoolTimeout("Timed out waiting for a connection from the pool.")
        try:
            if self.may_send is not None and not self.may_send():
                raise httpx.PoolTimeout("The command stopped while waiting for a connection.")
            phases = {name: _seconds(timeouts.get(name)) for name in ("connect", "read", "write")}
            exchange = Exchange(request, origin, self._resolved(origin), phases, total)
            answer = self._exchanger.carry(exchange)
        except httpx.ConnectError:
            self._addresses.pop(origin, None)  # (resolved again for the next connection)
            raise
        finally:
            slots.release()
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx.ByteStream(answer.body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
            request=request,
        )

    def close(self) -> None:
        self._exchanger.close()

    def cut_before(self, started: float) -> None:
        """Fail the exchanges handed over before ``started`` (monotonic): the ones sent end
        with no answer, the others are not sent (an interrupted command's grace is over)."""
        self._exchanger.cut_before(started)

    # -- connections -----------------------------------------------------------------------

    def _slots_for(self, origin: Origin) -> threading.BoundedSemaphore:
        with self._lock:
            slots = self._slots.get(origin)
            if slots is None:
                slots = self._slots[origin] = threading.BoundedSemaphore(self._max_connections)
            return slots

    def _resolved(self, origin: Origin) -> list[tuple]:
        """The addresses of ``origin``'s host (resolved once: the caller's thread waits for
        the resolver, never the thread that carries every exchange)."""
        addresses = self._addresses.get(origin)
        if addresses is None:
            _, host, port = origin
            try:
                addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
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

"""An httpx transport over the standard library's ``http.client``: what carries dashgen's
requests to Grafana when no proxy applies.

httpx's default transport (httpcore and h11) costs about 1 ms of CPU per request; an
unchanged republish is one GET per dashboard and is bound by that CPU, not by latency. This
transport speaks HTTP/1.1 through ``http.client`` (in Python too, but with no per-request
state machine to drive: it reads a body in one call), keeps up to
``max_connections`` keep-alive connections per origin, and raises httpx's own exceptions
(``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError`` ...), so the client's error
translation (``dashgen.grafana.failures``), retries and redaction are unchanged. It carries
only what goes direct: with a proxy in the environment (``HTTPS_PROXY``/``HTTP_PROXY``/
``ALL_PROXY``) the client leaves everything to httpx's own transports, proxies mounted as
before (``GrafanaClient``). TLS uses the context the client built (``--ca-cert``,
``--insecure``, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` as httpx reads them), created on the
first https request.

As httpcore does, an idle connection the server has closed (readable before a request was
sent) is discarded before use, so a write never goes out on a connection already known
dead; nothing is ever re-sent here (retries are the client's, and never for a write).

An interrupted command (``dashgen.grafana.deadline``) cuts what is still in flight after
its grace: ``cut_before(t)`` shuts the connections of the exchanges started before ``t``
(their reads end at once: the request fails with no answer); ``may_send``, asked after a
pool slot was waited for, keeps a request from going out once the command has stopped.

A socket timeout bounds each read, not the answer: a request's ``total_timeout`` extension
(``Sender``: ``--timeout``, or the time left before the deadline) bounds the whole of it,
from the pool wait to the answer's last byte. An exchange still running then is cut by the
watchdog (``dashgen.grafana.watchdog``) and fails as ``httpx.ReadTimeout``, so a server
that trickles its answer a byte at a time cannot outlast ``--timeout`` or the deadline.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from dashgen.grafana.watchdog import Watchdog, shut

Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}


class StdlibTransport(httpx.BaseTransport):
    """HTTP/1.1 over pooled ``http.client`` connections (thread-safe)."""

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
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._slots: dict[Origin, threading.BoundedSemaphore] = {}
        self._closed = False
        # connections carrying an exchange now, with when it started (monotonic)
        self._busy: dict[int, tuple[http.client.HTTPConnection, float]] = {}
        self.may_send: Callable[[], bool] | None = None
        self._watchdog = Watchdog()

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
        ends = None if total is None else time.monotonic() + total
        slots = self._slots_for(origin)
        if not slots.acquire(timeout=_seconds(timeouts.get("pool"))):
            raise httpx.PoolTimeout("Timed out waiting for a connection from the pool.")
        try:
            if self.may_send is not None and not self.may_send():
                raise httpx.PoolTimeout("The command stopped while waiting for a connection.")
            connection = self._connection(origin, timeouts)
            busy = id(connection)
            if ends is not None and ends <= time.monotonic():  # (the pool wait and connect)
                connection.close()
                raise httpx.ConnectTimeout(f"no time left to send it ({total:g} s in total)")
            with self._lock:
                self._busy[busy] = (connection, time.monotonic())
            if ends is not None:
                self._watchdog.watch(busy, connection, ends)
            overdue = False
            try:
                status, reason, headers, body, reusable = self._exchange(
                    connection, request, timeouts
                )
            except BaseException as exc:
                connection.close()
                overdue = ends is not None and self._watchdog.unwatch(busy)
                if not overdue or not isinstance(exc, Exception):
                    raise
            finally:
                with self._lock:
                    self._busy.pop(busy, None)
            if overdue:  # (raised here, not in the handler: no chained transport error)
                raise httpx.ReadTimeout(f"no whole answer within {total:g} s")
            if ends is not None and self._watchdog.unwatch(busy):
                reusable = False  # answered as its end came: the connection was shut
            if reusable and not self._closed:
                with self._lock:
                    self._idle.setdefault(origin, []).append(connection)
            else:
                connection.close()
        finally:
            slots.release()
        return httpx.Response(
            status,
            headers=headers,
            stream=httpx.ByteStream(body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason.encode("latin-1")},
            request=request,
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def cut_before(self, started: float) -> None:
        """Shut the connections of the exchanges started before ``started`` (monotonic):
        their reads and writes end now (an interrupted command's grace is over)."""
        with self._lock:
            cut = [conn for conn, since in self._busy.values() if since < started]
        for connection in cut:
            shut(connection)

    # -- connections -----------------------------------------------------------------------

    def _slots_for(self, origin: Origin) -> threading.BoundedSemaphore:
        with self._lock:
            slots = self._slots.get(origin)
            if slots is None:
                slots = self._slots[origin] = threading.BoundedSemaphore(self._max_connections)
            return slots

    def _connection(self, origin: Origin, timeouts: dict[str, Any]) -> http.client.HTTPConnection:
        """An idle connection still open, else a new one (connected here)."""
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                connection = idle.pop() if idle else None
            if connection is None:
                break
            if _usable(connection):
                return connection
            connection.close()  # the server closed it while it was idle
        scheme, host, port = origin
        connect_timeout = _seconds(timeouts.get("connect"))
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=connect_timeout, context=self._tls()
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        try:
            connection.connect()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError is an OSError)
            connection.close()
            raise httpx.ConnectError(str(exc)) from exc
        if connection.sock is not None:
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _tls(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl_context is None:
                self._ssl_context = self._ssl_context_factory()
            return self._ssl_context

    # -- one exchange ----------------------------------------------------------------------

    def _exchange(
        self, connection: http.client.HTTPConnection, request: httpx.Request, timeouts: dict
    ) -> tuple[int, str, list[tuple[bytes, bytes]], bytes, bool]:
        url = request.url
        target = url.raw_path.decode("ascii")
        body = request.read()
        sock = connection.sock
        assert sock is not None
        with _mapped(httpx.WriteTimeout, httpx.WriteError):
            sock.settimeout(_seconds(timeouts.get("write")))
            try:
                connection.putrequest(
                    request.method, target, skip_host=True, skip_accept_encoding=True
                )
                for name, value in request.headers.raw:
                    connection.putheader(name, value)
            except ValueError as exc:  # a header http.client refuses (a CR/LF in it ...)
                raise httpx.LocalProtocolError(str(exc)) from exc
            connection.endheaders(body or None)
        with _mapped(httpx.ReadTimeout, httpx.ReadError):
            sock.settimeout(_seconds(timeouts.get("read")))
            response = connection.getresponse()
            content = response.read()
        headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in response.getheaders()
        ]
        reusable = not response.will_close
        return response.status, response.reason or "", headers, content, reusable


class _mapped:
    """http.client and socket failures of one phase as httpx's exceptions."""

    def __init__(
        self, timeout: type[httpx.TimeoutException], error: type[httpx.TransportError]
    ) -> None:
        self.timeout, self.error = timeout, error

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> bool:
        if exc is None or isinstance(exc, httpx.HTTPError):
            return False
        if isinstance(exc, (TimeoutError, socket.timeout)):
            raise self.timeout(str(exc) or "timed out") from exc
        if isinstance(exc, http.client.RemoteDisconnected):
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response."
            ) from exc
        if isinstance(exc, http.client.HTTPException):  # a bad status line, a short body ...
            raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
        if isinstance(exc, OSError):  # reset, broken pipe, a TLS failure mid-exchange
            raise self.error(str(exc) or type(exc).__name__) from exc
        return False


def _usable(connection: http.client.HTTPConnection) -> bool:
    """Open and quiet: an idle connection with something to read was closed by the server
    (or it sent what nobody asked for); either way it cannot carry a request."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        poller = select.poll()  # (select.select cannot watch a descriptor above 1023)
        poller.register(sock, select.POLLIN)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)

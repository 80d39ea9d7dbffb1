"""One HTTP/1.1 keep-alive connection of ``dashgen.grafana.exchanger``, driven without
blocking: a non-blocking socket (TLS through the client's context), h11 for the protocol.

Each step (``connect_step``, ``send_step``, ``receive_step``) does what the socket allows
now and says what it waits for next (``READ`` or ``WRITE``), or raises the httpx exception
the failure is (``ConnectError``, ``WriteError``, ``ReadError``, ``RemoteProtocolError``
...), so the exchanger can run many connections on one thread.
"""

from __future__ import annotations

import os
import select
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

import h11
import httpx

READ, WRITE = "read", "write"
_RECEIVE_BYTES = 256 * 1024
Origin = tuple[str, str, int]


@dataclass
class Answer:
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    reusable: bool


@dataclass(eq=False)
class Wire:
    """A connection to ``origin``: connecting, then carrying one exchange at a time."""

    origin: Origin
    addresses: list[tuple]  # getaddrinfo's (family, type, proto, canonname, sockaddr)
    tls: Callable[[], ssl.SSLContext] | None
    sock: socket.socket = field(init=False)
    protocol: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT))
    connected: bool = False
    _handshaking: bool = False
    _outgoing: memoryview = field(default_factory=lambda: memoryview(b""))
    _status: int = 0
    _reason: bytes = b""
    _headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    _body: list[bytes] = field(default_factory=list)
    _answered: bool = False  # its Response (status and headers) came

    def __post_init__(self) -> None:
        self._open_next()

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def usable(self) -> bool:
        """Idle and quiet: an idle connection with something to read was closed by the
        server (or it sent what nobody asked for); either way it cannot carry a request."""
        if self.protocol.our_state is not h11.IDLE:
            return False
        try:
            poller = select.poll()  # (select.select cannot watch a descriptor above 1023)
            poller.register(self.sock, select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False

    # -- connecting ------------------------------------------------------------------------

    def _open_next(self) -> None:
        family, kind, proto, _, address = self.addresses.pop(0)
        self.sock = socket.socket(family, kind, proto)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock.connect(address)
        except BlockingIOError:
            pass
        except OSError as exc:
            self.close()
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc

    def connect_step(self) -> str | None:
        """Advance the connect (and the TLS handshake); None once connected."""
        if not self._handshaking:
            error = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if error:
                self.close()
                if self.addresses:  # (another address of the name, as create_connection)
                    self._open_next()
                    return WRITE
                raise httpx.ConnectError(f"[Errno {error}] {os.strerror(error)}")
            if self.tls is None:
                self.connected = True
                return None
            host = self.origin[1]
            try:
                self.sock = self.tls().wrap_socket(
                    self.sock, server_hostname=host, do_handshake_on_connect=False
                )
            except (OSError, ValueError) as exc:
                self.close()
                raise httpx.ConnectError(str(exc)) from exc
            self._handshaking = True
        try:
            self.sock.do_handshake()  # type: ignore[attr-defined]
        except ssl.SSLWantReadError:
            return READ
        except ssl.SSLWantWriteError:
            return WRITE
        except OSError as exc:  # a certificate refused, a reset ... (ssl.SSLError included)
            self.close()
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        self._handshaking = False
        self.connected = True
        return None

    # -- one exchange ------------------------------------------------------------------------

    def start(self, request: httpx.Request) -> None:
        """Serialise ``request`` (h11 checks its headers: ``LocalProtocolError``)."""
        url = request.url
        target = url.raw_path
        headers = list(request.headers.raw)
        body = request.read()
        try:
            head = h11.Request(method=request.method, target=target, headers=headers)
            data = self.protocol.send(head)
            if body:
                data += self.protocol.send(h11.Data(data=body))
            data += self.protocol.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        self._outgoing = memoryview(data or b"")  # (sliced as it goes out: no copies)
        self._status, self._reason, self._headers, self._body = 0, b"", [], []
        self._answered = False

    def send_step(self) -> str | None:
        """Send what the socket takes now; None once the whole request is out."""
        while self._outgoing:
            try:
                sent = self.sock.send(self._outgoing)
            except (BlockingIOError, ssl.SSLWantWriteError):
                return WRITE
            except ssl.SSLWantReadError:
                return READ
            except OSError as exc:  # reset, broken pipe, a TLS failure mid-exchange
                raise httpx.WriteError(str(exc) or type(exc).__name__) from exc
            self._outgoing = self._outgoing[sent:]
        return None

    def receive_step(self) -> Answer | None:
        """Read what has come; the answer once it is whole, else None (wait to READ)."""
        while True:
            try:
                data = self.sock.recv(_RECEIVE_BYTES)
            except (BlockingIOError, ssl.SSLWantReadError):
                return None
            except ssl.SSLWantWriteError:
                return None  # (renegotiation: rare; the next readable event goes on)
            except OSError as exc:
                raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
            answer = self._take(data)
            if answer is not None or not data:
                return answer
            pending = getattr(self.sock, "pending", None)
            if pending is None or not pending():
                if isinstance(self.sock, ssl.SSLSocket):
                    continue  # (a TLS record may hold less than was sent: read until it blocks)
                return None

    def _take(self, data: bytes) -> Answer | None:
        protocol = self.protocol
        try:
            protocol.receive_data(data)
            while True:
                event = protocol.next_event()
                if event is h11.NEED_DATA:
                    if not data:  # (h11 raised for a cut answer; a plain EOF lands here)
                        raise _disconnected(self._answered)
                    return None
                kind = type(event)
                if kind is h11.Response:
                    self._status, self._reason = event.status_code, event.reason
                    self._headers = list(event.headers.raw_items())
                    self._answered = True
                elif kind is h11.Data:
                    self._body.append(event.data)
                elif kind is h11.EndOfMessage:
                    return self._finished()
                elif kind is h11.ConnectionClosed:
                    raise _disconnected(self._answered)
                # (h11.InformationalResponse: a 1xx before the answer, nothing to keep)
        except h11.RemoteProtocolError as exc:
            if not data and not self._answered:
                raise _disconnected(False) from exc
            raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc

    def _finished(self) -> Answer:
        protocol = self.protocol
        reusable = protocol.our_state is h11.DONE and protocol.their_state is h11.DONE
        if reusable:
            protocol.start_next_cycle()
        body = b"".join(self._body)
        self._body = []
        return Answer(self._status, self._reason, self._headers, body, reusable)


def _disconnected(answered: bool) -> httpx.RemoteProtocolError:
    if answered:
        return httpx.RemoteProtocolError("Server disconnected before the whole answer came.")
    return httpx.RemoteProtocolError("Server disconnected without sending a response.")

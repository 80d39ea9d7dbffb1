"""One HTTP/1.1 keep-alive connection of ``dashgen.grafana.exchanger``, driven without
blocking: a non-blocking socket (TLS through the client's context).

Each step (``connect_step``, ``send_step``, ``receive_step``) does what the socket allows
now and says what it waits for next (``READ`` or ``WRITE``), or raises the httpx exception
the failure is (``ConnectError``, ``WriteError``, ``ReadError``, ``RemoteProtocolError``
...), so the exchanger can run many connections on one thread.

The protocol: a request's head is written here (checked as h11 checked it: the same bytes,
the same ``LocalProtocolError`` for what h11 refused), and answers are parsed by
``httptools`` (llhttp, Node.js's parser, in C). h11, pure Python, cost ~230 us of CPU per
dashboard exchange (its GET and a 58 KB chunked answer), more than everything else a request
costs dashgen's client but decoding its JSON; llhttp ~10 us.
"""

from __future__ import annotations

import os
import re
import select
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools
import httpx

READ, WRITE = "read", "write"
_RECEIVE_BYTES = 256 * 1024
_HEAD_BYTES = 64 * 1024  # an answer's status line and headers, at most (h11: 16 KiB)
Origin = tuple[str, str, int]
_INCOMPLETE = "peer closed connection without sending complete message body"
# What h11 accepts in a request (RFC 9110's token, field-value; a target of visible ASCII)
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")
_FIELD_VALUE = re.compile(rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?")
_TARGET = re.compile(rb"[\x21-\x7e]+")


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
    connected: bool = False
    _handshaking: bool = False
    _idle: bool = True  # no exchange on it, and it can carry the next one
    _close_after: bool = False  # the request said "Connection: close"
    _outgoing: memoryview = field(default_factory=lambda: memoryview(b""))
    _answer: _Answering | None = None

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
        if not self._idle:
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
        """Serialise ``request`` (its head checked as h11 checks it: ``LocalProtocolError``)."""
        data, self._close_after = _serialised(
            request.method, request.url.raw_path, request.headers.raw, request.read()
        )
        self._outgoing = memoryview(data)  # (sliced as it goes out: no copies)
        self._idle = False
        self._answer = _Answering()

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
        answering = self._answer
        assert answering is not None
        if not data:  # the server closed the connection
            if answering.head and not answering.framed:  # (an answer read until the close)
                answering.keep_alive = False
                return self._finished(answering)
            if answering.head:  # (in h11's words)
                raise httpx.RemoteProtocolError(f"RemoteProtocolError: {answering.cut()}")
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        assert answering.parser is not None
        try:
            answering.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
        if answering.done:
            return self._finished(answering)
        if not answering.head:
            answering.head_bytes += len(data)
            if answering.head_bytes > _HEAD_BYTES:
                raise httpx.RemoteProtocolError("The answer's head is too long.")
        return None

    def _finished(self, answering: _Answering) -> Answer:
        reusable = answering.keep_alive and not answering.more and not self._close_after
        self._idle, self._answer = reusable, None
        # (the parser and its callbacks hold each other: parted, the answer's memory is freed
        # as soon as it is read, not at the next collection; reused, it costs no page faults)
        answering.parser = None
        body = b"".join(answering.body)
        return Answer(answering.status, answering.reason, answering.headers, body, reusable)


class _Answering:
    """The callbacks of ``httptools`` for one answer, and what they collected."""

    __slots__ = (
        "body",
        "done",
        "framed",
        "head",
        "head_bytes",
        "headers",
        "keep_alive",
        "length",
        "more",
        "parser",
        "reason",
        "status",
    )

    def __init__(self) -> None:
        self.parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)
        self.status, self.reason, self.headers = 0, b"", []
        self.body: list[bytes] = []
        self.head = self.done = self.more = self.keep_alive = self.framed = False
        self.head_bytes = 0
        self.length: bytes | None = None  # its Content-Length

    def on_message_begin(self) -> None:
        if self.done:  # (bytes after the answer: nobody asked for them)
            self.more = True

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.head:  # (not a chunked answer's trailers: h11 did not keep them either)
            self.headers.append((name, value.rstrip(b" \t")))

    def on_headers_complete(self) -> None:
        parser = self.parser
        assert parser is not None
        status = parser.get_status_code()
        if 100 <= status < 200:  # a 1xx before the answer: nothing to keep
            self.reason, self.headers = b"", []
            return
        self.status, self.head = status, True
        self.keep_alive = parser.should_keep_alive()
        framing = {name.lower(): value for name, value in self.headers}
        self.length = framing.get(b"content-length")
        self.framed = status in (204, 304) or bool(
            self.length is not None or b"transfer-encoding" in framing
        )

    def cut(self) -> str:
        """What an answer the server stopped sending mid-body lacks."""
        if self.length is None:
            return f"{_INCOMPLETE} (incomplete chunked read)"
        received = sum(len(part) for part in self.body)
        return f"{_INCOMPLETE} (received {received} bytes, expected {int(self.length)})"

    def on_body(self, data: bytes) -> None:
        self.body.append(data)

    def on_message_complete(self) -> None:
        if self.head:
            self.done = True


def _serialised(
    method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[bytes, bool]:
    """The request's bytes as h11 wrote them, and whether it asks to close the connection;
    ``httpx.LocalProtocolError`` for what h11 refused to send."""
    name = method.encode("ascii", "replace")
    if not _TOKEN.fullmatch(name):
        raise httpx.LocalProtocolError(f"Illegal method characters {name!r}")
    if name == b"HEAD":  # (its answer has no body whatever its length says: llhttp waits)
        raise httpx.LocalProtocolError("dashgen's transport does not send HEAD requests")
    if not _TARGET.fullmatch(target):
        raise httpx.LocalProtocolError("Illegal target characters")
    lines = [b"%s %s HTTP/1.1\r\n" % (name, target)]
    host, length, close = False, b"", False
    for key, value in headers:
        if not _TOKEN.fullmatch(key):
            raise httpx.LocalProtocolError(f"Illegal header name {key!r}")
        if not _FIELD_VALUE.fullmatch(value):
            raise httpx.LocalProtocolError(f"Illegal header value {value!r}")
        lower = key.lower()
        if lower == b"host":
            host = True
        elif lower == b"content-length":
            length = value
        elif lower == b"transfer-encoding":  # (httpx sends a body of bytes: never chunked)
            raise httpx.LocalProtocolError("dashgen does not send chunked requests")
        elif lower == b"connection":
            close = b"close" in value.lower()
        lines.append(b"%s: %s\r\n" % (key, value))
    if not host:
        raise httpx.LocalProtocolError("Missing mandatory Host: header")
    declared = int(length) if length.isdigit() else -1 if length else 0
    if declared != len(body):
        raise httpx.LocalProtocolError("The body is not of its declared Content-Length")
    lines.append(b"\r\n")
    if body:
        lines.append(body)
    return b"".join(lines), close

"""A real HTTP/1.1 server on 127.0.0.1 in front of an ``Emulator``: threaded, keep-alive.

The request head is read as Go's ``net/http`` server reads it (``http_head``, which cites its
sources); what it refuses is answered in Go's plain-text form and the connection is closed.
Bodies may be sent with ``Transfer-Encoding: chunked`` (a broken chunk is a plain 400). Every
method token reaches the router as sent: Go's methods are case-sensitive, so ``get`` is a
method no route has (HEAD is answered like GET without a body; OPTIONS has no route, as in
Grafana; ``OPTIONS *`` is answered by Go's own handler). Answers carry Date and no Server
header, as Go's do. A client that goes away mid-request is not an error: nothing is printed.
"""

from __future__ import annotations

import functools
import re
import socket
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path
from socket import SOMAXCONN
from socketserver import StreamRequestHandler, ThreadingTCPServer
from types import TracebackType

from dashgen.testing.app import Emulator
from dashgen.testing.dispatch import AnswerHangs, AnswerTrickles, ConnectionDropped
from dashgen.testing.go_framing import Framing, chunked_parts, framing
from dashgen.testing.http_head import Head, HeadError, read_head, status_text
from dashgen.testing.wire import Request, Response, parse_query

_HEX = re.compile(rb"^[0-9a-fA-F]+$")
MAX_LINE = 65536  # of a chunk-size line
_LINGER_S = 0.5  # Go's rstAvoidanceDelay: the refused client reads the answer before a reset
_BAD_BODY = HeadError(400)


class _ClientGone(Exception):
    """The client closed the connection before the whole request arrived."""


_date_cache: list[object] = [0, ""]


def _tokens(value: str) -> set[str]:
    return {part.strip(" \t").lower() for part in value.split(",")}


def _date() -> str:
    """Go's ``Date`` (``TimeFormat``), formatted once a second."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[:] = [now, formatdate(now, usegmt=True)]
    return str(_date_cache[1])


class _Handler(StreamRequestHandler):
    # Each answer goes out in one write; with Nagle on, delayed ACKs would add ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def handle(self) -> None:
        after_post = False
        while True:
            try:
                head = read_head(self.rfile, after_post)
            except HeadError as refused:
                self._refuse(refused)
                return
            if head is None:
                return
            after_post = head.method == "POST"
            if not self._serve(head):
                return

    def _serve(self, head: Head) -> bool:
        """Answer one request; False when the connection is to be closed."""
        expect = head.fields.get("expect", ("",))[0]  # req.Header.get: the first value
        if expect and "100-continue" not in _tokens(expect):
            # sendExpectationFailed: through the normal writer, then the connection closes.
            self._write(head, Response(417, raw=b"", headers={"Connection": "close"}))
            return False
        if expect and head.at_least_11() and head.body_length != 0:
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # as the body is read
        try:
            body = self._read_body(head.body_length)
        except HeadError as refused:
            self._refuse(refused)
            return False
        if head.method == "OPTIONS" and head.target == "*":
            # Go's globalOptionsHandler answers it; Grafana's router never sees it.
            return self._write(head, Response(200, raw=b"", headers={"Content-Length": "0"}))
        # (Head's names are lower-cased already, as Request's must be.)
        request = Request(head.method, head.path, parse_query(head.query), head.headers, body)
        try:
            response = self.server.emulator.handle(request)
        except AnswerHangs as hangs:
            self._hang(head, hangs)
            return False
        except AnswerTrickles as trickles:
            return self._trickle(head, trickles)
        except ConnectionDropped:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client is gone already
            return False
        return self._write(head, response)

    def _read_body(self, length: int) -> bytes:
        return self._read_chunked() if length < 0 else self._read_exactly(length)

    def _read_exactly(self, size: int) -> bytes:
        data = self.rfile.read(size) if size > 0 else b""
        if len(data) < size:
            raise _ClientGone
        return data

    def _read_line(self) -> bytes:
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            raise _ClientGone
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise _BAD_BODY
        return line.rstrip(b"\r\n")

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size_text = self._read_line().split(b";", 1)[0].strip()
            if not _HEX.match(size_text):
                raise _BAD_BODY
            size = int(size_text, 16)
            if size == 0:
                while self._read_line():  # trailers, up to the blank line
                    pass
                return b"".join(chunks)
            chunks.append(self._read_exactly(size))
            if self._read_line() != b"":
                raise _BAD_BODY

    def _refuse(self, refused: HeadError) -> None:
        """Go's answer to a request it cannot read, then the connection closes. The server
        stops sending and reads what is left for a moment, so that unread bytes do not turn
        the close into a reset that loses the answer (Go's closeWriteAndWait does this for
        431; for the others a Go client may see the reset, an emulator client does not)."""
        deadline = time.monotonic() + _LINGER_S
        try:
            self.wfile.write(refused.answer())
            self.connection.shutdown(socket.SHUT_WR)
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(65536):
                    break  # the client read the answer and closed its side
        except OSError:
            pass  # gone, reset or quiet: the connection closes either way

    def _hang(self, head: Head, hangs: AnswerHangs) -> None:
        """The answer's head and half its body, then nothing for ``hang_s`` (or until the
        client hangs up), then the connection closes."""
        data, _ = self._framed(head, hangs.response)
        cut = max(1, len(hangs.response.encoded()) // 2)
        deadline = time.monotonic() + hangs.hang_s
        try:
            self.wfile.write(data[:-cut])
            self.wfile.flush()
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(min(left, 0.5))
                try:
                    if not self.connection.recv(65536):
                        break  # the client gave up and closed its side
                except TimeoutError:
                    continue
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the client is gone already

    def _trickle(self, head: Head, trickles: AnswerTrickles) -> bool:
        """The whole answer, ``chunk`` bytes every ``interval_s`` seconds; False when the
        connection closes after it (or the client hung up meanwhile)."""
        data, keep_open = self._framed(head, trickles.response)
        try:
            for at in range(0, len(data), trickles.chunk):
                if at:
                    time.sleep(trickles.interval_s)
                self.wfile.write(data[at : at + trickles.chunk])
                self.wfile.flush()
        except OSError:
            return False  # the client gave up
        return keep_open

    def _write(self, head: Head, response: Response) -> bool:
        """Go's response head (handler headers sorted, then Date, Content-Length,
        Connection) and body in one write; False when the connection closes after it."""
        data, keep_open = self._framed(head, response)
        self.wfile.write(data)
        return keep_open

    def _framed(self, head: Head, response: Response) -> tuple[bytes, bool]:
        """The bytes of one answer, and whether the connection stays open after it."""
        status = response.status
        http_11 = head.at_least_11()
        items = sorted(response.header_items())
        has_connection = has_length = asks_close = False
        for name, value in items:
            lowered = name.lower()
            if lowered == "connection":
                has_connection = True
                asks_close = asks_close or value.lower() == "close"
            elif lowered == "content-length":
                has_length = True
        close = asks_close or head.wants_close()
        keep_10 = not close and not http_11
        lines = [_status_line(http_11, status)]
        lines.extend([f"{name}: {value}" for name, value in items])
        lines.append(f"Date: {_date()}")
        payload = response.encoded()  # (HEAD: the GET body, framed for but not sent)
        framed = Framing.LENGTH
        if not has_length:
            framed = framing(head.method, status, len(payload), http_11=http_11)
            if framed is Framing.LENGTH:
                lines.append(f"Content-Length: {len(payload)}")
        if framed is Framing.CLOSE:  # HTTP/1.0 and a body of unknown length
            close, keep_10 = True, False
        if close and http_11 and not has_connection:
            lines.append("Connection: close")
        elif keep_10:
            lines.append("Connection: keep-alive")
        if framed is Framing.CHUNKED:
            lines.append("Transfer-Encoding: chunked")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if head.method == "HEAD" or framed is Framing.NONE:
            return data, not close
        if framed is Framing.CHUNKED:
            return b"".join([data, *chunked_parts(payload)]), not close  # (one copy of a body)
        return data + payload, not close


@functools.cache
def _status_line(http_11: bool, status: int) -> str:
    return f"HTTP/1.{1 if http_11 else 0} {status} {status_text(status)}"


def listen_backlog() -> int:
    """Go's ``maxListenerBacklog`` (net/sock_linux.go): the kernel's ``somaxconn``, else
    ``SOMAXCONN``. Python's socketserver listens with 5 and ours used 128: connections
    beyond it had their SYN dropped and waited a second for its retry, which Grafana's
    listener (4096 on a current Linux) does not make a client wait."""
    try:
        return int(Path("/proc/sys/net/core/somaxconn").read_text().split()[0]) or SOMAXCONN
    except (OSError, ValueError, IndexError):
        return SOMAXCONN


class _Server(ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    request_queue_size = listen_backlog()

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self.connections_accepted = 0
        super().__init__(address, _Handler)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.add(request)
            self.connections_accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up (reset, broken pipe, timeout) is normal; anything else is an
        emulator bug and is printed."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError | _ClientGone):
            return
        super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        """Wake handler threads parked on idle keep-alive connections so they exit."""
        with self._open_lock:
            for connection in self._open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class EmulatorServer:
    """Serve ``emulator`` on ``host:port`` (port 0 picks a free one) in a background thread.

    Use as a context manager, or call ``start()`` / ``stop()``.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self._server = _Server((host, port), emulator)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (keep-alive clients reuse one)."""
        return self._server.connections_accepted

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def close_idle_connections(self) -> None:
        """Close every open connection, as a Grafana (or a proxy) ending idle keep-alive
        connections does: a client must not send its next request on one of them."""
        self._server.close_open_connections()

    def start(self) -> EmulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},
                name=f"grafana-emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.close_open_connections()
        self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by ``python -m``)."""
        self._server.serve_forever()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

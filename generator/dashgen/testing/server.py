"""A real HTTP/1.1 server on 127.0.0.1 in front of an ``Emulator``: threaded, keep-alive.

The request framing follows Go's ``net/http`` server, which Grafana runs on: bodies may be
sent with ``Transfer-Encoding: chunked``; a ``Content-Length`` that is not a number (or
two that disagree) is answered ``400 Bad Request`` in plain text and the connection is
closed; any other transfer coding is ``501``. Every method reaches the router (HEAD is
answered like GET without a body; OPTIONS has no route, as in Grafana). A client that
goes away mid-request is not an error: nothing is printed.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from dashgen.testing.app import Emulator
from dashgen.testing.dispatch import ConnectionDropped
from dashgen.testing.wire import Request, Response

_DIGITS = re.compile(r"^[0-9]+$")
_HEX = re.compile(rb"^[0-9a-fA-F]+$")
MAX_LINE = 65536


class _BadFraming(Exception):
    """The request cannot be read; Go's server answers in plain text and hangs up."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class _ClientGone(Exception):
    """The client closed the connection before the whole request arrived."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients pool connections as with Grafana
    # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms each.
    disable_nagle_algorithm = True
    server: _Server

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up do_<METHOD>: send every method to the router.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BadFraming as bad:
            self._answer_plain(bad.status, bad.text)
            return
        except _ClientGone:
            self.close_connection = True
            return
        parts = urlsplit(self.path)
        request = Request.build(
            self.command, unquote(parts.path), parts.query, dict(self.headers.items()), body
        )
        try:
            response = self.server.emulator.handle(request)
        except ConnectionDropped:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client is gone already
            return
        self._write(response)

    def _read_body(self) -> bytes:
        codings = [
            coding.strip().lower()
            for value in self.headers.get_all("Transfer-Encoding") or []
            for coding in value.split(",")
        ]
        if codings:
            if codings != ["chunked"]:
                raise _BadFraming(501, "Unsupported transfer encoding")
            return self._read_chunked()  # Content-Length is ignored with chunked framing
        lengths = [v.strip(" \t") for v in self.headers.get_all("Content-Length") or []]
        if not lengths or lengths[0] == "":
            return b""
        if any(length != lengths[0] for length in lengths) or not _DIGITS.match(lengths[0]):
            raise _BadFraming(400, "Bad Request")
        return self._read_exactly(int(lengths[0]))

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
            raise _BadFraming(400, "Bad Request")
        return line.rstrip(b"\r\n")

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size_text = self._read_line().split(b";", 1)[0].strip()
            if not _HEX.match(size_text):
                raise _BadFraming(400, "Bad Request")
            size = int(size_text, 16)
            if size == 0:
                while self._read_line():  # trailers, up to the blank line
                    pass
                return b"".join(chunks)
            chunks.append(self._read_exactly(size))
            if self._read_line() != b"":
                raise _BadFraming(400, "Bad Request")

    def _answer_plain(self, status: int, text: str) -> None:
        """Go's answer to a request it cannot read: plain text, then the connection closes."""
        payload = f"{status} {text}".encode()
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _write(self, response: Response) -> None:
        payload = response.encoded()
        self.send_response(response.status)
        for name, value in response.header_items():
            self.send_header(name, value)
        if response.status != 304 and self.command != "HEAD":
            self.send_header("Content-Length", str(len(payload)))
        body = payload if payload and self.command != "HEAD" else b""
        buffered = getattr(self, "_headers_buffer", None)  # (none for an HTTP/0.9 request)
        if buffered is None or self.request_version == "HTTP/0.9":
            self.end_headers()
            if body:
                self.wfile.write(body)
            return
        # Headers and body in one write, as Go's buffered writer sends a small answer: one
        # segment, which a client reads in one call (the bytes are the same either way).
        buffered.append(b"\r\n")
        buffered.append(body)
        self.flush_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # the emulator keeps its own request log


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

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

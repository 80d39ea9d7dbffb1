"""``dashgen.grafana.wire`` over real sockets against a server that answers raw bytes: the
framings (a length, chunked, until the close), answers trickled a byte at a time,
keep-alive and what ends it, servers that close early or answer garbage (each an
``httpx.RemoteProtocolError`` with h11's words), and requests written as h11 wrote them."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import h11
import httpx
import pytest

from dashgen.grafana.transport import StdlibTransport

Answerer = Callable[[socket.socket, bytes], bool]  # (sends the answer; False: close after)


class RawServer:
    """Accepts connections and answers each request with ``answers`` (in turn, per
    request); counts connections and keeps each request's bytes."""

    def __init__(self, *answers: bytes | Answerer) -> None:
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while self.answers:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                self.requests.append(head + b"\r\n\r\n")
                answer = self.answers.pop(0)
                if callable(answer):
                    if not answer(conn, head):
                        return
                else:
                    conn.sendall(answer)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def transport() -> Iterator[StdlibTransport]:
    transport = StdlibTransport(ssl_context=ssl.create_default_context, max_connections=2)
    yield transport
    transport.close()


def _get(transport: StdlibTransport, server: RawServer, path: str = "/api/x") -> httpx.Response:
    request = httpx.Request(
        "GET", server.url + path, extensions={"timeout": {"connect": 5, "read": 5, "write": 5}}
    )
    response = transport.handle_request(request)
    response.read()
    return response


def _trickled(data: bytes) -> Answerer:
    def send(conn: socket.socket, _: bytes) -> bool:
        for index in range(len(data)):
            conn.sendall(data[index : index + 1])
            time.sleep(0.001)
        return True

    return send


def _then_close(data: bytes) -> Answerer:
    def send(conn: socket.socket, _: bytes) -> bool:
        conn.sendall(data)
        return False

    return send


OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}'
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Spaced:  a b  \r\n\r\n"
    b'3\r\n{"a\r\n4;ext=1\r\n":1}\r\n0\r\nX-Trailer: t\r\n\r\n'
)


def test_answers_of_a_length_and_chunked_share_one_kept_alive_connection(
    transport: StdlibTransport,
) -> None:
    server = RawServer(OK, CHUNKED, OK)
    first, second, third = (_get(transport, server) for _ in range(3))
    assert [r.content for r in (first, second, third)] == [b'{"a":1}'] * 3
    assert first.headers["content-type"] == "application/json"
    assert first.extensions["reason_phrase"] == b"OK"
    assert second.headers["x-spaced"] == "a b"  # (h11 strips the value's whitespace)
    assert "x-trailer" not in second.headers
    assert server.connections == 1


def test_an_answer_trickled_a_byte_at_a_time_is_whole(transport: StdlibTransport) -> None:
    server = RawServer(_trickled(CHUNKED), _trickled(OK))
    assert _get(transport, server).content == b'{"a":1}'
    assert _get(transport, server).content == b'{"a":1}'
    assert server.connections == 1


def test_an_informational_answer_before_the_answer_is_skipped(transport: StdlibTransport) -> None:
    server = RawServer(b"HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n" + OK)
    response = _get(transport, server)
    assert (response.status_code, response.content) == (200, b'{"a":1}')
    assert "x-early" not in response.headers


@pytest.mark.parametrize(
    "answer",
    [
        OK.replace(b"Content-Length", b"Connection: close\r\nContent-Length"),
        OK.replace(b"HTTP/1.1", b"HTTP/1.0"),
        OK + b"HTTP/1.1 200 OK\r\n",  # (more than was asked for)
    ],
    ids=["connection-close", "http-1.0", "bytes-after-the-answer"],
)
def test_what_ends_keep_alive(transport: StdlibTransport, answer: bytes) -> None:
    server = RawServer(_then_close(answer), OK)
    assert _get(transport, server).content == b'{"a":1}'
    assert _get(transport, server).content == b'{"a":1}'
    assert server.connections == 2


def test_an_answer_without_framing_is_read_until_the_close(transport: StdlibTransport) -> None:
    server = RawServer(_then_close(b"HTTP/1.1 200 OK\r\n\r\nall of it"), OK)
    assert _get(transport, server).content == b"all of it"
    assert _get(transport, server).content == b'{"a":1}'
    assert server.connections == 2


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"", "Server disconnected without sending a response."),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "Server disconnected without sending a response."),
        (OK[:-3], r"without sending complete message body \(received 4 bytes, expected 7\)"),
        (CHUNKED[: CHUNKED.index(b'{"a') + 2], r"body \(incomplete chunked read\)"),
    ],
    ids=["nothing", "half-a-head", "half-a-body", "half-chunked"],
)
def test_a_server_closing_early(transport: StdlibTransport, answer: bytes, message: str) -> None:
    server = RawServer(_then_close(answer))
    with pytest.raises(httpx.RemoteProtocolError, match=message):
        _get(transport, server)


@pytest.mark.parametrize(
    "answer",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header: 1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
    ],
    ids=[
        "no-status-line",
        "bad-length",
        "two-lengths",
        "bad-chunk",
        "bad-name",
        "long-head",
        "upgrade",
    ],
)
def test_a_malformed_answer_is_a_remote_protocol_error(
    transport: StdlibTransport, answer: bytes
) -> None:
    server = RawServer(_then_close(answer))
    with pytest.raises(httpx.RemoteProtocolError):
        _get(transport, server)


def test_a_request_goes_out_as_h11_wrote_it(transport: StdlibTransport) -> None:
    server = RawServer(OK, OK)
    headers = {"Accept": "application/json", "X-Grafana-Org-Id": "2", "X-Spaced": "a  b"}
    _get(transport, server, "/api/dashboards/uid/a%20b?x=1")
    request = httpx.Request(
        "POST", server.url + "/api/dashboards/db", headers=headers, content=b"{}"
    )
    request.extensions["timeout"] = {"connect": 5, "read": 5, "write": 5}
    transport.handle_request(request).read()
    for sent, (method, target, raw) in zip(
        server.requests,
        [
            ("GET", b"/api/dashboards/uid/a%20b?x=1", [(b"Host", server.url[7:].encode())]),
            ("POST", b"/api/dashboards/db", request.headers.raw),
        ],
        strict=True,
    ):
        h11_client = h11.Connection(h11.CLIENT)
        expected = h11_client.send(h11.Request(method=method, target=target, headers=raw))
        assert sent == expected
    assert server.requests[1].endswith(b"\r\n\r\n")


@pytest.mark.parametrize(
    "headers",
    [
        [(b"Host", b"h"), (b"X-Bad", b"a\nb")],
        [(b"Host", b"h"), (b"Bad Name", b"1")],
        [(b"X-No-Host", b"1")],
        [(b"Host", b"h"), (b"Content-Length", b"5")],
    ],
    ids=["newline-in-a-value", "space-in-a-name", "no-host", "wrong-length"],
)
def test_what_h11_refused_to_send_is_refused(headers: list[tuple[bytes, bytes]]) -> None:
    from dashgen.grafana.wire import _serialised

    with pytest.raises(httpx.LocalProtocolError):
        _serialised("GET", b"/x", headers, b"")
    with pytest.raises(httpx.LocalProtocolError):
        _serialised("GET", b"/a b", [(b"Host", b"h")], b"")
    with pytest.raises(httpx.LocalProtocolError):  # (llhttp would wait for its body)
        _serialised("HEAD", b"/x", [(b"Host", b"h")], b"")

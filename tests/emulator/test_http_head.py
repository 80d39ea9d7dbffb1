"""The request head is read as Go's net/http server reads it (``dashgen.testing.http_head``
cites the Go sources): raw bytes on a real socket to an ``EmulatorServer``."""

from __future__ import annotations

import http.client
import json
import socket
from typing import BinaryIO

import pytest
from emulator_api import ADMIN, Api, basic_header

from dashgen.testing.http_head import READ_LIMIT

AUTH = basic_header(*ADMIN).encode()


def go_refusal(line: bytes, body: bytes | None = None) -> bytes:
    """What Go's ``(*conn).serve`` writes for a request it cannot read."""
    return (
        b"HTTP/1.1 " + line + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Connection: close\r\n\r\n" + (line if body is None else body)
    )


BAD = go_refusal(b"400 Bad Request")
GET = b"GET /api/health HTTP/1.1\r\nHost: x\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "answer"),
    [
        pytest.param(b"GET /api/health\r\n\r\n", BAD, id="http-0.9-style, no version"),
        pytest.param(b"GET /\r\n\r\n", BAD, id="one space"),
        pytest.param(b"HTTP/2.0\r\n\r\n", BAD, id="no spaces"),
        pytest.param(b"GET  /api/health HTTP/1.1\r\nHost: x\r\n\r\n", BAD, id="two spaces"),
        pytest.param(b"GET / FOO/1.1\r\nHost: x\r\n\r\n", BAD, id="not HTTP"),
        pytest.param(b"GET / HTTP/1.10\r\nHost: x\r\n\r\n", BAD, id="two-digit minor"),
        pytest.param(b"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", BAD, id="space after version"),
        pytest.param(b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", BAD, id="method not a token"),
        pytest.param(b"GET api/health HTTP/1.1\r\nHost: x\r\n\r\n", BAD, id="relative target"),
        pytest.param(b"GET /api/%zz HTTP/1.1\r\nHost: x\r\n\r\n", BAD, id="bad escape"),
        pytest.param(b"GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", BAD, id="control byte"),
        pytest.param(b"\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", BAD, id="blank first"),
        pytest.param(GET + b"Host: y\r\n\r\n", BAD, id="two Host headers"),
        pytest.param(GET + b"NoColon\r\n\r\n", BAD, id="line without colon"),
        pytest.param(GET + b"X-A\t: 1\r\n\r\n", BAD, id="tab before colon"),
        pytest.param(GET + b"X(A: 1\r\n\r\n", BAD, id="name not a token"),
        pytest.param(GET + b": 1\r\n\r\n", BAD, id="empty name"),
        pytest.param(GET + b"X-A: a\x01b\r\n\r\n", BAD, id="control byte in value"),
        pytest.param(GET + b"X-A: a\rb\r\n\r\n", BAD, id="lone CR in value"),
        pytest.param(b"GET / HTTP/1.1\r\n Host: x\r\n\r\n", BAD, id="first header indented"),
        pytest.param(GET + b"Content-Length: \r\n\r\n", BAD, id="empty Content-Length"),
        pytest.param(GET + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n1", BAD, id="two CLs"),
        pytest.param(GET, BAD, id="head cut short"),
        pytest.param(
            b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
            go_refusal(b"505 HTTP Version Not Supported: unsupported protocol version"),
            id="HTTP/9.9",
        ),
        pytest.param(
            b"GET / HTTP/0.9\r\nHost: x\r\n\r\n",
            go_refusal(b"505 HTTP Version Not Supported: unsupported protocol version"),
            id="HTTP/0.9 spelled out",
        ),
        pytest.param(
            b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
            go_refusal(b"505 HTTP Version Not Supported: unsupported protocol version"),
            id="HTTP/2.0",
        ),
        pytest.param(
            b"GET /api/health HTTP/1.1\r\n\r\n",
            go_refusal(b"400 Bad Request: missing required Host header"),
            id="no Host",
        ),
        pytest.param(
            b"GET /api/health HTTP/1.1\r\nHost : x\r\n\r\n",
            go_refusal(b"400 Bad Request: missing required Host header"),
            id="space before the colon of Host",
        ),
        pytest.param(
            GET + b"X-A : 1\r\n\r\n",
            go_refusal(b"400 Bad Request: invalid header name"),
            id="space before colon",
        ),
        pytest.param(
            b"GET /api/health HTTP/1.1\r\nHost: a b\r\n\r\n",
            go_refusal(b"400 Bad Request: malformed Host header"),
            id="malformed Host",
        ),
        pytest.param(
            GET + b"Transfer-Encoding: gzip\r\n\r\n",
            go_refusal(b"501 Not Implemented", b"Unsupported transfer encoding"),
            id="unknown transfer coding",
        ),
    ],
)
def test_a_head_go_cannot_read_gets_gos_plain_answer_and_a_close(
    api: Api, request_bytes: bytes, answer: bytes
) -> None:
    assert api.raw(request_bytes) == answer  # exactly: no Content-Length, Date or Server
    assert api.emulator.request_log == []  # Grafana's handler never saw it


def read_answer(stream: BinaryIO) -> tuple[bytes, dict[str, str], bytes]:
    """One answer off a keep-alive connection: status line, headers, body."""
    status = stream.readline().rstrip(b"\r\n")
    headers: dict[str, str] = {}
    while line := stream.readline().rstrip(b"\r\n"):
        name, _, value = line.decode().partition(":")
        assert name.lower() not in headers, f"{name} twice"
        headers[name.lower()] = value.strip()
    return status, headers, stream.read(int(headers.get("content-length", "0")))


def test_well_formed_requests_share_one_connection_and_carry_no_server_header(api: Api) -> None:
    with socket.create_connection((api.server.host, api.server.port), 10) as sock:
        stream = sock.makefile("rb")
        for _ in range(3):
            sock.sendall(GET + b"Authorization: " + AUTH + b"\r\n\r\n")
            status, headers, body = read_answer(stream)
            assert status == b"HTTP/1.1 200 OK"
            assert "server" not in headers and "connection" not in headers
            assert "date" in headers
            assert json.loads(body)["database"] == "ok"
        sock.sendall(GET + b"Connection: close\r\n\r\n")
        status, headers, _ = read_answer(stream)
        assert (status, headers["connection"]) == (b"HTTP/1.1 200 OK", "close")
        assert stream.read() == b""  # and the server closed it
    assert api.server.connections_accepted == 1


def test_http_client_sees_no_server_header(api: Api) -> None:
    connection = http.client.HTTPConnection(api.server.host, api.server.port, timeout=10)
    connection.request("GET", "/api/health")
    response = connection.getresponse()
    assert (response.status, response.getheader("Server")) == (200, None)
    response.read()
    connection.close()


def test_a_lower_case_method_is_a_method_without_routes_not_get(api: Api) -> None:
    """Grafana's router and its /api/health middleware compare methods case-sensitively; a
    signed-in caller (Grafana's NotFound route requires one) gets the not-found answer."""
    signed_in = b"Authorization: " + AUTH + b"\r\n\r\n"
    answer = api.raw(b"get /api/health HTTP/1.1\r\nHost: x\r\n" + signed_in)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 404 Not Found"
    assert json.loads(rest.partition(b"\r\n\r\n")[2]) == {"message": "Not found"}
    head = api.raw(b"head /api/health HTTP/1.1\r\nHost: x\r\n" + signed_in)  # not HEAD: a body
    assert head.startswith(b"HTTP/1.1 404 ") and head.endswith(b'{"message":"Not found"}')
    assert [entry.method for entry in api.emulator.request_log] == ["get", "head"]


def test_the_first_of_repeated_headers_is_the_one_read(api: Api) -> None:
    """Grafana reads Authorization with Header.Get: the first value."""
    wrong = basic_header("admin", "wrong").encode()
    first_good = api.raw(
        GET.replace(b"health", b"org") + b"Authorization: " + AUTH + b"\r\n"
        b"Authorization: " + wrong + b"\r\n\r\n"
    )
    first_bad = api.raw(
        GET.replace(b"health", b"org") + b"Authorization: " + wrong + b"\r\n"
        b"Authorization: " + AUTH + b"\r\n\r\n"
    )
    assert first_good.startswith(b"HTTP/1.1 200 ")
    assert first_bad.startswith(b"HTTP/1.1 401 ")


def test_folded_header_lines_are_joined(api: Api) -> None:
    folded = GET.replace(b"health", b"org") + b"Authorization: Basic\r\n\t" + AUTH[6:] + b"\r\n\r\n"
    assert api.raw(folded).startswith(b"HTTP/1.1 200 ")


def test_more_headers_and_longer_lines_than_python_allows(api: Api) -> None:
    many = b"".join(b"X-H%d: %d\r\n" % (i, i) for i in range(300))
    assert api.raw(GET + many + b"\r\n").startswith(b"HTTP/1.1 200 ")
    long_line = b"X-Long: " + b"a" * 200_000 + b"\r\n"
    assert api.raw(GET + long_line + b"\r\n").startswith(b"HTTP/1.1 200 ")


def head_of(size: int) -> bytes:
    """A well-formed head of exactly ``size`` bytes."""
    filler = size - len(GET) - len(b"X-Pad: \r\n\r\n")
    return GET + b"X-Pad: " + b"a" * filler + b"\r\n\r\n"


def test_a_head_up_to_the_limit_is_read_one_byte_more_is_431(api: Api) -> None:
    assert len(head_of(READ_LIMIT)) == READ_LIMIT == (1 << 20) + 4096
    assert api.raw(head_of(READ_LIMIT)).startswith(b"HTTP/1.1 200 ")
    too_large = b"431 Request Header Fields Too Large"
    assert api.raw(head_of(READ_LIMIT + 1)) == go_refusal(too_large)
    assert len(api.emulator.request_log) == 1


def test_leading_newlines_are_skipped_only_after_a_post(api: Api) -> None:
    post = b"POST /api/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    answer = api.raw(post + b"\r\n" + GET + b"Connection: close\r\n\r\n")
    assert (
        answer.count(b"HTTP/1.1 401 ") == 1
    )  # (an unknown route needs a signed-in caller) and answer.count(b"HTTP/1.1 200 OK") == 1
    get = GET + b"\r\n"
    assert api.raw(get + b"\r\n" + get).endswith(BAD)  # after a GET the blank line is a request


def test_http_10_is_answered_in_http_10_and_closed_unless_kept_alive(api: Api) -> None:
    closed = api.raw(b"GET /api/health HTTP/1.0\r\n\r\n")  # no Host needed
    assert closed.startswith(b"HTTP/1.0 200 OK\r\n") and b"Connection:" not in closed
    kept = api.raw(b"GET /api/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 2)
    assert kept.count(b"HTTP/1.0 200 OK\r\n") == 2 and b"Connection: keep-alive\r\n" in kept


def test_expect_100_continue_and_other_expectations(api: Api) -> None:
    body = b'{"dashboard": {"title": "x", "uid": "e"}}'
    post = (
        b"POST /api/dashboards/db HTTP/1.1\r\nHost: x\r\nAuthorization: " + AUTH + b"\r\n"
        b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body) + body
    )
    assert api.raw(post).startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    failed = api.raw(GET + b"Expect: later\r\n\r\n")
    assert failed.startswith(b"HTTP/1.1 417 Expectation Failed\r\n")
    assert b"Connection: close\r\n" in failed and b"Content-Length: 0\r\n" in failed


def test_absolute_form_and_options_star(api: Api) -> None:
    absolute = b"GET http://grafana.example/api/health?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    assert api.raw(absolute).startswith(b"HTTP/1.1 200 ")
    star = api.raw(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
    assert star.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 0\r\n" in star
    assert [entry.path for entry in api.emulator.request_log] == ["/api/health"]

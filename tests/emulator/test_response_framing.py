"""An answer's body is framed as Go's net/http frames what a Grafana handler writes
(``dashgen.testing.go_framing``): ``Content-Length`` up to 2048 bytes, chunked beyond, on a
real socket; the in-process transport says the same in its headers."""

from __future__ import annotations

import json

import httpx
from emulator_api import ADMIN, Api, basic_header

from dashgen.testing import Emulator

AUTH = basic_header(*ADMIN).encode()
BIG_UID = "big"


def _request(method: str, path: str, version: bytes = b"HTTP/1.1", extra: bytes = b"") -> bytes:
    return b"%s %s %s\r\nHost: x\r\nAuthorization: %s\r\n%s\r\n" % (
        method.encode(),
        path.encode(),
        version,
        AUTH,
        extra,
    )


def _split(answer: bytes) -> tuple[dict[str, str], bytes]:
    head, _, rest = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.lower(): v for k, _, v in (line.partition(": ") for line in lines)}, rest


def _dechunk(data: bytes) -> tuple[bytes, bytes]:
    """The body of one chunked answer, and what follows it."""
    body = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert data.startswith(b"\r\n")  # no trailers
            return body, data[2:]
        body, data = body + data[:size], data[size + 2 :]


def _big_dashboard(api: Api) -> bytes:
    panels = [{"id": i, "type": "stat", "title": f"Panel {i}" * 4} for i in range(60)]
    saved = api.save({"uid": BIG_UID, "title": "Big", "panels": panels})
    assert saved.status_code == 200
    expected = api.get(f"/api/dashboards/uid/{BIG_UID}").content
    assert len(expected) > 2048
    return expected


def test_a_small_answer_has_a_length_and_a_large_one_is_chunked_on_one_connection(
    api: Api,
) -> None:
    expected = _big_dashboard(api)
    small = _request("GET", "/api/health")
    big = _request("GET", f"/api/dashboards/uid/{BIG_UID}")
    answer = api.raw(big + small + _request("GET", "/api/health", extra=b"Connection: close\r\n"))
    headers, rest = _split(answer)
    assert headers["transfer-encoding"] == "chunked" and "content-length" not in headers
    body, rest = _dechunk(rest)
    assert json.loads(body) == json.loads(expected)
    headers, rest = _split(rest)  # the next answer on the same connection
    assert "transfer-encoding" not in headers
    length = int(headers["content-length"])
    assert json.loads(rest[:length])["database"] == "ok"
    assert rest[length:].startswith(b"HTTP/1.1 200 OK\r\n")


def test_head_carries_the_length_only_of_a_body_that_fits_the_buffer(api: Api) -> None:
    _big_dashboard(api)
    small_get = api.get("/api/health").content
    answer = api.raw(
        _request("HEAD", "/api/health")
        + _request("HEAD", f"/api/dashboards/uid/{BIG_UID}")
        + _request("GET", "/api/health", extra=b"Connection: close\r\n")
    )
    first, second, third = answer.split(b"HTTP/1.1 ")[1:]
    small_headers, small_rest = _split(b"HTTP/1.1 " + first)
    assert small_headers["content-length"] == str(len(small_get)) and small_rest == b""
    big_headers, big_rest = _split(b"HTTP/1.1 " + second)
    assert "content-length" not in big_headers and "transfer-encoding" not in big_headers
    assert big_rest == b""
    assert third.startswith(b"200 OK\r\n")


def test_http_10_gets_a_large_body_unframed_and_the_connection_closes(api: Api) -> None:
    expected = _big_dashboard(api)
    path = f"/api/dashboards/uid/{BIG_UID}"
    answer = api.raw(_request("GET", path, b"HTTP/1.0", b"Connection: keep-alive\r\n") * 2)
    assert answer.startswith(b"HTTP/1.0 200 OK\r\n") and answer.count(b"HTTP/1.0 200") == 1
    headers, rest = _split(answer)
    assert "content-length" not in headers and "transfer-encoding" not in headers
    assert "connection" not in headers
    assert json.loads(rest) == json.loads(expected)


def test_in_process_answers_carry_the_same_length_headers() -> None:
    emulator = Emulator()
    token = emulator.create_service_account_token(1, "Editor")
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url="http://grafana.localhost", transport=emulator.transport()) as c:
        panels = [{"id": i, "type": "stat", "title": f"Panel {i}" * 4} for i in range(60)]
        c.post(
            "/api/dashboards/db",
            headers=auth,
            json={"dashboard": {"uid": "b", "panels": panels, "title": "B"}},
        )
        big = c.get("/api/dashboards/uid/b", headers=auth)
        small = c.get("/api/health")
        head = c.head("/api/health")
    assert big.headers["transfer-encoding"] == "chunked" and "content-length" not in big.headers
    assert big.json()["dashboard"]["title"] == "B"
    assert small.headers["content-length"] == str(len(small.content))
    assert head.headers["content-length"] == str(len(small.content)) and head.content == b""


def test_apis_json_ends_with_the_newline_of_k8s_encoder_and_classic_json_does_not() -> None:
    emulator = Emulator(version="12.0")
    token = emulator.create_service_account_token(1, "Editor")
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url="http://grafana.localhost", transport=emulator.transport()) as c:
        listed = c.get(
            "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards", headers=auth
        )
        missing = c.get(
            "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards/x", headers=auth
        )
        anonymous = c.get("/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards")
        classic = c.get("/api/search", headers=auth)
    assert listed.status_code == 200 and listed.content.endswith(b"}\n")
    assert missing.status_code == 404 and missing.content.endswith(b"}\n")
    # Grafana's own answers (its authentication, the classic API): json.Marshal, no newline
    assert anonymous.status_code == 401 and anonymous.content.endswith(b"}")
    assert classic.status_code == 200 and classic.content.endswith(b"]")

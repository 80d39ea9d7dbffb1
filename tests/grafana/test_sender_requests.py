"""``dashgen.grafana.sender`` builds the common request itself, from parts httpx validated
once: what it builds must be what ``httpx.Request`` builds, byte for byte, for any path,
query, base URL and headers; and where httpx's internals are not what it relies on, it
builds every request the public way."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from dashgen.grafana import sender as sender_module
from dashgen.grafana.sender import Sender

BASES = [
    "http://127.0.0.1:3000",
    "https://grafana.example.com",
    "https://example.com/grafana",
    "https://Example.COM:443/sub/path",
    "http://[::1]:8080",
    "http://localhost:3000/a%20b",
]
PATHS = [
    "/api/dashboards/uid/abc-123",
    f"/api/dashboards/uid/{quote('ümlaut uid/ä', safe='')}",
    "/api/dashboards/uid/a b",  # (a raw space: httpx encodes it)
    "/api/dashboards/uid/é",  # (raw unicode)
    "/api/search?query=a b&type=dash-db",  # (a query in the path)
    "/api/folders/x#frag",
    "/api/./dashboards/../folders",
    "/api/dashboards/uid/.hidden",
    "/api/x%zz",  # (a % that is no escape)
    "/api/dashboards/uid/a:b@c!$&'()*+,;=~",
    "",
    "/",
]
HEADERS: list[dict[str, str]] = [
    {},
    {"X-Grafana-Org-Id": "2"},
    {"Content-Type": "application/json", "X-Grafana-Org-Id": "7"},
    {"Accept": "text/plain"},  # (replaces the client's, in its place)
    {"If-Match": '"abc"'},
]


@cache  # (a client loads the CA bundle: once per base URL)
def _client(base: str) -> httpx.Client:
    headers = {"User-Agent": "dashgen/test", "Accept": "application/json"}
    headers["Authorization"] = "Bearer not-a-token"
    return httpx.Client(base_url=base, headers=headers)


def _public(base: str, method: str, path: str, content: bytes | None, params: Any, headers: dict):
    client = _client(base)
    merged = client.headers.copy()
    merged.update(headers)
    return httpx.Request(method, base + path, params=params, headers=merged, content=content)


def _parts(request: httpx.Request) -> tuple:
    url = request.url
    return (
        request.method,
        str(url),
        url.scheme,
        url.raw_host,
        url.port,
        url.raw_path,
        url.query,
        request.headers.raw,
        request.read(),
        b"".join(request.stream),
    )


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("path", PATHS)
def test_every_request_is_what_httpx_builds(base: str, path: str) -> None:
    sender = Sender(_client(base), base)
    assert sender._built_here  # (the installed httpx keeps what it relies on)
    for method, content in (("GET", None), ("POST", b'{"a": 1}'), ("POST", None), ("put", b"")):
        for headers in HEADERS:
            ours = sender.request(method, path, content=content, params=None, headers=headers)
            expected = _public(base, method, path, content, None, headers)
            assert _parts(ours) == _parts(expected), (method, path, headers)


@pytest.mark.parametrize(
    "params", [{"query": "a?b&c=d", "page": 2}, {"folderUIDs": "ü x"}, [("a", "1"), ("a", "2")]]
)
def test_requests_with_params_are_what_httpx_builds(params: Any) -> None:
    base = "https://example.com/grafana"
    sender = Sender(_client(base), base)
    ours = sender.request("GET", "/api/search", content=None, params=params, headers={})
    expected = _public(base, "GET", "/api/search", None, params, {})
    assert _parts(ours) == _parts(expected)


def test_plain_paths_are_built_without_httpx_request() -> None:
    base = "https://example.com/grafana"
    sender = Sender(_client(base), base)
    for path in ("/api/dashboards/uid/abc", f"/api/dashboards/uid/{quote('ü x', safe='')}"):
        assert sender.built("GET", path, None, {}, {}) is not None
    for path in ("/api/a b", "/api/x?y=1", "/api/./x", "/api/x%zz"):
        assert sender.built("GET", path, None, {}, {}) is None


def test_the_timeouts_and_cookies_go_with_a_built_request() -> None:
    base = "http://127.0.0.1:3000"
    client = httpx.Client(base_url=base, headers={"User-Agent": "dashgen/test"})
    client.cookies.set("grafana_session", "s1", domain="127.0.0.1")
    sender = Sender(client, base)
    request = sender.request("GET", "/api/x", content=None, params=None, headers={}, timeout_s=2)
    assert request.headers["Cookie"] == "grafana_session=s1"
    assert request.extensions["timeout"] == {"connect": 2, "read": 2, "write": 2, "pool": 2}
    assert request.extensions["total_timeout"] == 2


def test_where_httpx_builds_otherwise_every_request_goes_the_public_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class OtherRequest(httpx.Request):  # (an httpx whose requests carry one header more)
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Other"] = "1"

    monkeypatch.setattr(sender_module.httpx, "Request", OtherRequest)
    base = "http://127.0.0.1:3000"
    sender = Sender(_client(base), base)
    assert not sender._built_here
    request = sender.request("GET", "/api/x", content=None, params=None, headers={})
    assert request.headers["X-Other"] == "1"

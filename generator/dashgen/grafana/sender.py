"""Sending one request of ``GrafanaClient`` straight to the transport its URL goes through.

``httpx.Client.request`` costs as much CPU as the HTTP exchange itself: it parses the URL
three times (base, path, merge), runs the auth and redirect flows, and hands every answer
to the standard library's cookie jar. A client of one Grafana needs little of it: the
base URL and the headers are fixed, its auth is a header, redirects are never followed
(an answer's 3xx is an error: ``dashgen.grafana.answers``). ``Sender`` keeps the
``httpx.Client`` (which chose the transport for the base URL: the given one, or a proxy
httpx mounted from the environment) and builds each ``httpx.Request`` itself, once:
the client's headers, its timeouts, its cookies (sent when a server set some, a load
balancer's sticky session say; read only from answers that set one). A transport the
client does not expose falls back to ``httpx.Client.send``.

Even ``httpx.Request(...)`` costs ~80 us a request (the URL parsed again, every header
normalised twice), about what the whole HTTP/1.1 exchange costs on dashgen's transport.
The common request (a plain path, no query: every dashboard's GET and POST) is built here
from parts httpx already validated: the base URL parsed once, with the path appended
(already percent-encoded by dashgen: a path of other characters, a dot segment or a
query goes the public way), and the merged headers kept per set of request headers. That
relies on httpx's internals (``URL._uri_reference``, ``Headers._list``); each ``Sender``
first checks that requests built this way equal those of ``httpx.Request`` and builds
them the public way when they do not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

# A path httpx would keep as it is: '/'-separated segments of unreserved characters,
# sub-delimiters, ':' and '@', and %XX escapes (no '?', '#', space, or other character to
# encode); a dot segment ('.', '..': httpx drops them) is excluded by "/." below.
_PLAIN_PATH = re.compile(r"(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+")
_PLAIN_LENGTH = 8192
# headers httpx itself sets from the request: those requests go the public way
_OWN = frozenset({"host", "content-length", "transfer-encoding"})
_EMPTY_BODY = ("POST", "PUT", "PATCH")  # (httpx sends Content-Length: 0 with no body)
_PREFIXES_KEPT = 64
HeaderEntry = tuple[bytes, bytes, bytes]  # httpx's (name, lowercased name, value)


class Sender:
    def __init__(self, http: httpx.Client, base_url: str) -> None:
        self.http = http
        self.base_url = base_url
        self._timeout = http.timeout.as_dict()
        self._total = _longest(self._timeout)
        choose = getattr(http, "_transport_for_url", None)  # httpx 0.27 and 0.28
        self._transport: httpx.BaseTransport | None = None
        base = httpx.URL(base_url)
        if choose is not None:
            self._transport = choose(base)
        self._base = base
        self._prefixes: dict[tuple[str, bool, tuple[tuple[str, str], ...]], list] = {}
        self._built_here = _same_as_public(self)

    @property
    def transport(self) -> httpx.BaseTransport | None:
        """The transport requests go straight to (None: through ``httpx.Client.send``)."""
        return self._transport

    def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None,
        params: Any,
        headers: dict[str, str],
        timeout_s: float | None = None,
    ) -> httpx.Request:
        """The request for ``send``: ``timeout_s`` cuts each of the client's timeouts (the
        time left before a deadline). The longest of them (``--timeout``, or that time left)
        also bounds the whole request (``total_timeout``: the transport cuts an answer that
        trickles in)."""
        timeout, total = self._timeout, self._total
        if timeout_s is not None:
            timeout = {k: timeout_s if v is None else min(v, timeout_s) for k, v in timeout.items()}
            total = _longest(timeout)
        extensions = {"timeout": timeout, "total_timeout": total}
        request = None
        if self._built_here and params is None:
            request = self.built(method, path, content, headers, extensions)
        if request is None:
            request = self.public(method, path, content, params, headers, extensions)
        cookies = self.http.cookies
        if cookies:
            httpx.Cookies(cookies).set_cookie_header(request)
        return request

    def public(
        self,
        method: str,
        path: str,
        content: bytes | None,
        params: Any,
        headers: Mapping[str, str],
        extensions: dict[str, Any],
    ) -> httpx.Request:
        """``request`` built by ``httpx.Request`` itself."""
        merged = self.http.headers.copy()
        merged.update(headers)
        return httpx.Request(
            method,
            self.base_url + path,
            params=params,
            headers=merged,
            content=content,
            extensions=extensions,
        )

    def built(
        self,
        method: str,
        path: str,
        content: bytes | None,
        headers: Mapping[str, str],
        extensions: dict[str, Any],
    ) -> httpx.Request | None:
        """The request ``public`` would build, from parts built once; None when the path is
        not a plain one (or httpx sets one of ``headers`` itself)."""
        if len(path) > _PLAIN_LENGTH or "/." in path or not _PLAIN_PATH.fullmatch(path):
            return None
        method = method.upper()
        body = content or b""
        entries = self._prefix(method, bool(body), headers)
        if entries is None:
            return None
        if body:
            entries.append((b"Content-Length", b"content-length", b"%d" % len(body)))
        merged = httpx.Headers()
        merged._list = entries
        base = self._base._uri_reference
        url = httpx.URL.__new__(httpx.URL)
        url._uri_reference = base._replace(path=base.path + path)
        request = httpx.Request.__new__(httpx.Request)
        request.method, request.url, request.headers = method, url, merged
        request.extensions = extensions
        request.stream = httpx.ByteStream(body)
        request._content = body
        return request

    def _prefix(
        self, method: str, has_body: bool, headers: Mapping[str, str]
    ) -> list[HeaderEntry] | None:
        """A copy of the headers of every such request, as httpx orders them: Host (and
        Content-Length: 0 for a write with no body), then the client's headers merged with
        ``headers``."""
        key = (method, has_body, tuple(headers.items()))
        entries = self._prefixes.get(key)
        if entries is None:
            merged = self.http.headers.copy()
            merged.update(headers)
            if any(name.lower() in _OWN for name in merged):
                return None
            auto = [(b"Host", self._base.netloc)]
            if not has_body and method in _EMPTY_BODY:
                auto.append((b"Content-Length", b"0"))
            entries = httpx.Headers(auto + merged.raw)._list
            if len(self._prefixes) >= _PREFIXES_KEPT:
                self._prefixes.clear()
            self._prefixes[key] = entries
        return list(entries)

    def send(self, request: httpx.Request) -> httpx.Response:
        """The answer to ``request`` (built by ``request``), read and closed (httpx's
        exceptions as the transport raised them)."""
        transport = self._transport
        if transport is None:
            return self.http.send(request)
        return self.received(transport.handle_request(request), request)

    def received(self, response: httpx.Response, request: httpx.Request) -> httpx.Response:
        """``response`` of ``request`` read and closed, its cookies kept."""
        response.request = request
        try:
            response.read()
        finally:
            response.close()
        if "set-cookie" in response.headers:
            self.http.cookies.extract_cookies(response)
        return response


def _longest(timeout: dict[str, float | None]) -> float | None:
    bounds = [v for v in timeout.values() if v is not None]
    return max(bounds) if bounds else None


_PROBES: tuple[tuple[str, str, bytes | None, dict[str, str]], ...] = (
    ("GET", "/api/dashboards/uid/a-b_c~d%20e%C3%A9", None, {}),
    ("POST", "/api/dashboards/db", b'{"a":1}', {"Content-Type": "application/json"}),
    ("post", "/api/x", None, {"X-Grafana-Org-Id": "2"}),
    ("DELETE", "/api/folders/f", None, {"X-Grafana-Org-Id": "2"}),
)


def _same_as_public(sender: Sender) -> bool:
    """Whether requests ``Sender.built`` builds are those of ``httpx.Request`` (the httpx
    installed keeps the internals it relies on, the same way), for a few probes."""
    base = sender._base
    if getattr(base, "_uri_reference", None) is None or base.query or base.fragment:
        return False
    try:
        for method, path, content, headers in _PROBES:
            extensions: dict[str, Any] = {"timeout": {}}
            built = sender.built(method, path, content, headers, extensions)
            public = sender.public(method, path, content, None, headers, extensions)
            if built is None or _parts(built) != _parts(public):
                return False
    except (AttributeError, TypeError, ValueError):
        return False
    finally:
        sender._prefixes.clear()
    return True


def _parts(request: httpx.Request) -> tuple:
    stream = request.stream
    return (
        request.method,
        str(request.url),
        request.url.raw_path,
        request.url.netloc,
        request.url.port,
        request.headers.raw,
        request.headers.encoding,
        request.read(),
        type(stream),
        b"".join(stream) if isinstance(stream, httpx.ByteStream) else None,
        request.extensions,
    )

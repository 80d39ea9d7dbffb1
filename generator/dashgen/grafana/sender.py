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
"""

from __future__ import annotations

from typing import Any

import httpx


class Sender:
    def __init__(self, http: httpx.Client, base_url: str) -> None:
        self.http = http
        self.base_url = base_url
        self._timeout = http.timeout.as_dict()
        choose = getattr(http, "_transport_for_url", None)  # httpx 0.27 and 0.28
        self._transport: httpx.BaseTransport | None = None
        if choose is not None:
            self._transport = choose(httpx.URL(base_url))

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
        timeout = self._timeout
        if timeout_s is not None:
            timeout = {k: timeout_s if v is None else min(v, timeout_s) for k, v in timeout.items()}
        bounds = [v for v in timeout.values() if v is not None]
        total = max(bounds) if bounds else None
        merged = self.http.headers.copy()
        merged.update(headers)
        request = httpx.Request(
            method,
            self.base_url + path,
            params=params,
            headers=merged,
            content=content,
            extensions={"timeout": timeout, "total_timeout": total},
        )
        cookies = self.http.cookies
        if cookies:
            httpx.Cookies(cookies).set_cookie_header(request)
        return request

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

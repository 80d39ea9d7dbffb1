"""The preview's HTTP server: the standard library's threading server, nothing else.

Routes (GET only): ``/`` the index, ``/d/<org>/<uid>`` a dashboard page, ``/static/<file>``
the shipped HTML/CSS/JS, ``/api/index`` and ``/api/dashboard/<org>/<uid>`` the data they
draw, ``/build/<org>/<uid>.json`` the built JSON of a dashboard of the current build, and
``/events``: server-sent events, one ``build`` event per change of what is shown.

Only files of the current build and the shipped assets are served (looked up by name,
never by joining a request path onto a folder). Every answer carries a Content Security
Policy that allows only this server's own scripts and styles, so even a mistake in the
page could not run script from a dashboard. Bound to a loopback address, requests must
name a loopback host, which keeps other web pages from reading it via DNS rebinding.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import re
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from dashgen.errors import DashgenError
from dashgen.preview.state import PreviewState

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
KEEPALIVE_S = 15.0
_NAME = r"[^/]+"
_DASHBOARD_PAGE = re.compile(rf"^/d/({_NAME})/({_NAME})/?$")
_DASHBOARD_DATA = re.compile(rf"^/api/dashboard/({_NAME})/({_NAME})$")
_BUILT_JSON = re.compile(rf"^/build/({_NAME})/({_NAME})\.json$")
_STATIC = re.compile(r"^/static/([a-z][a-z0-9_-]*\.(?:html|css|js))$")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def load_static() -> dict[str, bytes]:
    folder = resources.files("dashgen.preview") / "static"
    return {
        item.name: item.read_bytes()
        for item in folder.iterdir()
        if item.is_file() and any(item.name.endswith(s) for s in STATIC_TYPES)
    }


class PreviewServer:
    """Serves ``state`` on ``host:port`` (port 0: a free one) from a background thread."""

    def __init__(self, state: PreviewState, *, host: str = "127.0.0.1", port: int = 8765) -> None:
        self.state = state
        self.host = host
        self._static = load_static()
        handler = _handler_class(state, self._static, loopback_only=is_loopback(host))
        server_class = _IPv6Server if ":" in host else _IPv4Server
        try:
            self._httpd = server_class((host, port), handler)
        except OSError as exc:
            raise DashgenError(_bind_error(host, port, exc)) from exc
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="dashgen-preview-http",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.host in ("0.0.0.0", "::"):
            host = "127.0.0.1" if self.host == "0.0.0.0" else "[::1]"
        return f"http://{host}:{self.port}/"

    def start(self) -> PreviewServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.state.close()  # ends the event streams
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(5)
        self._httpd.server_close()

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _IPv4Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # an event stream to a stalled page must not hold up Ctrl-C
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("preview: %s went away: %s", client_address, error)  # a closed tab
        else:
            log.exception("preview: answering %s failed", client_address)


class _IPv6Server(_IPv4Server):
    address_family = socket.AF_INET6


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind_error(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return f"cannot serve the preview on {where}: the port is in use; pass --port N (0: any)"
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"cannot serve the preview on {where}: no such address on this machine (--host)"
    return f"cannot serve the preview on {where}: {exc.strerror or exc}"


def _handler_class(
    state: PreviewState, static: dict[str, bytes], *, loopback_only: bool
) -> type[BaseHTTPRequestHandler]:
    class Handler(_PreviewHandler):
        pass

    Handler.state = state
    Handler.static = static
    Handler.loopback_only = loopback_only
    return Handler


class _PreviewHandler(BaseHTTPRequestHandler):
    state: PreviewState
    static: dict[str, bytes]
    loopback_only: bool
    server_version = "dashgen-preview"
    protocol_version = "HTTP/1.1"
    # Headers and body (and each event) are separate small writes: without this, Nagle's
    # algorithm holds the second one back until the browser's delayed ACK (up to 200 ms).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("preview %s: " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        if self.loopback_only and not self._host_is_loopback():
            self._send_text(HTTPStatus.FORBIDDEN, "the preview answers only to localhost\n")
            return
        path = unquote(urlsplit(self.path).path)
        if path == "/events":
            self._events()
            return
        if path in ("/", "/index.html"):
            self._send_static("index.html")
        elif _DASHBOARD_PAGE.match(path):
            self._send_static("dashboard.html")
        elif match := _STATIC.match(path):
            self._send_static(match.group(1))
        elif path == "/api/index":
            self._send_json(self.state.index_json())
        elif match := _DASHBOARD_DATA.match(path):
            self._dashboard_data(*match.groups())
        elif match := _BUILT_JSON.match(path):
            self._built_json(*match.groups())
        elif path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "text/plain")
        else:
            self._send_text(HTTPStatus.NOT_FOUND, f"not found: {path}\n")

    def _host_is_loopback(self) -> bool:
        host = self.headers.get("Host", "")
        name = urlsplit(f"//{host}").hostname or ""
        return is_loopback(name) or name.endswith(".localhost")

    def _dashboard_data(self, org: str, uid: str) -> None:
        page = self.state.page_json(org, uid)
        if page is None:
            body = {"error": f"{org}/{uid} is not in the current build", "build": None}
            body["build"] = self.state.snapshot().build_json()
            self._send_json(body, HTTPStatus.NOT_FOUND)
        else:
            self._send_json(page)

    def _built_json(self, org: str, uid: str) -> None:
        built = self.state.snapshot().find(org, uid)
        try:
            data = built.path.read_bytes() if built is not None else None
        except OSError:
            data = None
        if data is None:
            self._send_text(HTTPStatus.NOT_FOUND, f"{org}/{uid} is not in the current build\n")
        else:
            self._send(HTTPStatus.OK, data, "application/json")

    def _events(self) -> None:
        """Server-sent events: ``build`` with the generation whenever what is shown changes."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True
        seen = self.state.snapshot().generation
        try:
            self._write_event(f"retry: 1000\nevent: build\ndata: {seen}\n\n")
            while not self.state.closed:
                generation = self.state.wait_for_change(seen, KEEPALIVE_S)
                if self.state.closed:
                    break
                if generation != seen:
                    seen = generation
                    self._write_event(f"event: build\ndata: {generation}\n\n")
                else:
                    self._write_event(": keepalive\n\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the page went away

    def _write_event(self, text: str) -> None:
        self.wfile.write(text.encode())
        self.wfile.flush()

    def _send_static(self, name: str) -> None:
        data = self.static.get(name)
        if data is None:
            self._send_text(HTTPStatus.NOT_FOUND, f"not found: {name}\n")
            return
        suffix = name[name.rindex(".") :]
        self._send(HTTPStatus.OK, data, STATIC_TYPES[suffix])

    def _send_json(self, body: Any, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(status, orjson.dumps(body), "application/json")

    def _send_text(self, status: HTTPStatus, text: str) -> None:
        self._send(status, text.encode(), "text/plain; charset=utf-8")

    def _send(self, status: HTTPStatus, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

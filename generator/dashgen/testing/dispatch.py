"""One request through the emulator: faults, latency, routing, authentication, the log."""

from __future__ import annotations

import time
import traceback
from http import HTTPStatus
from urllib.parse import quote

from dashgen.testing import k8s_wire
from dashgen.testing.auth import Identity, authenticate
from dashgen.testing.faults import Fault, Faults
from dashgen.testing.model import LoggedRequest
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.router import Context, Router
from dashgen.testing.routes import all_routes, apis_discovery, site
from dashgen.testing.state import State
from dashgen.testing.wire import ApiError, Request, Response

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # (an /apis path's other routes: 405)
# Pages of Grafana's app (answered for a signed-in identity; others go to the login page).
APP_PAGES = ("/", "/dashboards", "/explore", "/alerting", "/connections", "/profile", "/org")
APP_PAGE_PREFIXES = ("/d/", "/dashboards/", "/dashboard/", "/admin", "/org/", "/alerting/")
# Grafana's AddDefaultResponseHeaders (pkg/middleware/middleware.go) with defaults.ini's
# allow_embedding = false, x_content_type_options = true, x_xss_protection = true and
# strict_transport_security = false: set (over the handler's) on every answer of its web
# server, /api, /apis and pages alike, as Go's http.Header spells the names.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "deny",
    "X-Xss-Protection": "1; mode=block",
}
CACHEABLE_PREFIXES = ("/public/plugins/", "/api/datasources/proxy/")


class ConnectionDropped(Exception):
    """The emulator decided to close the connection without answering."""


class AnswerHangs(ConnectionDropped):
    """The answer stops halfway for ``hang_s`` (a server hanging mid-answer); where only
    a whole answer can be given (the in-process transport) the connection drops instead."""

    def __init__(self, path: str, response: Response, hang_s: float) -> None:
        super().__init__(path)
        self.response = response
        self.hang_s = hang_s


class AnswerTrickles(ConnectionDropped):
    """The whole answer goes out ``fault.trickle_bytes`` bytes every
    ``fault.trickle_interval_s`` seconds (a server, or a proxy, sending slowly enough that
    no single read times out); only over real HTTP (in-process it is answered whole)."""

    def __init__(self, path: str, response: Response, fault: Fault) -> None:
        super().__init__(path)
        self.response = response
        self.chunk = fault.trickle_bytes
        self.interval_s = fault.trickle_interval_s


def build_router(profile: GrafanaProfile) -> Router:
    return Router(all_routes(profile))


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Dispatcher:
    def __init__(
        self, state: State, profile: GrafanaProfile, faults: Faults, latency_ms: float
    ) -> None:
        self.state = state
        self.profile = profile
        self.faults = faults
        self.latency_ms = latency_ms
        self.router = build_router(profile)

    def handle(self, request: Request) -> Response:
        """Answer one request; raises ``ConnectionDropped`` when a fault drops it."""
        fault = self.faults.take(request.method, request.path, bool(request.query.get("dryRun")))
        delay_s = (self.latency_ms + (fault.delay_ms if fault else 0)) / 1000
        if delay_s > 0:
            time.sleep(delay_s)  # outside the state lock: concurrent requests overlap
        if fault is not None and fault.applies_before:
            return self._answer_fault_first(request, fault)
        response, identity = self._dispatch(request)
        if fault is not None and fault.kind == "commit_then_drop":
            self._log(request, identity, None, fault.kind)
            raise ConnectionDropped(request.path)
        if fault is not None and fault.kind == "commit_then_hang":
            response = with_default_headers(request.path, response)
            self._log(request, identity, response.status, fault.kind)
            raise AnswerHangs(request.path, response, fault.hang_s)
        if fault is not None and fault.kind == "trickle":
            response = with_default_headers(request.path, response)
            self._log(request, identity, response.status, fault.kind)
            raise AnswerTrickles(request.path, response, fault)
        if fault is not None and fault.kind == "commit_then_fail":
            response = Response(fault.status, {"message": reason(fault.status)})
        response = with_default_headers(request.path, response)
        encoding = response.headers.get("Content-Encoding")
        self._log(request, identity, response.status, fault.kind if fault else None, encoding)
        # (HEAD: the GET answer; the server sends its head only, framed for that body)
        return response

    def _answer_fault_first(self, request: Request, fault: Fault) -> Response:
        identity = self._identify(request)
        if fault.kind == "drop":
            self._log(request, identity, None, fault.kind)
            raise ConnectionDropped(request.path)
        headers = {"Retry-After": f"{fault.retry_after_s:g}"} if fault.kind == "retry_after" else {}
        response = Response(fault.status, {"message": reason(fault.status)}, headers)
        self._log(request, identity, response.status, fault.kind)
        return response

    def _identify(self, request: Request) -> Identity | None:
        """Who sent a request that a fault answers, for the log only."""
        with self.state.lock:
            try:
                return authenticate(request, self.state, self.profile)
            except ApiError:
                return None

    def _dispatch(self, request: Request) -> tuple[Response, Identity | None]:
        if self.profile.apis_failure == "proxy" and (
            request.path == "/apis" or request.path.startswith("/apis/")
        ):
            return proxy_not_found(), None  # the proxy answers: Grafana never sees it
        found = self.router.find(request.method, request.path)
        if found is None:
            if not request.path.startswith("/api"):
                return self._web_page(request)
            # Grafana's NotFoundHandler runs behind ReqSignedIn (pkg/api/http_server.go,
            # applyRoutes), as /apis's catch-all route does: a caller who is not signed in
            # gets the 401 any signed-in route answers.
            with self.state.lock:
                try:
                    identity = authenticate(request, self.state, self.profile)
                except ApiError as error:
                    return error.response, None
            if self.profile.serves_apis and (
                request.path == "/apis" or request.path.startswith("/apis/")
            ):
                other = any(self.router.find(m, request.path) for m in _METHODS)
                answer = apis_discovery.unknown_path(self.profile, request.path, other).response
                return k8s_wire.encoded(request, answer), identity
            return Response(404, {"message": "Not found"}), identity
        route, params = found
        ctx = Context(request=request, state=self.state, profile=self.profile, params=params)
        with self.state.lock:
            try:
                if not route.public:
                    ctx.identity = authenticate(request, self.state, self.profile)
            except ApiError as error:  # Grafana's authentication: its own JSON
                return error.response, None
            try:
                response = route.handler(ctx)
            except ApiError as error:
                response = error.response
            except Exception:
                # An emulator bug: say so loudly, answer as Grafana's fallback would.
                traceback.print_exc()
                return Response(500, {"message": "Internal Server Error"}), ctx.identity
        if request.path == "/apis" or request.path.startswith("/apis/"):
            response = k8s_wire.with_warnings(k8s_wire.encoded(request, response), ctx.warnings)
        return response, ctx.identity

    def _web_page(self, request: Request) -> tuple[Response, Identity | None]:
        """Outside ``/api`` Grafana serves its single-page app: the login page; for a
        signed-in caller the app's pages, else the index with 404; for anyone else a
        redirect to the login page."""
        ctx = Context(request=request, state=self.state, profile=self.profile)
        path = request.path.rstrip("/") or "/"
        reads = request.method in ("GET", "HEAD")
        if path == "/login" and reads:
            return site.index_page(ctx, 200), None
        # The app's pages, and the not-found page (ReqSignedIn, as for /api), need a
        # signed-in caller: anyone else is sent to the login page, whatever the method.
        identity = self._identify(request)
        if identity is None:
            return login_redirect(request), None
        if reads and (path in APP_PAGES or path.startswith(APP_PAGE_PREFIXES)):
            return site.index_page(ctx, 200), identity
        return site.index_page(ctx, 404), identity

    def _log(
        self,
        request: Request,
        identity: Identity | None,
        status: int | None,
        fault: str | None,
        encoding: str | None = None,
    ) -> None:
        query = request.query_text()
        entry = LoggedRequest(
            method=request.method,
            path=request.path,
            query=query,
            identity=identity.login if identity else None,
            org_id=identity.org_id if identity else None,
            status=status,
            fault=fault,
            accept=request.header("Accept"),
            encoding=encoding,
        )
        with self.state.lock:
            self.state.request_log.append(entry)


# nginx's own 404 page (ngx_http_special_response.c), as a proxy that forwards only /api
# answers every other path.
PROXY_404 = (
    b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    b"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def proxy_not_found() -> Response:
    return Response(404, headers={"Content-Type": "text/html"}, raw=PROXY_404)


def with_default_headers(path: str, response: Response) -> Response:
    """``response`` as Grafana's middleware sends it: no caching, and its security headers.
    (A fault answered before Grafana, as a proxy's 502 is, carries none of them.)"""
    headers = {**response.headers, **SECURITY_HEADERS}
    if not path.startswith(CACHEABLE_PREFIXES):
        headers["Cache-Control"] = "no-store"  # (addNoCacheHeaders also drops these two)
        headers.pop("Pragma", None)
        headers.pop("Expires", None)
    # (every field of Response: dataclasses.replace costs ~5% of a dashboard GET's handling)
    return Response(response.status, response.body, headers, response.raw)


def login_redirect(request: Request) -> Response:
    """``notAuthorized`` for a page (pkg/middleware/auth.go): the ``redirect_to`` cookie
    (``writeRedirectCookie``: the request URI, query-escaped; none for ``/``), then Go's
    ``http.Redirect`` to the login page: HTML for GET and HEAD, a body for GET."""
    headers = {"Location": "/login"}
    uri = request.uri()
    if uri != "/":
        headers["Set-Cookie"] = f"redirect_to={quote(uri, safe='')}; Path=/; HttpOnly; SameSite=Lax"
    if request.method not in ("GET", "HEAD"):
        return Response(302, raw=b"", headers=headers)
    headers["Content-Type"] = "text/html; charset=utf-8"
    return Response(302, raw=b'<a href="/login">Found</a>.\n\n', headers=headers)

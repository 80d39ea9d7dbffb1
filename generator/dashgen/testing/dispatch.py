"""One request through the emulator: faults, latency, routing, authentication, the log."""

from __future__ import annotations

import time
import traceback
from http import HTTPStatus

from dashgen.testing.auth import Identity, authenticate
from dashgen.testing.faults import Fault, Faults
from dashgen.testing.model import LoggedRequest
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.router import Context, Router
from dashgen.testing.routes import all_routes
from dashgen.testing.state import State
from dashgen.testing.wire import ApiError, Request, Response


class ConnectionDropped(Exception):
    """The emulator decided to close the connection without answering."""


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
        fault = self.faults.take(request.method, request.path)
        delay_s = (self.latency_ms + (fault.delay_ms if fault else 0)) / 1000
        if delay_s > 0:
            time.sleep(delay_s)  # outside the state lock: concurrent requests overlap
        if fault is not None and fault.applies_before:
            return self._answer_fault_first(request, fault)
        response, identity = self._dispatch(request)
        if fault is not None and fault.kind == "commit_then_drop":
            self._log(request, identity, None, fault.kind)
            raise ConnectionDropped(request.path)
        if fault is not None and fault.kind == "commit_then_fail":
            response = Response(fault.status, {"message": reason(fault.status)})
        self._log(request, identity, response.status, fault.kind if fault else None)
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
        found = self.router.find(request.method, request.path)
        if found is None:
            return Response(404, {"message": "Not found"}), None
        route, params = found
        ctx = Context(request=request, state=self.state, profile=self.profile, params=params)
        with self.state.lock:
            try:
                if not route.public:
                    ctx.identity = authenticate(request, self.state, self.profile)
                return route.handler(ctx), ctx.identity
            except ApiError as error:
                return error.response, ctx.identity
            except Exception:
                # An emulator bug: say so loudly, answer as Grafana's fallback would.
                traceback.print_exc()
                return Response(500, {"message": "Internal Server Error"}), ctx.identity

    def _log(
        self, request: Request, identity: Identity | None, status: int | None, fault: str | None
    ) -> None:
        query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
        entry = LoggedRequest(
            method=request.method,
            path=request.path,
            query=query,
            identity=identity.login if identity else None,
            org_id=identity.org_id if identity else None,
            status=status,
            fault=fault,
        )
        with self.state.lock:
            self.state.request_log.append(entry)

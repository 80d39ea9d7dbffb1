"""Raw HTTP helpers for the emulator's conformance tests (imported by name: keep it unique)."""

from __future__ import annotations

import base64
import socket
from collections.abc import Callable
from typing import Any

import httpx

from dashgen.testing import Emulator, EmulatorServer

ADMIN = ("admin", "admin")


class Api:
    """Raw httpx calls against one server; ``token`` sends Bearer, else ``user`` basic auth."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.emulator: Emulator = server.emulator
        # Plain http to 127.0.0.1: skip loading CA certificates (slow) for every client.
        self.http = httpx.Client(base_url=server.url, timeout=10, verify=False)

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        user: tuple[str, str] | None = ADMIN,
        org: int | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        elif user is not None:
            sent["Authorization"] = basic_header(*user)
        if org is not None:
            sent["X-Grafana-Org-Id"] = str(org)
        return self.http.request(method, path, headers=sent, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("PATCH", path, **kwargs)

    def raw(self, data: bytes, *, timeout: float = 10) -> bytes:
        """Send bytes on a fresh socket; everything the server sends until it closes."""
        with socket.create_connection((self.server.host, self.server.port), timeout) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
            return received

    def save(self, dashboard: dict[str, Any], **kwargs: Any) -> httpx.Response:
        body = {"dashboard": dashboard} | kwargs.pop("body", {})
        return self.post("/api/dashboards/db", json=body, **kwargs)


def user_token(api: Api, role: str, org: int = 1, name: str | None = None) -> str:
    """A service-account token with ``role`` in ``org``."""
    return api.emulator.create_service_account_token(org, role=role, name=name or role.lower())


def basic_header(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


MakeApi = Callable[..., Api]

"""Raw HTTP helpers for the emulator's conformance tests (imported by name: keep it unique)."""

from __future__ import annotations

import base64
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

    def save(self, dashboard: dict[str, Any], **kwargs: Any) -> httpx.Response:
        body = {"dashboard": dashboard} | kwargs.pop("body", {})
        return self.post("/api/dashboards/db", json=body, **kwargs)


def basic_header(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


MakeApi = Callable[..., Api]

"""Grafana's web server sets its default headers on every answer (``AddDefaultResponseHeaders``
in pkg/middleware/middleware.go, with defaults.ini's settings): no caching, no framing, no
content sniffing, the XSS filter; /api, /apis and pages alike, errors too. A proxy's answer
that never reached Grafana (a fault before it) carries none of them."""

from __future__ import annotations

import httpx
import pytest

from dashgen.testing import Emulator, EmulatorServer

DEFAULTS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "deny",
    "x-xss-protection": "1; mode=block",
}


def _defaults_of(response: httpx.Response) -> dict[str, list[str]]:
    return {name: response.headers.get_list(name) for name in DEFAULTS}


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "over-http"])
def test_every_answer_carries_grafanas_default_headers(in_process: bool) -> None:
    emulator = Emulator(version="12.0")
    token = emulator.create_service_account_token(1, "Editor")
    auth = {"Authorization": f"Bearer {token}"}
    with EmulatorServer(emulator) as server:
        if in_process:
            client = httpx.Client(
                base_url="http://grafana.localhost", transport=emulator.transport()
            )
        else:
            client = httpx.Client(base_url=server.url)
        with client:
            answers = [
                client.get("/api/health"),
                client.head("/api/health"),
                client.get("/api/org"),  # 401: no credentials
                client.get("/api/org", headers=auth),
                client.post("/api/dashboards/db", headers=auth, json={"dashboard": {"title": "T"}}),
                client.get("/api/dashboards/uid/missing", headers=auth),  # 404
                client.get("/api/no/such/route"),
                client.get("/apis", headers=auth),
                client.get("/login"),  # a page (HTML)
            ]
    for response in answers:
        expected = {name: [value] for name, value in DEFAULTS.items()}
        assert _defaults_of(response) == expected, (response.request.url, response.status_code)
    assert answers[4].status_code == 200 and answers[5].status_code == 404


def test_a_proxy_answer_before_grafana_carries_none_of_them() -> None:
    emulator = Emulator(version="12.0")
    emulator.faults.add("GET", "/api/health", kind="status", status=502)
    with httpx.Client(base_url="http://grafana.localhost", transport=emulator.transport()) as c:
        proxied = c.get("/api/health")
        served = c.get("/api/health")
    assert proxied.status_code == 502
    assert all(not values for values in _defaults_of(proxied).values())
    assert served.status_code == 200 and served.headers["cache-control"] == "no-store"

"""Every answer carries a Date header (Go's net/http adds one to each Grafana answer), on a
real server and in-process alike: dashgen reads Grafana's clock from it."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import httpx

from dashgen.testing import Emulator, EmulatorServer


def test_date_header_in_process_and_over_http() -> None:
    emulator = Emulator()
    with httpx.Client(base_url="http://grafana.localhost", transport=emulator.transport()) as c:
        in_process = c.get("/api/health")
        missing = c.get("/api/org")  # an error answer carries it too
    with EmulatorServer(emulator) as server, httpx.Client(base_url=server.url) as c:
        served = c.get("/api/health")
    for response in (in_process, missing, served):
        assert parsedate_to_datetime(response.headers["date"]).tzinfo is not None
    assert missing.status_code == 401
    assert len(served.headers.get_list("date")) == 1

"""Orgs publish at the same time under one bound on dashboards in flight; each org still
uses only its own token, and events still reach the caller in the caller's thread."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from publish_support import FAST_RETRY, Project, issued, make_dashboard

from dashgen.publish import Connection, publish
from dashgen.publish.session import read_width
from dashgen.testing import Emulator
from dashgen.tokens import env_var_name

ORGS = ("org-a", "org-b", "org-c")
DASHBOARDS_PER_ORG = 12
DASHBOARD_PATHS = ("/api/dashboards/uid/", "/api/dashboards/db", "/apis/dashboard.grafana.app/")


class InFlightTransport(httpx.BaseTransport):
    """The emulator's transport, counting the requests it is answering at once."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.now: dict[str, int] = {}  # token -> its requests being answered
        self.most = 0  # requests being answered at once, at most
        self.most_dashboards = 0  # of them, dashboard reads and writes
        self.overlapping_orgs = 0  # most tokens with a request being answered at once
        self.dashboards_now = 0
        self.sent: list[tuple[str, str | None]] = []  # (token, uid of a dashboard written)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "")
        path = request.url.path
        is_dashboard = path.startswith(DASHBOARD_PATHS)
        written = None  # a stored write (not a dry run) on either API
        if request.method == "POST" and path == "/api/dashboards/db":
            written = json.loads(request.read())["dashboard"]["uid"]
        elif (
            request.method in ("POST", "PUT")
            and path.startswith("/apis/dashboard.grafana.app/")
            and "/dashboards" in path
            and "dryRun" not in request.url.params
        ):
            written = json.loads(request.read())["metadata"]["name"]
        with self.lock:
            self.sent.append((token, written))
            self.now[token] = self.now.get(token, 0) + 1
            self.dashboards_now += is_dashboard
            self.most = max(self.most, sum(self.now.values()))
            self.most_dashboards = max(self.most_dashboards, self.dashboards_now)
            self.overlapping_orgs = max(
                self.overlapping_orgs, sum(1 for n in self.now.values() if n)
            )
        try:
            return self.inner.handle_request(request)
        finally:
            with self.lock:
                self.now[token] -= 1
                self.dashboards_now -= is_dashboard


def test_orgs_publish_at_once_under_one_bound_each_with_its_own_token(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = Emulator(latency_ms=15)  # answers take long enough for work to overlap
    org_ids, tokens = {}, {}
    for org in ORGS:
        org_ids[org] = emulator.create_org(org)
        tokens[org] = issued(emulator.create_service_account_token(org_ids[org], "Editor"))
        monkeypatch.setenv(env_var_name(org), tokens[org])
    counting = InFlightTransport(emulator.transport())
    connection = Connection(url="http://localhost:3000", retry=FAST_RETRY, transport=counting)
    built = [
        dashboard
        for org in ORGS
        for dashboard in project.write(
            org, [make_dashboard(f"{org}-{n}") for n in range(DASHBOARDS_PER_ORG)]
        )
    ]
    caller = threading.get_ident()
    seen_in: set[int] = set()

    report = publish(
        project.config,
        list(ORGS),
        connection=connection,
        dashboards=built,
        concurrency=2,
        on_event=lambda event: seen_in.add(threading.get_ident()),
    )

    assert report.counts() == {"created": len(ORGS) * DASHBOARDS_PER_ORG}
    assert not report.org_errors
    assert seen_in == {caller}
    assert counting.overlapping_orgs >= 2  # orgs were published at the same time
    assert counting.most_dashboards <= read_width(2)  # one bound for all orgs' dashboards
    assert counting.most <= read_width(2) + len(ORGS)  # plus each org's own few requests
    org_of_token = {f"Bearer {token}": org for org, token in tokens.items()}
    assert len(counting.sent) == len(emulator.request_log)
    for token, uid in counting.sent:  # every dashboard went with its own org's token only
        if uid is not None:
            assert uid.startswith(f"{org_of_token[token]}-"), uid
    assert sum(1 for _, uid in counting.sent if uid) == len(ORGS) * DASHBOARDS_PER_ORG
    for org in ORGS:
        stored = sorted(d["uid"] for d in emulator.dashboards(org_ids[org]))
        assert stored == sorted(f"{org}-{n}" for n in range(DASHBOARDS_PER_ORG))

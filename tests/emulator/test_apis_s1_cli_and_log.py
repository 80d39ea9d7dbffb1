"""grafana-apis.md §1.2 ("make the served set configurable") from the command line, and the
emulator's request log and faults on /apis calls."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import httpx
from apis_helpers import K8s, resource
from emulator_api import ADMIN, basic_header


def _versions(url: str) -> list[str]:
    auth = {"Authorization": basic_header(*ADMIN)}
    response = httpx.get(f"{url}/apis/dashboard.grafana.app", headers=auth)
    if response.status_code == 404:
        return []
    return [v["version"] for v in response.json()["versions"]]


def test_s1_cli_serves_the_release_versions_or_the_given_ones(serve: Callable[..., str]) -> None:
    assert _versions(serve("--grafana-version", "13.0"))[0] == "v2"
    assert _versions(serve("--grafana-version", "11.2")) == []
    chosen = serve("--grafana-version", "13.0", "--dashboard-api-versions", "v1,v1beta1")
    assert _versions(chosen) == ["v1", "v1beta1"]
    assert _versions(serve("--grafana-version", "13.0", "--dashboard-api-versions", "")) == []


def test_s1_cli_refuses_unknown_versions() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dashgen.testing", "--dashboard-api-versions", "v3"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert run.returncode == 2 and "unknown version 'v3'" in run.stderr


def test_request_log_records_apis_calls(k8s: K8s) -> None:
    k8s.api.emulator.clear_request_log()
    k8s.create(resource("cpu"))
    k8s.list(params={"limit": 5})
    k8s.list(namespace="org-9")
    log = k8s.api.emulator.request_log
    assert [(e.method, e.path, e.status) for e in log] == [
        ("POST", k8s.dashboards(), 201),
        ("GET", k8s.dashboards(), 200),
        ("GET", k8s.dashboards("org-9"), 403),
    ]
    assert log[1].query == "limit=5"
    assert {e.identity for e in log} == {"admin"}


def test_faults_apply_to_apis_routes(k8s: K8s) -> None:
    k8s.api.emulator.faults.add(method="PUT", path=k8s.dashboards() + "/*", kind="status")
    assert k8s.put("cpu", resource("cpu")).status_code == 503
    assert k8s.api.emulator.dashboard(1, "cpu") is None
    k8s.api.emulator.faults.add(method="PUT", path=k8s.dashboards() + "/*", kind="commit_then_fail")
    assert k8s.put("cpu", resource("cpu")).status_code == 500
    assert k8s.get("cpu").json()["metadata"]["generation"] == 1

"""Grafana's tutorial "Create API tokens and dashboards for an organization", step by step,
with curl-equivalent requests against ``python -m dashgen.testing`` in 11.2 and 12.0 modes."""

from __future__ import annotations

import itertools
import signal
from collections.abc import Callable

import httpx
import pytest
from emulator_api import basic_header

StartCli = Callable[..., str]

DASHBOARD = {
    "dashboard": {
        "id": None,
        "uid": None,
        "title": "Production Overview",
        "tags": ["templated"],
        "timezone": "browser",
        "schemaVersion": 16,
        "version": 0,
    },
    "folderUid": "",
    "overwrite": False,
}


@pytest.fixture
def start_cli(serve: StartCli) -> StartCli:
    """Every other server is stopped with SIGINT (Ctrl-C), the others with SIGTERM."""
    started = itertools.count()

    def start(*args: str) -> str:
        return serve(*args, stop=signal.SIGTERM if next(started) % 2 else signal.SIGINT)

    return start


def admin_client(url: str) -> httpx.Client:
    return httpx.Client(
        base_url=url, headers={"Authorization": basic_header("admin", "admin")}, verify=False
    )


def create_org_and_switch(admin: httpx.Client) -> int:
    created = admin.post("/api/orgs", json={"name": "apiorg"})
    assert created.status_code == 200
    org_id = created.json()["orgId"]
    # Step 2 is "optional" in the tutorial: the creator is already Admin of the new org.
    added = admin.post(f"/api/orgs/{org_id}/users", json={"loginOrEmail": "admin", "role": "Admin"})
    assert added.status_code == 409
    switched = admin.post(f"/api/user/using/{org_id}")
    assert switched.json() == {"message": "Active organization changed"}
    return int(org_id)


def post_dashboard(url: str, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.post(f"{url}/api/dashboards/db", json=DASHBOARD, headers=headers)


def test_cli_prints_url_and_serves(start_cli: StartCli) -> None:
    url = start_cli("--grafana-version", "13.0", "--admin-user", "root", "--admin-password", "pw")
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{url}/api/health").json()["version"] == "13.0.0"
    who = httpx.get(f"{url}/api/user", headers={"Authorization": basic_header("root", "pw")})
    assert who.json()["login"] == "root"


def test_tutorial_in_11_2_api_key_path(start_cli: StartCli) -> None:
    url = start_cli("--grafana-version", "11.2")
    with admin_client(url) as admin:
        org_id = create_org_and_switch(admin)
        key = admin.post("/api/auth/keys", json={"name": "apikeycurl", "role": "Admin"})
        assert key.status_code == 200
        token = key.json()["key"]
    saved = post_dashboard(url, token)
    assert saved.status_code == 200 and saved.json()["status"] == "success"
    with admin_client(url) as admin:
        found = admin.get("/api/search", params={"query": "Production"}, headers={
            "X-Grafana-Org-Id": str(org_id)
        })  # fmt: skip
    assert [hit["title"] for hit in found.json()] == ["Production Overview"]


def test_tutorial_in_12_0_key_step_410_service_account_path_works(start_cli: StartCli) -> None:
    url = start_cli("--grafana-version", "12.0")
    with admin_client(url) as admin:
        org_id = create_org_and_switch(admin)
        key = admin.post("/api/auth/keys", json={"name": "apikeycurl", "role": "Admin"})
        assert key.status_code == 410
        account = admin.post("/api/serviceaccounts", json={"name": "test", "role": "Admin"})
        assert account.status_code == 201 and account.json()["orgId"] == org_id
        token = admin.post(
            f"/api/serviceaccounts/{account.json()['id']}/tokens", json={"name": "test-token"}
        ).json()["key"]
    saved = post_dashboard(url, token)
    assert saved.status_code == 200
    mismatch = httpx.get(
        f"{url}/api/org", headers={"Authorization": f"Bearer {token}", "X-Grafana-Org-Id": "1"}
    )
    assert mismatch.status_code == 401

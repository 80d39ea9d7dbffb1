"""Contract §14.4: org Admins (users or Admin tokens of that org) may read their org and its
users through /api/orgs/:orgId/*; the versions routes deny a Viewer with the RBAC body."""

from __future__ import annotations

import pytest
from emulator_api import Api, user_token

VERSION_PATHS = ["/api/dashboards/uid/v/versions", "/api/dashboards/uid/v/versions/1"]


@pytest.fixture
def team(api: Api) -> int:
    """Org "team" with "boss" (its Admin, not a server admin) and "member" (a Viewer)."""
    org_id = api.emulator.create_org("team")
    api.emulator.create_user("boss", "pw")
    api.emulator.create_user("member", "pw")
    api.emulator.add_org_user(org_id, "boss", "Admin")
    api.emulator.add_org_user(org_id, "member", "Viewer")
    return org_id


def test_s14_4_org_admin_user_reads_the_org_and_its_users(api: Api, team: int) -> None:
    boss = ("boss", "pw")
    org = api.get(f"/api/orgs/{team}", user=boss)
    assert (org.status_code, org.json()["name"]) == (200, "team")
    users = api.get(f"/api/orgs/{team}/users", user=boss)
    assert users.status_code == 200
    assert {u["login"]: u["role"] for u in users.json()} == {"boss": "Admin", "member": "Viewer"}


def test_s14_4_org_admin_user_adds_users_to_the_org(api: Api, team: int) -> None:
    api.emulator.create_user("newbie", "pw")
    body = {"loginOrEmail": "newbie", "role": "Editor"}
    response = api.post(f"/api/orgs/{team}/users", user=("boss", "pw"), json=body)
    assert response.status_code == 200
    assert response.json()["message"] == "User added to organization"


def test_s14_4_admin_token_of_the_org_reads_it(api: Api, team: int) -> None:
    token = user_token(api, "Admin", org=team)
    assert api.get(f"/api/orgs/{team}", token=token).json()["id"] == team
    assert api.get(f"/api/orgs/{team}/users", token=token).status_code == 200


@pytest.mark.parametrize("path", ["/api/orgs/{org}", "/api/orgs/{org}/users"])
def test_s14_4_not_an_admin_of_that_org_gets_the_rbac_body(api: Api, team: int, path: str) -> None:
    url = path.format(org=team)
    for response in (
        api.get(url, user=("member", "pw")),  # a Viewer of the org
        api.get(url, token=user_token(api, "Editor", org=team)),
        api.get(path.format(org=1), user=("boss", "pw")),  # Admin of another org only
        api.get(path.format(org=1), token=user_token(api, "Admin", org=team, name="a2")),
    ):
        assert response.status_code == 403
        assert response.json()["title"] == "Access denied"


def test_s14_4_listing_and_creating_orgs_still_need_a_server_admin(api: Api, team: int) -> None:
    boss = ("boss", "pw")
    assert api.get("/api/orgs", user=boss).status_code == 403
    assert api.post("/api/orgs", user=boss, json={"name": "mine"}).status_code == 403
    assert api.get("/api/orgs/name/team", user=boss).status_code == 403


def test_s14_4_server_admin_reaches_any_org(api: Api, team: int) -> None:
    assert api.get(f"/api/orgs/{team}/users").status_code == 200
    assert api.get("/api/orgs/999").status_code == 404


@pytest.mark.parametrize("path", VERSION_PATHS)
def test_s14_4_versions_deny_a_viewer_with_the_rbac_body(api: Api, path: str) -> None:
    api.save({"title": "x", "uid": "v"})
    response = api.get(path, token=user_token(api, "Viewer"))
    assert response.status_code == 403
    body = response.json()
    assert body["title"] == "Access denied" and body["accessErrorId"].startswith("ACE")
    assert body["message"].endswith("Permissions needed: dashboards:write")
    assert api.get(path, token=user_token(api, "Editor")).status_code == 200

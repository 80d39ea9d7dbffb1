"""Contract §6: orgs, org users, switching the current org."""

from __future__ import annotations

import httpx
from emulator_api import ADMIN, Api


def test_s6_create_org_200_and_creator_is_admin(api: Api) -> None:
    response = api.post("/api/orgs", json={"name": "apiorg"})
    assert response.status_code == 200
    assert response.json() == {"orgId": 2, "message": "Organization created"}
    assert api.emulator.org_id_by_name("apiorg") == 2
    assert api.emulator.state.role_in(2, 1) == "Admin"


def test_s6_create_org_name_taken_409(api: Api) -> None:
    api.post("/api/orgs", json={"name": "apiorg"})
    response = api.post("/api/orgs", json={"name": "apiorg"})
    assert response.status_code == 409
    assert response.json() == {"message": "Organization name taken"}


def test_s6_create_org_bad_json_400(api: Api) -> None:
    response = api.post("/api/orgs", content=b"name=x")
    assert (response.status_code, response.json()) == (400, {"message": "bad request data"})


def test_s6_create_org_needs_server_admin(api: Api) -> None:
    api.emulator.create_user("bob", "pw")
    response = api.post("/api/orgs", json={"name": "x"}, user=("bob", "pw"))
    assert response.status_code == 403


def test_s6_list_orgs(api: Api) -> None:
    api.emulator.create_org("zeta")
    assert api.get("/api/orgs").json() == [
        {"id": 1, "name": "Main Org."},
        {"id": 2, "name": "zeta"},
    ]


def test_s6_org_by_name_found_and_missing(api: Api) -> None:
    api.emulator.create_org("apiorg")
    found = api.get("/api/orgs/name/apiorg")
    assert found.status_code == 200
    assert found.json()["id"] == 2 and found.json()["name"] == "apiorg"
    assert set(found.json()["address"]) == {
        "address1", "address2", "city", "zipCode", "state", "country"
    }  # fmt: skip
    missing = api.get("/api/orgs/name/nope")
    assert (missing.status_code, missing.json()) == (404, {"message": "Organization not found"})


def test_s6_org_name_with_spaces_in_path(api: Api) -> None:
    assert api.get("/api/orgs/name/Main%20Org.").json()["id"] == 1


def test_s6_current_org_for_token_is_its_org(api: Api) -> None:
    other = api.emulator.create_org("other")
    token = api.emulator.create_service_account_token(other, role="Viewer")
    assert api.get("/api/org", token=token).json()["name"] == "other"


def test_s6_add_user_200(api: Api) -> None:
    org = api.emulator.create_org("apiorg")
    user_id = api.emulator.create_user("bob", "pw")
    response = api.post(f"/api/orgs/{org}/users", json={"loginOrEmail": "bob", "role": "Editor"})
    assert response.status_code == 200
    assert response.json() == {"message": "User added to organization", "userId": user_id}


def test_s6_add_user_by_email(api: Api) -> None:
    org = api.emulator.create_org("apiorg")
    api.emulator.create_user("bob", "pw", email="bob@example.com")
    response = api.post(
        f"/api/orgs/{org}/users", json={"loginOrEmail": "bob@example.com", "role": "Viewer"}
    )
    assert response.status_code == 200


def test_s6_add_user_already_member_409(api: Api) -> None:
    response = api.post("/api/orgs/1/users", json={"loginOrEmail": "admin", "role": "Admin"})
    assert response.status_code == 409
    assert response.json() == {
        "message": "User is already member of this organization",
        "userId": 1,
    }


def test_s6_add_user_unknown_404(api: Api) -> None:
    response = api.post("/api/orgs/1/users", json={"loginOrEmail": "ghost", "role": "Admin"})
    assert (response.status_code, response.json()) == (404, {"message": "User not found"})


def test_s6_add_user_bad_role_400(api: Api) -> None:
    response = api.post("/api/orgs/1/users", json={"loginOrEmail": "admin", "role": "Owner"})
    assert (response.status_code, response.json()) == (400, {"message": "Invalid role specified"})


def test_s6_add_user_bad_org_id_400(api: Api) -> None:
    response = api.post("/api/orgs/abc/users", json={"loginOrEmail": "admin", "role": "Admin"})
    assert (response.status_code, response.json()) == (400, {"message": "orgId is invalid"})


def test_s6_add_user_to_current_org_needs_org_admin(api: Api) -> None:
    # With basic roles nobody below server admin can outrank an org Admin, so the contract's
    # "role above caller's" row cannot be reached: the RBAC check denies non-admins first.
    api.emulator.create_user("ed", "pw")
    api.emulator.create_user("bob", "pw")
    org = api.emulator.create_org("x")
    api.emulator.add_org_user(org, "ed", "Editor")
    body = {"loginOrEmail": "bob", "role": "Viewer"}
    denied = api.post("/api/org/users", json=body, user=("ed", "pw"), org=org)
    assert denied.status_code == 403 and "org.users:add" in denied.json()["message"]
    api.emulator.state.memberships[(org, 2)] = "Admin"
    added = api.post("/api/org/users", json=body, user=("ed", "pw"), org=org)
    assert added.json() == {"message": "User added to organization", "userId": 3}


def test_s6_user_using_switches_persisted_org(api: Api) -> None:
    org = api.emulator.create_org("apiorg")
    api.emulator.add_org_user(org, "admin", "Admin")
    response = api.post(f"/api/user/using/{org}")
    assert (response.status_code, response.json()) == (
        200,
        {"message": "Active organization changed"},
    )
    assert api.get("/api/org").json()["id"] == org
    assert api.get("/api/user").json()["orgId"] == org


def test_s6_user_using_not_member_401(api: Api) -> None:
    org = api.emulator.create_org("apiorg")
    api.emulator.create_user("bob", "pw")
    response = api.post(f"/api/user/using/{org}", user=("bob", "pw"))
    assert (response.status_code, response.json()) == (401, {"message": "Not a valid organization"})


def test_s6_user_using_non_numeric_400(api: Api) -> None:
    response = api.post("/api/user/using/abc")
    assert (response.status_code, response.json()) == (400, {"message": "id is invalid"})


def test_s6_user_using_with_token_304(api: Api) -> None:
    token = api.emulator.create_service_account_token(1)
    response = api.post("/api/user/using/1", token=token)
    assert response.status_code == 304 and response.content == b""


def test_signed_in_user_profile(api: Api) -> None:
    body = api.get("/api/user").json()
    assert (body["id"], body["login"], body["orgId"], body["isGrafanaAdmin"]) == (
        1,
        "admin",
        1,
        True,
    )
    token = api.emulator.create_service_account_token(1, name="pub")
    assert api.get("/api/user", token=token).json()["login"] == "sa-1-pub"


def test_admin_creates_user_over_http(api: Api) -> None:
    body = {"name": "Bob", "login": "bob", "email": "bob@x", "password": "pw"}
    response = api.post("/api/admin/users", json=body)
    assert response.status_code == 200 and response.json()["message"] == "User created"
    assert api.get("/api/user", user=("bob", "pw")).json()["login"] == "bob"


def test_s6_unicode_org_name_round_trips(api: Api) -> None:
    api.post("/api/orgs", json={"name": "Équipe 日本"})
    assert api.get("/api/orgs/name/Équipe 日本").json()["name"] == "Équipe 日本"
    admin = httpx.Client(base_url="http://grafana.localhost", transport=api.emulator.transport())
    found = admin.get("/api/orgs/name/Équipe 日本", auth=ADMIN)
    assert found.json()["name"] == "Équipe 日本"


def test_s6_list_org_users(api: Api) -> None:
    org = api.emulator.create_org("apiorg")
    api.emulator.create_user("bob", "pw")
    api.emulator.add_org_user(org, "bob", "Editor")
    members = api.get(f"/api/orgs/{org}/users").json()
    assert [(m["login"], m["role"]) for m in members] == [("bob", "Editor")]
    api.emulator.add_org_user(org, "admin", "Admin")
    current = api.get("/api/org/users", org=org).json()
    assert {m["login"] for m in current} == {"admin", "bob"}


def test_s6_update_org_user_role_200(api: Api) -> None:
    org_id = api.emulator.create_org("apiorg")
    user_id = api.emulator.create_user("bob", "pw")
    api.emulator.add_org_user(org_id, "bob", "Viewer")
    response = api.call("PATCH", f"/api/orgs/{org_id}/users/{user_id}", json={"role": "Editor"})
    assert (response.status_code, response.json()) == (
        200,
        {"message": "Organization user updated"},
    )
    assert api.emulator.state.role_in(org_id, user_id) == "Editor"


def test_s6_update_org_user_invalid_role_400(api: Api) -> None:
    user_id = api.emulator.create_user("bob", "pw")
    response = api.call("PATCH", f"/api/orgs/1/users/{user_id}", json={"role": "Owner"})
    assert (response.status_code, response.json()) == (400, {"message": "Invalid role specified"})


def test_s6_update_org_user_last_admin_400(api: Api) -> None:
    org_id = api.post("/api/orgs", json={"name": "solo"}).json()["orgId"]  # admin: only Admin
    response = api.call("PATCH", f"/api/orgs/{org_id}/users/1", json={"role": "Viewer"})
    assert response.status_code == 400
    assert response.json() == {
        "message": "Cannot change role so that there is no organization admin left"
    }


def test_s6_update_org_user_not_a_member_500(api: Api) -> None:
    org_id = api.emulator.create_org("apiorg")
    user_id = api.emulator.create_user("bob", "pw")
    response = api.call("PATCH", f"/api/orgs/{org_id}/users/{user_id}", json={"role": "Editor"})
    assert (response.status_code, response.json()) == (500, {"message": "Failed update org user"})

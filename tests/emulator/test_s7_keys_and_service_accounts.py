"""Contract §7: legacy API keys (11.2 vs 12.0) and service accounts with tokens."""

from __future__ import annotations

import base64
import json

from emulator_api import Api

GONE = (
    "this endpoint has been removed, please use POST /api/serviceaccounts and "
    "POST /api/serviceaccounts/{id}/tokens instead"
)


def test_s7_api_key_created_200_in_11_2(api112: Api) -> None:
    response = api112.post("/api/auth/keys", json={"name": "ci", "role": "Admin"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "name", "key"} and body["name"] == "ci"
    assert json.loads(base64.b64decode(body["key"]))["id"] == 1
    assert api112.get("/api/org", token=body["key"]).status_code == 200


def test_s7_api_key_invalid_role_400(api112: Api) -> None:
    response = api112.post("/api/auth/keys", json={"name": "ci", "role": "Boss"})
    assert (response.status_code, response.json()) == (400, {"message": "Invalid role specified"})


def test_s7_api_key_duplicate_name_409(api112: Api) -> None:
    api112.post("/api/auth/keys", json={"name": "ci", "role": "Admin"})
    assert api112.post("/api/auth/keys", json={"name": "ci", "role": "Admin"}).status_code == 409


def test_s7_api_key_needs_org_admin(api112: Api) -> None:
    api112.emulator.create_user("ed", "pw")
    api112.emulator.state.memberships[(1, 2)] = "Editor"
    denied = api112.post("/api/auth/keys", json={"name": "x", "role": "Viewer"}, user=("ed", "pw"))
    assert denied.status_code == 403 and "apikeys:create" in denied.json()["message"]


def test_s7_api_key_list_and_delete_in_11_2(api112: Api) -> None:
    key_id = api112.post("/api/auth/keys", json={"name": "ci", "role": "Viewer"}).json()["id"]
    assert [k["name"] for k in api112.get("/api/auth/keys").json()] == ["ci"]
    deleted = api112.delete(f"/api/auth/keys/{key_id}")
    assert (deleted.status_code, deleted.json()) == (200, {"message": "API key deleted"})
    assert api112.get("/api/auth/keys").json() == []


def test_s7_api_key_410_in_12_0(api: Api) -> None:
    response = api.post("/api/auth/keys", json={"name": "ci", "role": "Admin"})
    assert (response.status_code, response.json()) == (410, {"message": GONE})


def test_s7_api_key_routes_gone_404_in_13_0(api13: Api) -> None:
    """PR #106019 (12.1+) removed /api/auth/keys: the generic /api 404, for every method."""
    created = api13.post("/api/auth/keys", json={"name": "ci", "role": "Admin"})
    assert (created.status_code, created.json()) == (404, {"message": "Not found"})


def test_s7_service_account_created_201(api: Api) -> None:
    response = api.post("/api/serviceaccounts", json={"name": "Dash Publisher", "role": "Editor"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id", "uid", "name", "login", "orgId", "isDisabled", "role", "tokens", "avatarUrl"
    }  # fmt: skip
    assert (body["login"], body["orgId"], body["role"], body["tokens"]) == (
        "sa-1-dash-publisher",
        1,
        "Editor",
        0,
    )


def test_s7_service_account_role_defaults_to_viewer(api: Api) -> None:
    assert api.post("/api/serviceaccounts", json={"name": "x"}).json()["role"] == "Viewer"


def test_s7_service_account_name_exists_400(api: Api) -> None:
    api.post("/api/serviceaccounts", json={"name": "pub"})
    response = api.post("/api/serviceaccounts", json={"name": "pub"})
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "messageId": "serviceaccounts.ErrAlreadyExists",
        "message": "service account already exists",
    }


def test_s7_service_account_invalid_role_400(api: Api) -> None:
    response = api.post("/api/serviceaccounts", json={"name": "x", "role": "Boss"})
    assert response.status_code == 400
    assert response.json()["messageId"] == "serviceaccounts.ErrInvalidRoleSpecified"


def test_s7_service_accounts_need_org_admin(api: Api) -> None:
    admin_token = api.emulator.create_service_account_token(1, role="Admin", name="adm")
    created = api.post(
        "/api/serviceaccounts", json={"name": "a", "role": "Admin"}, token=admin_token
    )
    assert created.status_code == 201
    editor_token = api.emulator.create_service_account_token(1, role="Editor", name="ed")
    denied = api.post("/api/serviceaccounts", json={"name": "b"}, token=editor_token)
    assert denied.status_code == 403 and "serviceaccounts:create" in denied.json()["message"]


def test_s7_service_account_bad_json_400(api: Api) -> None:
    response = api.post("/api/serviceaccounts", content=b"{")
    assert response.status_code == 400


def test_s7_token_created_200_shown_once_stored_hashed(api: Api) -> None:
    sa_id = api.post("/api/serviceaccounts", json={"name": "pub", "role": "Editor"}).json()["id"]
    response = api.post(f"/api/serviceaccounts/{sa_id}/tokens", json={"name": "t1"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "name", "key"} and body["key"].startswith("glsa_")
    assert body["key"] not in repr(api.emulator.state.service_accounts)
    listed = api.get(f"/api/serviceaccounts/{sa_id}/tokens").json()
    assert [t["name"] for t in listed] == ["t1"] and "key" not in listed[0]
    assert api.save({"title": "x"}, token=body["key"]).status_code == 200


def test_s7_token_for_sa_in_other_org_404(api: Api) -> None:
    other = api.emulator.create_org("other")
    api.emulator.add_org_user(other, "admin", "Admin")
    sa_id = api.post("/api/serviceaccounts", json={"name": "pub"}, org=other).json()["id"]
    response = api.post(f"/api/serviceaccounts/{sa_id}/tokens", json={"name": "t"})
    assert response.status_code == 404
    assert response.json()["messageId"] == "serviceaccounts.ErrNotFound"
    assert response.json()["message"] == "service account not found"


def test_s7_token_name_exists_400(api: Api) -> None:
    sa_id = api.post("/api/serviceaccounts", json={"name": "pub"}).json()["id"]
    api.post(f"/api/serviceaccounts/{sa_id}/tokens", json={"name": "t"})
    response = api.post(f"/api/serviceaccounts/{sa_id}/tokens", json={"name": "t"})
    assert response.status_code == 400
    assert response.json()["messageId"] == "serviceaccounts.ErrTokenAlreadyExists"


def test_s7_token_bad_ttl_400(api: Api) -> None:
    sa_id = api.post("/api/serviceaccounts", json={"name": "pub"}).json()["id"]
    response = api.post(
        f"/api/serviceaccounts/{sa_id}/tokens", json={"name": "t", "secondsToLive": -5}
    )
    assert response.status_code == 400
    assert response.json()["messageId"] == "serviceaccounts.ErrInvalidInput"


def test_s7_deleted_token_stops_working(api: Api) -> None:
    sa_id = api.post("/api/serviceaccounts", json={"name": "pub"}).json()["id"]
    created = api.post(f"/api/serviceaccounts/{sa_id}/tokens", json={"name": "t"}).json()
    deleted = api.delete(f"/api/serviceaccounts/{sa_id}/tokens/{created['id']}")
    assert deleted.status_code == 200
    assert api.get("/api/org", token=created["key"]).json()["messageId"] == "api-key.invalid"


def test_s7_search_service_accounts(api: Api) -> None:
    for name in ("alpha-pub", "beta", "alpha-ci"):
        api.post("/api/serviceaccounts", json={"name": name})
    response = api.get("/api/serviceaccounts/search", params={"query": "alpha"})
    assert response.status_code == 200
    body = response.json()
    assert (body["totalCount"], body["page"], body["perPage"]) == (2, 1, 1000)
    assert [sa["name"] for sa in body["serviceAccounts"]] == ["alpha-ci", "alpha-pub"]
    paged = api.get("/api/serviceaccounts/search", params={"perpage": 1, "page": 2}).json()
    assert [sa["name"] for sa in paged["serviceAccounts"]] == ["alpha-pub"]


def test_s7_service_accounts_are_org_scoped(api: Api) -> None:
    other = api.emulator.create_org("other")
    api.emulator.create_service_account_token(other, name="theirs")
    assert api.get("/api/serviceaccounts/search").json()["totalCount"] == 0


def test_s7_viewer_cannot_manage_service_accounts(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Viewer")
    assert api.post("/api/serviceaccounts", json={"name": "x"}, token=token).status_code == 403
    assert api.get("/api/serviceaccounts/search", token=token).status_code == 403

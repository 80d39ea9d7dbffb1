"""Contract §14.12: GET /api/dashboards/tags, PATCH /api/serviceaccounts/:id,
DELETE /api/orgs/:orgId/users/:userId, PUT /api/orgs/:orgId."""

from __future__ import annotations

from emulator_api import Api, user_token


def test_s14_12_dashboard_tags_with_counts(api: Api) -> None:
    api.save({"title": "a", "uid": "a", "tags": ["prod", "db"]})
    api.save({"title": "b", "uid": "b", "tags": ["prod"]})
    api.save({"title": "c", "uid": "c", "tags": ["x", 1]})  # not all strings: no tags at all
    response = api.get("/api/dashboards/tags", token=user_token(api, "Viewer"))
    assert response.status_code == 200
    assert response.json() == [{"term": "db", "count": 1}, {"term": "prod", "count": 2}]
    assert api.get("/api/search", params={"query": "c"}).json()[0]["tags"] == []


def test_s14_12_patch_service_account(api: Api) -> None:
    account = api.post("/api/serviceaccounts", json={"name": "ci", "role": "Viewer"}).json()
    token = api.post(f"/api/serviceaccounts/{account['id']}/tokens", json={"name": "t"}).json()
    response = api.patch(
        f"/api/serviceaccounts/{account['id']}", json={"role": "Editor", "name": "ci-bot"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["message"], body["id"], body["name"]) == (
        "Service account updated",
        account["id"],
        "ci-bot",
    )
    assert body["serviceaccount"]["role"] == "Editor"
    disabled = api.patch(f"/api/serviceaccounts/{account['id']}", json={"isDisabled": True})
    assert disabled.json()["serviceaccount"]["isDisabled"] is True
    assert api.get("/api/org", token=token["key"]).status_code == 401


def test_s14_12_patch_service_account_errors(api: Api) -> None:
    account = api.post("/api/serviceaccounts", json={"name": "ci"}).json()
    path = f"/api/serviceaccounts/{account['id']}"
    bad_role = api.patch(path, json={"role": "Owner"})
    assert (bad_role.status_code, bad_role.json()["messageId"]) == (
        400,
        "serviceaccounts.ErrInvalidRoleSpecified",
    )
    typed = api.patch(path, json={"isDisabled": "yes"})
    assert (typed.status_code, typed.json()) == (400, {"message": "Bad request data"})
    assert api.patch("/api/serviceaccounts/999", json={}).status_code == 404
    editor = user_token(api, "Editor")
    assert api.patch(path, json={"name": "x"}, token=editor).status_code == 403


def test_s14_12_remove_org_user(api: Api) -> None:
    org_id = api.emulator.create_org("team")
    user_id = api.emulator.create_user("bob", "pw")
    api.emulator.add_org_user(org_id, "bob", "Editor")
    response = api.delete(f"/api/orgs/{org_id}/users/{user_id}")
    assert (response.status_code, response.json()) == (
        200,
        {"message": "User removed from organization"},
    )
    assert api.emulator.state.role_in(org_id, user_id) is None
    assert api.get("/api/org", user=("bob", "pw"), org=org_id).status_code == 403


def test_s14_12_remove_the_last_org_admin_is_400(api: Api) -> None:
    org_id = api.post("/api/orgs", json={"name": "solo"}).json()["orgId"]  # admin: its Admin
    response = api.delete(f"/api/orgs/{org_id}/users/1")
    assert (response.status_code, response.json()) == (
        400,
        {"message": "Cannot remove last organization admin"},
    )
    ghost = api.delete(f"/api/orgs/{org_id}/users/999")
    assert (ghost.status_code, ghost.json()) == (
        500,
        {"message": "Failed to remove user from organization"},
    )


def test_s14_12_rename_an_org(api: Api) -> None:
    org_id = api.emulator.create_org("old name")
    api.emulator.create_org("taken")
    response = api.put(f"/api/orgs/{org_id}", json={"name": "new name"})
    assert (response.status_code, response.json()) == (200, {"message": "Organization updated"})
    assert api.get(f"/api/orgs/{org_id}").json()["name"] == "new name"
    clash = api.put(f"/api/orgs/{org_id}", json={"name": "taken"})
    assert (clash.status_code, clash.json()) == (409, {"message": "Organization name taken"})
    empty = api.put(f"/api/orgs/{org_id}", json={"name": ""})
    assert (empty.status_code, empty.json()) == (400, {"message": "bad request data"})
    token = user_token(api, "Admin", org=org_id)  # an Admin of the org may rename it (§14.4)
    assert api.put(f"/api/orgs/{org_id}", json={"name": "by token"}, token=token).is_success
    assert api.put("/api/org", json={"name": "current"}, token=token).is_success
    assert api.emulator.state.orgs[org_id].name == "current"

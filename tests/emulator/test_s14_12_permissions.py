"""Contract §14.12: GET/POST /api/dashboards/uid/:uid/permissions and
/api/folders/:uid/permissions, and what the entries grant."""

from __future__ import annotations

from emulator_api import Api, user_token


def sa_id(api: Api, token: str) -> int:
    return int(api.get("/api/user", token=token).json()["uid"].split(":")[1])


def test_s14_12_new_dashboards_get_grafanas_default_permissions(api: Api) -> None:
    token = user_token(api, "Editor", name="pub")
    api.save({"title": "x", "uid": "d"}, token=token)
    response = api.get("/api/dashboards/uid/d/permissions")
    assert response.status_code == 200
    entries = {(e.get("role"), e["userLogin"], e["permissionName"]) for e in response.json()}
    assert entries == {(None, "sa-1-pub", "Admin"), ("Editor", "", "Edit"), ("Viewer", "", "View")}
    item = next(e for e in response.json() if e.get("role") == "Viewer")
    assert (item["uid"], item["title"], item["isFolder"], item["url"]) == (
        "d",
        "x",
        False,
        "/d/d/x",
    )
    assert item["permission"] == 1 and item["inherited"] is False


def test_s14_12_a_dashboard_in_a_folder_inherits_the_folders_entries(api: Api) -> None:
    api.post("/api/folders", json={"uid": "f", "title": "F"})
    api.save({"title": "x", "uid": "d"}, body={"folderUid": "f"})
    roles = {e.get("role") for e in api.get("/api/dashboards/uid/d/permissions").json()}
    assert roles == {None}  # only the creator's entry: the rest comes from the folder
    viewer = user_token(api, "Viewer")
    assert api.get("/api/dashboards/uid/d", token=viewer).status_code == 200
    api.post("/api/folders/f/permissions", json={"items": [{"role": "Editor", "permission": 2}]})
    denied = api.get("/api/dashboards/uid/d", token=viewer)
    assert denied.status_code == 403
    assert denied.json()["message"].endswith("Permissions needed: dashboards:read")


def test_s14_12_post_replaces_the_list(api: Api) -> None:
    api.save({"title": "x", "uid": "d"})
    viewer = user_token(api, "Viewer")
    items = [{"userId": sa_id(api, viewer), "permission": 2}]
    response = api.post("/api/dashboards/uid/d/permissions", json={"items": items})
    assert (response.status_code, response.json()) == (
        200,
        {"message": "Dashboard permissions updated"},
    )
    listed = api.get("/api/dashboards/uid/d/permissions").json()
    assert [(e["userId"], e["permissionName"]) for e in listed] == [(sa_id(api, viewer), "Edit")]
    # The Viewer may now save this dashboard; an Editor (its role entry is gone) may not.
    assert api.save({"title": "x2", "uid": "d", "version": 1}, token=viewer).status_code == 200
    editor = user_token(api, "Editor")
    refused = api.save({"title": "x3", "uid": "d", "version": 2}, token=editor)
    assert (refused.status_code, refused.json()) == (
        403,
        {"message": "Access denied to save dashboard"},
    )
    assert api.get("/api/dashboards/uid/d", token=editor).status_code == 403


def test_s14_12_reading_and_changing_permissions_needs_admin(api: Api) -> None:
    api.save({"title": "x", "uid": "d"})
    editor = user_token(api, "Editor")
    for response in (
        api.get("/api/dashboards/uid/d/permissions", token=editor),
        api.post("/api/dashboards/uid/d/permissions", json={"items": []}, token=editor),
    ):
        assert response.status_code == 403
        assert "dashboards.permissions:" in response.json()["message"]
    assert api.get("/api/dashboards/uid/missing/permissions").status_code == 404


def test_s14_12_invalid_items(api: Api) -> None:
    api.save({"title": "x", "uid": "d"})
    both = api.post(
        "/api/dashboards/uid/d/permissions",
        json={"items": [{"userId": 1, "teamId": 2, "permission": 1}]},
    )
    # Grafana's two messages are swapped in its source; they are sent as they are.
    assert (both.status_code, both.json()) == (
        400,
        {"message": "team and user permissions cannot have an associated role"},
    )
    with_role = api.post(
        "/api/dashboards/uid/d/permissions",
        json={"items": [{"userId": 1, "role": "Viewer", "permission": 1}]},
    )
    assert with_role.json() == {"message": "permissions cannot have both a user and team"}
    ghost = api.post(
        "/api/dashboards/uid/d/permissions", json={"items": [{"userId": 999, "permission": 1}]}
    )
    assert (ghost.status_code, ghost.json()) == (500, {"message": "Failed to update permissions"})
    typed = api.post("/api/dashboards/uid/d/permissions", json={"items": [{"permission": "View"}]})
    assert (typed.status_code, typed.json()) == (400, {"message": "bad request data"})


def test_s14_12_folder_permissions(api: Api) -> None:
    api.post("/api/folders", json={"uid": "f", "title": "F"})
    listed = api.get("/api/folders/f/permissions").json()
    assert {e.get("role") for e in listed} == {None, "Editor", "Viewer"}
    # A root folder's items name the folder by id; folderUid is its parent's (none here).
    folder_id = api.get("/api/folders/f").json()["id"]
    assert all(e["isFolder"] and e["folderId"] == folder_id for e in listed)
    assert all("folderUid" not in e and "dashboardId" not in e for e in listed)
    items = [{"role": "Viewer", "permission": 1}]
    updated = api.post("/api/folders/f/permissions", json={"items": items})
    assert (updated.status_code, updated.json()) == (200, {"message": "Folder permissions updated"})
    editor = user_token(api, "Editor")
    refused = api.save({"title": "in f", "uid": "x"}, body={"folderUid": "f"}, token=editor)
    assert (refused.status_code, refused.json()) == (
        403,
        {"message": "Access denied to save dashboard"},
    )
    missing = api.get("/api/folders/nope/permissions")
    assert (missing.status_code, missing.json()) == (
        404,
        {"status": "not-found", "message": "folder not found"},
    )

"""Contract §5: folders."""

from __future__ import annotations

from emulator_api import Api

FOLDER_DTO_KEYS = {
    "id", "uid", "orgId", "title", "url", "hasAcl", "canSave", "canEdit", "canAdmin",
    "canDelete", "createdBy", "created", "updatedBy", "updated", "version",
}  # fmt: skip


def test_s5_create_200_folder_dto(api: Api) -> None:
    response = api.post("/api/folders", json={"uid": "ops", "title": "Ops"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= FOLDER_DTO_KEYS
    assert (body["uid"], body["title"], body["url"]) == ("ops", "Ops", "/dashboards/f/ops/ops")
    assert "parentUid" not in body


def test_s5_create_without_uid_generates_one(api: Api) -> None:
    assert api.post("/api/folders", json={"title": "Ops"}).json()["uid"]


def test_s5_get_and_list(api: Api) -> None:
    api.post("/api/folders", json={"uid": "b", "title": "Beta"})
    api.post("/api/folders", json={"uid": "a", "title": "alpha"})
    assert api.get("/api/folders/b").json()["title"] == "Beta"
    assert api.get("/api/folders").json() == [
        {"id": 2, "uid": "a", "title": "alpha"},
        {"id": 1, "uid": "b", "title": "Beta"},
    ]


def test_s5_bad_json_400(api: Api) -> None:
    response = api.post("/api/folders", content=b"[")
    assert response.status_code == 400
    assert response.json() == {"message": "bad request data"}


def test_s5_empty_title_400(api: Api) -> None:
    response = api.post("/api/folders", json={"title": " "})
    assert response.status_code == 400
    assert response.json() == {"message": "folder title cannot be empty"}


def test_s5_invalid_and_long_uid_400(api: Api) -> None:
    bad = api.post("/api/folders", json={"title": "x", "uid": "a b"})
    assert (bad.status_code, bad.json()) == (400, {"message": "uid contains illegal characters"})
    long = api.post("/api/folders", json={"title": "x", "uid": "a" * 41})
    assert (long.status_code, long.json()) == (400, {"message": "uid too long, max 40 characters"})


def test_s5_uid_conflict_409(api: Api) -> None:
    api.post("/api/folders", json={"uid": "ops", "title": "Ops"})
    api.emulator.save_dashboard(1, {"title": "d", "uid": "dash"})
    for uid in ("ops", "dash"):
        response = api.post("/api/folders", json={"uid": uid, "title": f"Other {uid}"})
        assert response.status_code == 409
        assert response.json() == {"message": "a folder/dashboard with the same uid already exists"}


def test_s5_same_title_in_general_409_in_11_2(api112: Api) -> None:
    api112.post("/api/folders", json={"title": "Ops"})
    response = api112.post("/api/folders", json={"title": "Ops"})
    assert response.status_code == 409
    assert response.json() == {
        "message": "a folder or dashboard in the general folder with the same name already exists"
    }


def test_s5_same_title_allowed_in_12_0(api: Api) -> None:
    api.post("/api/folders", json={"title": "Ops"})
    assert api.post("/api/folders", json={"title": "Ops"}).status_code == 200


def test_s5_not_found_404(api: Api) -> None:
    for response in (api.get("/api/folders/nope"), api.delete("/api/folders/nope")):
        assert response.status_code == 404
        assert response.json() == {"status": "not-found", "message": "folder not found"}


def test_s5_delete_200_removes_contents(api: Api) -> None:
    api.post("/api/folders", json={"uid": "ops", "title": "Ops"})
    api.emulator.save_dashboard(1, {"title": "in", "uid": "in"}, folder_uid="ops")
    response = api.delete("/api/folders/ops")
    assert response.status_code == 200
    assert response.json() == {"message": "Folder deleted"}
    assert api.emulator.dashboard(1, "in") is None
    assert api.get("/api/folders/ops").status_code == 404


def test_s5_nested_folder_parent_uid(api: Api) -> None:
    api.post("/api/folders", json={"uid": "top", "title": "Top"})
    child = api.post("/api/folders", json={"uid": "kid", "title": "Kid", "parentUid": "top"})
    assert child.json()["parentUid"] == "top"
    assert [f["uid"] for f in api.get("/api/folders").json()] == ["top"]
    nested = api.get("/api/folders", params={"parentUid": "top"}).json()
    assert nested == [{"id": 2, "uid": "kid", "title": "Kid", "parentUid": "top"}]


def test_s5_roles_viewer_403_editor_ok(api: Api) -> None:
    viewer = api.emulator.create_service_account_token(1, role="Viewer", name="v")
    editor = api.emulator.create_service_account_token(1, role="Editor", name="e")
    denied = api.post("/api/folders", json={"title": "x"}, token=viewer)
    assert denied.status_code == 403 and "folders:create" in denied.json()["message"]
    assert api.post("/api/folders", json={"title": "x"}, token=editor).status_code == 200
    assert api.get("/api/folders", token=viewer).status_code == 200


def test_s5_put_updates_title_and_version(api: Api) -> None:
    api.post("/api/folders", json={"uid": "ops", "title": "Ops"})
    response = api.call("PUT", "/api/folders/ops", json={"title": "Operations", "version": 1})
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["version"]) == ("Operations", 2)


def test_s5_put_stale_version_412(api: Api) -> None:
    api.post("/api/folders", json={"uid": "ops", "title": "Ops"})
    response = api.call("PUT", "/api/folders/ops", json={"title": "x", "version": 5})
    assert response.status_code == 412
    assert response.json() == {
        "status": "version-mismatch",
        "message": "the folder has been changed by someone else",
    }


def test_s5_descendant_counts(api: Api) -> None:
    api.post("/api/folders", json={"uid": "top", "title": "Top"})
    api.post("/api/folders", json={"uid": "mid", "title": "Mid", "parentUid": "top"})
    api.post("/api/folders", json={"uid": "other", "title": "Other"})
    api.save({"title": "a", "uid": "a"}, body={"folderUid": "top"})
    api.save({"title": "b", "uid": "b"}, body={"folderUid": "mid"})
    api.save({"title": "c", "uid": "c"}, body={"folderUid": "other"})
    api.emulator.create_library_panel(1, "lib", "Lib", {"type": "text"}, folder_uid="mid")

    top = api.get("/api/folders/top/counts")
    empty = api.post("/api/folders", json={"uid": "empty", "title": "Empty"})

    assert top.status_code == 200
    assert top.json() == {"folder": 1, "dashboard": 2, "librarypanel": 1, "alertrule": 0}
    assert empty.status_code == 200
    assert api.get("/api/folders/empty/counts").json() == {
        "folder": 0, "dashboard": 0, "librarypanel": 0, "alertrule": 0
    }  # fmt: skip
    assert api.get("/api/folders/missing/counts").status_code == 404

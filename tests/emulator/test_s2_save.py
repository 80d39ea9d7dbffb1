"""Contract §2: POST /api/dashboards/db, one test per table row and versioning rule."""

from __future__ import annotations

import pytest
from emulator_api import Api


def editor_token(api: Api, org: int = 1) -> str:
    return api.emulator.create_service_account_token(org, role="Editor", name="editor")


def test_s2_create_success_body(api: Api) -> None:
    response = api.save({"title": "CPU", "uid": "cpu"}, body={"message": "hello"})
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "slug": "cpu",
        "version": 1,
        "id": response.json()["id"],
        "uid": "cpu",
        "url": "/d/cpu/cpu",
        "folderUid": "",
    }
    assert api.emulator.versions(1, "cpu")[0].message == "hello"


def test_s2_create_without_uid_generates_one(api: Api) -> None:
    uid = api.save({"title": "No uid"}).json()["uid"]
    assert uid and api.emulator.dashboard(1, uid) is not None


def test_s2_bad_json_400(api: Api) -> None:
    response = api.post("/api/dashboards/db", content=b"{nope")
    assert response.status_code == 400
    assert response.json() == {"message": "bad request data"}


def test_s2_is_folder_400(api: Api) -> None:
    response = api.save({"title": "x"}, body={"isFolder": True})
    assert response.status_code == 400
    assert response.json() == {"message": "Use folders endpoint for saving folders."}


@pytest.mark.parametrize("title", ["", "   ", None])
def test_s2_empty_title_400(api: Api, title: str | None) -> None:
    response = api.save({"title": title, "uid": "t"})
    assert response.status_code == 400
    assert response.json() == {"status": "empty-name", "message": "Dashboard title cannot be empty"}


def test_s2_title_too_long_400(api: Api) -> None:
    response = api.save({"title": "x" * 5001})
    assert response.status_code == 400
    assert response.json()["status"] == "title-too-long"
    assert response.json()["message"] == "Dashboard title cannot contain more than 5 000 characters"


def test_s2_message_too_long_400(api: Api) -> None:
    response = api.save({"title": "x"}, body={"message": "m" * 501})
    assert response.status_code == 400
    assert response.json() == {"message": "message too long, max 500 characters"}


def test_s2_uid_illegal_characters_400(api: Api) -> None:
    response = api.save({"title": "x", "uid": "a/b c"})
    assert response.status_code == 400
    assert response.json() == {"message": "uid contains illegal characters"}


def test_s2_uid_too_long_400(api: Api) -> None:
    response = api.save({"title": "x", "uid": "a" * 41})
    assert response.status_code == 400
    assert response.json() == {"message": "uid too long, max 40 characters"}
    assert api.save({"title": "x", "uid": "a" * 40}).status_code == 200


def test_s2_unknown_id_404(api: Api) -> None:
    response = api.save({"title": "x", "id": 999})
    assert response.status_code == 404
    assert response.json() == {"status": "not-found", "message": "Dashboard not found"}


def test_s2_id_and_uid_name_different_dashboards_400(api: Api) -> None:
    first = api.save({"title": "one", "uid": "one"}).json()
    api.save({"title": "two", "uid": "two"})
    response = api.save({"title": "one", "uid": "two", "id": first["id"], "version": 1})
    assert response.status_code == 400
    assert response.json() == {"message": "A dashboard with the same uid already exists"}


def test_s2_version_mismatch_412(api: Api) -> None:
    api.save({"title": "x", "uid": "v"})
    api.save({"title": "x", "uid": "v", "version": 1})
    response = api.save({"title": "x", "uid": "v", "version": 1})
    assert response.status_code == 412
    assert response.json() == {
        "status": "version-mismatch",
        "message": "The dashboard has been changed by someone else",
    }


def test_s2_missing_version_on_update_is_stale_412(api: Api) -> None:
    api.save({"title": "x", "uid": "v"})
    assert api.save({"title": "x", "uid": "v"}).status_code == 412


def test_s2_overwrite_skips_version_check(api: Api) -> None:
    api.save({"title": "x", "uid": "v"})
    response = api.save({"title": "x", "uid": "v", "version": 7}, body={"overwrite": True})
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_s2_unchanged_repost_adds_a_version(api: Api) -> None:
    for version in (None, 1, 2):
        body = {"title": "same", "uid": "same"} | ({"version": version} if version else {})
        assert api.save(body).status_code == 200
    assert [r.version for r in api.emulator.versions(1, "same")] == [1, 2, 3]
    assert [r.parent_version for r in api.emulator.versions(1, "same")] == [0, 1, 2]


def test_s2_name_exists_412_in_11_2(api112: Api) -> None:
    api112.save({"title": "Same Name", "uid": "a"})
    response = api112.save({"title": "Same Name", "uid": "b"})
    assert response.status_code == 412
    assert response.json() == {
        "status": "name-exists",
        "message": "A dashboard with the same name in the folder already exists",
    }


def test_s2_name_exists_overwrite_takes_over_in_11_2(api112: Api) -> None:
    first = api112.save({"title": "Same Name", "uid": "a"}).json()
    response = api112.save({"title": "Same Name"}, body={"overwrite": True})
    assert response.status_code == 200
    assert (response.json()["uid"], response.json()["version"]) == (first["uid"], 2)


def test_s2_same_title_allowed_in_12_0(api: Api) -> None:
    api.save({"title": "Same Name", "uid": "a"})
    assert api.save({"title": "Same Name", "uid": "b"}).status_code == 200


def test_s2_same_title_in_other_folder_allowed_in_11_2(api112: Api) -> None:
    folder = api112.emulator.create_folder(1, "Team")
    api112.save({"title": "Same Name", "uid": "a"})
    response = api112.save({"title": "Same Name", "uid": "b"}, body={"folderUid": folder})
    assert response.status_code == 200
    assert api112.emulator.dashboard(1, "b").folder_uid == folder


def test_s2_title_equals_root_folder_400_in_11_2(api112: Api) -> None:
    api112.emulator.create_folder(1, "Ops")
    response = api112.save({"title": "Ops", "uid": "ops-dash"})
    assert response.status_code == 400
    assert response.json() == {"message": "Dashboard name cannot be the same as folder"}


def test_s2_existing_row_is_a_folder_400(api: Api) -> None:
    api.emulator.create_folder(1, "F", uid="shared")
    response = api.save({"title": "x", "uid": "shared"})
    assert response.status_code == 400
    assert response.json() == {"message": "Dashboard cannot be changed to a folder"}


def test_s2_folder_uid_not_found_400(api: Api) -> None:
    response = api.save({"title": "x"}, body={"folderUid": "missing"})
    assert response.status_code == 400
    assert response.json() == {"message": "folder not found"}


def test_s2_folder_id_not_found_404(api: Api) -> None:
    response = api.save({"title": "x"}, body={"folderId": 4242})
    assert response.status_code == 404
    assert response.json() == {"message": "Folder not found"}


def test_s2_folder_uid_places_dashboard(api: Api) -> None:
    folder = api.emulator.create_folder(1, "Team", uid="team")
    response = api.save({"title": "x", "uid": "d"}, body={"folderUid": folder})
    assert response.json()["folderUid"] == "team"
    assert api.emulator.dashboard(1, "d").folder_uid == "team"


def test_s2_omitting_folder_on_update_moves_to_general(api: Api) -> None:
    api.save({"title": "x", "uid": "d"}, body={"folderUid": api.emulator.create_folder(1, "T")})
    response = api.save({"title": "x", "uid": "d", "version": 1})
    assert response.json()["folderUid"] == ""
    assert api.emulator.dashboard(1, "d").folder_uid is None


def test_s2_viewer_token_403_rbac(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Viewer")
    response = api.save({"title": "x"}, token=token)
    assert response.status_code == 403
    body = response.json()
    assert body["title"] == "Access denied"
    assert body["message"].endswith(
        "Permissions needed: any of dashboards:create, dashboards:write"
    )
    assert body["accessErrorId"].startswith("ACE") and len(body["accessErrorId"]) == 13


def test_s2_editor_token_can_save(api: Api) -> None:
    assert api.save({"title": "x"}, token=editor_token(api)).status_code == 200


def test_s2_legacy_editor_key_can_save(api112: Api) -> None:
    key = api112.emulator.create_api_key(1, role="Editor")
    assert api112.save({"title": "x", "uid": "k"}, token=key).status_code == 200
    assert api112.emulator.versions(1, "k")[0].created_by == "Anonymous"


def test_s2_missing_credentials_401(api: Api) -> None:
    assert api.save({"title": "x"}, user=None).status_code == 401


def test_s2_same_uid_in_two_orgs_is_two_dashboards(api: Api) -> None:
    other = api.emulator.create_org("second")
    first = api.save({"title": "A", "uid": "same"}, token=editor_token(api, 1)).json()
    second = api.save({"title": "B", "uid": "same"}, token=editor_token(api, other)).json()
    assert first["id"] != second["id"]
    assert api.emulator.dashboard(1, "same")["title"] == "A"
    assert api.emulator.dashboard(other, "same")["title"] == "B"


def test_s2_id_only_update_keeps_uid(api: Api) -> None:
    saved = api.save({"title": "x", "uid": "keep"}).json()
    response = api.save({"title": "y", "id": saved["id"], "version": 1})
    assert response.json()["uid"] == "keep"


def test_s2_id_with_unused_uid_renames_in_11_2(api112: Api) -> None:
    saved = api112.save({"title": "x", "uid": "old"}).json()
    response = api112.save({"title": "x", "uid": "new", "id": saved["id"], "version": 1})
    assert (response.json()["id"], response.json()["uid"]) == (saved["id"], "new")
    assert api112.emulator.dashboard(1, "old") is None


def test_s2_id_with_unused_uid_creates_in_12_0_unconfirmed(api: Api) -> None:
    saved = api.save({"title": "x", "uid": "old"}).json()
    response = api.save({"title": "x", "uid": "new", "id": saved["id"], "version": 1})
    assert response.json()["id"] != saved["id"]
    assert api.emulator.dashboard(1, "old") is not None


def test_s2_saved_model_carries_server_fields(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Editor", name="pub")
    api.save({"title": "x", "uid": "m", "id": None, "version": 99, "tags": ["a"]}, token=token)
    stored = api.emulator.dashboard(1, "m")
    assert stored.data["version"] == 1 and stored.data["id"] == stored.id
    assert stored.data["tags"] == ["a"]
    assert (stored.created_by, stored.updated_by) == ("sa-1-pub", "sa-1-pub")

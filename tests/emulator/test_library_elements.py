"""GET /api/library-elements/:uid, as Grafana's library element API documents it."""

from __future__ import annotations

import hashlib

from emulator_api import Api, MakeApi, user_token

MODEL = {"type": "stat", "title": "Total cost", "targets": [{"refId": "A"}]}


def test_library_element_found_answers_result_with_model_and_meta(api: Api) -> None:
    folder = api.emulator.create_folder(1, "Shared", uid="shared")
    api.emulator.create_library_panel(1, "cost", "Total cost", MODEL, folder_uid=folder)
    token = api.emulator.create_service_account_token(1, role="Viewer", name="reader")
    response = api.get("/api/library-elements/cost", token=token)
    assert response.status_code == 200
    result = response.json()["result"]
    assert (result["uid"], result["name"], result["kind"], result["type"]) == (
        "cost",
        "Total cost",
        1,
        "stat",
    )
    assert result["model"]["targets"] == MODEL["targets"]
    assert result["model"]["libraryPanel"] == {"uid": "cost", "name": "Total cost"}
    assert result["folderUid"] == "shared" and result["meta"]["folderName"] == "Shared"
    assert result["version"] == 1 and result["orgId"] == 1


def test_library_element_missing_is_404_with_grafanas_message(api: Api) -> None:
    response = api.get("/api/library-elements/nope")
    assert response.status_code == 404
    assert response.json() == {"message": "library element could not be found"}


def test_library_element_of_another_org_is_not_found(api: Api) -> None:
    other = api.emulator.create_org("other")
    api.emulator.create_library_panel(other, "theirs", "Theirs", MODEL)
    token = api.emulator.create_service_account_token(1, role="Admin", name="main")
    assert api.get("/api/library-elements/theirs", token=token).status_code == 404
    their_token = api.emulator.create_service_account_token(other, role="Viewer", name="o")
    assert api.get("/api/library-elements/theirs", token=their_token).status_code == 200


def test_library_element_needs_credentials(api: Api) -> None:
    api.emulator.create_library_panel(1, "cost", "Total cost", MODEL)
    assert api.get("/api/library-elements/cost", user=None).status_code == 401


def test_library_element_general_folder_meta(api: Api) -> None:
    api.emulator.create_library_panel(1, "cost", "Total cost", MODEL)
    result = api.get("/api/library-elements/cost").json()["result"]
    assert result["folderUid"] == "" and result["meta"]["folderName"] == "General"


# -- a classic save connects the library panels it shows (postDashboard, after the store) --

LINKED = {"id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}}


def _linked(uid: str, *, in_row: bool = False) -> dict:
    panel = {**LINKED, "libraryPanel": {"uid": uid, "name": "Total cost"}}
    if in_row:
        panel = {"id": 2, "type": "row", "collapsed": True, "panels": [panel], "gridPos": {}}
    return {"uid": "with-lib", "title": "With a library panel", "panels": [panel]}


def test_save_showing_an_existing_library_panel_is_200(api: Api) -> None:
    api.emulator.create_library_panel(1, "cost", "Total cost", MODEL)
    assert api.save(_linked("cost")).status_code == 200
    assert api.save(_linked("cost", in_row=True), body={"overwrite": True}).status_code == 200


def test_save_showing_a_missing_library_panel_is_500_but_stored(make_api: MakeApi) -> None:
    for version in ("11.2", "12.0", "13.0"):
        api = make_api(version)
        for in_row in (False, True):
            response = api.save(_linked("nope", in_row=in_row), body={"overwrite": True})
            assert response.status_code == 500, (version, response.text)
            assert response.json() == {"message": "Error while connecting library panels"}
            assert api.emulator.dashboard(1, "with-lib") is not None


def test_library_panel_header_without_uid_is_500(api: Api) -> None:
    dashboard = _linked("x")
    dashboard["panels"][0]["libraryPanel"] = {"name": "no uid"}
    assert api.save(dashboard).status_code == 500


def test_library_element_meta_names_its_saver_by_id_login_and_avatar(api: Api) -> None:
    """``LibraryElementDTOMetaUser`` as grafana-backup saves it: the creator's user id,
    login and ``GetGravatarUrl(email)`` (a service account's email is its login)."""
    token = user_token(api, "Editor", name="lib")
    body = {"name": "CPU", "kind": 1, "uid": "cpu", "model": {"type": "timeseries"}}
    made = api.post("/api/library-elements", json=body, token=token).json()["result"]
    sa_id = int(api.get("/api/user", token=token).json()["uid"].split(":")[1])
    avatar = "/avatar/" + hashlib.md5(b"sa-1-lib").hexdigest()
    assert made["meta"]["createdBy"] == {"id": sa_id, "name": "sa-1-lib", "avatarUrl": avatar}
    patched = api.patch("/api/library-elements/cpu", json={**body, "version": 1, "kind": 1})
    editor = patched.json()["result"]["meta"]["updatedBy"]
    admin_avatar = "/avatar/" + hashlib.md5(b"admin@localhost").hexdigest()
    assert editor == {"id": 1, "name": "admin", "avatarUrl": admin_avatar}
    listed = api.get("/api/library-elements").json()["result"]["elements"][0]["meta"]
    assert listed["createdBy"]["id"] == sa_id

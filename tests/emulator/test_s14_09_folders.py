"""Contract §14.9: PUT without title, the nesting limit, reserved uids, trimmed uids,
``parents`` on nested folders; and POST /api/folders/:uid/move (§14.12)."""

from __future__ import annotations

import pytest
from emulator_api import Api, user_token

DEPTH_REACHED = {
    "messageId": "folder.maximum-depth-reached",
    "message": "Maximum nested folder depth reached",
}


def make(api: Api, uid: str, parent: str = "", title: str | None = None) -> dict:
    body = {"uid": uid, "title": title or uid.upper(), "parentUid": parent}
    response = api.post("/api/folders", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_s14_9_put_without_title_keeps_it(api: Api) -> None:
    make(api, "f", title="Team")
    response = api.put("/api/folders/f", json={"description": "ours", "version": 1})
    assert response.status_code == 200, response.text
    assert (response.json()["title"], response.json()["version"]) == ("Team", 2)
    assert api.emulator.state.folder(1, "f").description == "ours"


def test_s14_9_put_can_change_only_the_uid(api: Api) -> None:
    make(api, "old", title="Team")
    api.save({"title": "inside", "uid": "d"}, body={"folderUid": "old"})
    response = api.put("/api/folders/old", json={"uid": "new", "version": 1})
    assert (response.status_code, response.json()["uid"]) == (200, "new")
    assert api.get("/api/folders/old").status_code == 404
    assert api.get("/api/dashboards/uid/d").json()["meta"]["folderUid"] == "new"


def test_s14_9_put_with_a_blank_title_is_400(api: Api) -> None:
    make(api, "f")
    response = api.put("/api/folders/f", json={"title": "   ", "version": 1})
    assert (response.status_code, response.json()) == (
        400,
        {"message": "folder title cannot be empty"},
    )


def test_s14_9_nesting_stops_below_four_levels(api: Api) -> None:
    parent = ""
    for level in range(1, 5):
        make(api, f"l{level}", parent)
        parent = f"l{level}"
    response = api.post("/api/folders", json={"uid": "l5", "title": "L5", "parentUid": "l4"})
    assert (response.status_code, response.json()) == (400, DEPTH_REACHED)


@pytest.mark.parametrize("uid", ["general", "sharedwithme", "  general "])
def test_s14_9_reserved_uids_are_400(api: Api, uid: str) -> None:
    response = api.post("/api/folders", json={"uid": uid, "title": "x"})
    assert (response.status_code, response.json()) == (
        400,
        {"message": "invalid uid for folder provided"},
    )


def test_s14_9_a_padded_uid_is_trimmed(api: Api) -> None:
    created = api.post("/api/folders", json={"uid": "  team  ", "title": "Team"}).json()
    assert created["uid"] == "team"
    assert api.get("/api/folders/team").status_code == 200


def test_s14_9_nested_folders_carry_their_parents(api: Api) -> None:
    make(api, "top", title="Top")
    make(api, "mid", "top", title="Mid")
    leaf = make(api, "leaf", "mid", title="Leaf")
    assert [p["uid"] for p in leaf["parents"]] == ["top", "mid"]
    fetched = api.get("/api/folders/leaf").json()
    assert [(p["uid"], p["title"]) for p in fetched["parents"]] == [("top", "Top"), ("mid", "Mid")]
    assert "parents" not in api.get("/api/folders/top").json()


def test_s14_12_move_under_another_folder_and_back_to_the_root(api: Api) -> None:
    make(api, "a")
    make(api, "b")
    moved = api.post("/api/folders/b/move", json={"parentUid": "a"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["parentUid"] == "a"
    assert [p["uid"] for p in moved.json()["parents"]] == ["a"]
    back = api.post("/api/folders/b/move", json={"parentUid": ""}).json()
    assert "parentUid" not in back


def test_s14_12_move_into_its_own_subtree_is_400(api: Api) -> None:
    make(api, "a")
    make(api, "child", "a")
    response = api.post("/api/folders/a/move", json={"parentUid": "child"})
    assert response.status_code == 400
    assert response.json()["messageId"] == "folder.circular-reference"


def test_s14_12_move_that_makes_the_tree_too_deep_is_400(api: Api) -> None:
    make(api, "x1")
    make(api, "x2", "x1")
    make(api, "x3", "x2")
    make(api, "y1")
    make(api, "y2", "y1")
    response = api.post("/api/folders/y1/move", json={"parentUid": "x3"})  # y2 at level 5
    assert (response.status_code, response.json()) == (400, DEPTH_REACHED)


def test_s14_12_move_needs_edit_on_the_target(api: Api) -> None:
    make(api, "a")
    make(api, "locked")
    api.post("/api/folders/locked/permissions", json={"items": []})  # only Admins now
    editor = user_token(api, "Editor")
    denied = api.post("/api/folders/a/move", json={"parentUid": "locked"}, token=editor)
    assert (denied.status_code, denied.json()) == (403, {"message": "Access denied"})
    missing = api.post("/api/folders/a/move", json={"parentUid": "nowhere"})
    assert missing.status_code == 404

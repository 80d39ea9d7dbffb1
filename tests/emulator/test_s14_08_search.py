"""Contract §14.8: dashboardIds, folderIds, starred, permission and deleted all filter; an
explicit sort does not move folders first."""

from __future__ import annotations

import pytest
from emulator_api import Api, user_token


@pytest.fixture
def library(api: Api) -> dict[str, int]:
    """Folder "Zeta" (with dashboard "In folder") and root dashboards "Alpha", "beta"."""
    ids = {"Zeta": api.post("/api/folders", json={"title": "Zeta", "uid": "zeta"}).json()["id"]}
    for title, uid, folder in (("Alpha", "a", ""), ("beta", "b", ""), ("In folder", "f", "zeta")):
        ids[title] = api.save({"title": title, "uid": uid}, body={"folderUid": folder}).json()["id"]
    return ids


def titles(response_json: list[dict]) -> list[str]:
    return [hit["title"] for hit in response_json]


def test_s14_8_dashboard_ids_filter(api: Api, library: dict[str, int]) -> None:
    params = [("dashboardIds", library["Alpha"]), ("dashboardIds", library["In folder"])]
    assert titles(api.get("/api/search", params=params).json()) == ["Alpha", "In folder"]


def test_s14_8_folder_ids_filter_and_0_is_general(api: Api, library: dict[str, int]) -> None:
    inside = api.get("/api/search", params={"folderIds": library["Zeta"]}).json()
    assert titles(inside) == ["In folder"]
    root = api.get("/api/search", params={"folderIds": 0, "type": "dash-db"}).json()
    assert titles(root) == ["Alpha", "beta"]


def test_s14_8_ids_and_uids_together_are_400(api: Api, library: dict[str, int]) -> None:
    params = {"dashboardIds": library["Alpha"], "dashboardUIDs": "a"}
    response = api.get("/api/search", params=params)
    assert (response.status_code, response.json()) == (
        400,
        {"message": "search supports UIDs or IDs, not both"},
    )


def test_s14_8_starred_filters_to_the_callers_stars(api: Api, library: dict[str, int]) -> None:
    starred = api.post("/api/user/stars/dashboard/uid/b")
    assert (starred.status_code, starred.json()) == (200, {"message": "Dashboard starred!"})
    hits = api.get("/api/search", params={"starred": "true"}).json()
    assert titles(hits) == ["beta"] and hits[0]["isStarred"] is True
    assert api.get("/api/dashboards/uid/b").json()["meta"]["isStarred"] is True
    other = user_token(api, "Viewer")
    assert api.get("/api/search", params={"starred": "true"}, token=other).json() == []
    api.delete("/api/user/stars/dashboard/uid/b")
    assert api.get("/api/search", params={"starred": "true"}).json() == []


def test_s14_8_permission_edit_filters_to_what_the_caller_may_edit(
    api: Api, library: dict[str, int]
) -> None:
    viewer = user_token(api, "Viewer")
    everything = api.get("/api/search", token=viewer).json()
    assert titles(everything) == ["Zeta", "Alpha", "beta", "In folder"]
    assert api.get("/api/search", params={"permission": "Edit"}, token=viewer).json() == []
    viewer_id = api.get("/api/user", token=viewer).json()["uid"].split(":")[1]
    items = [{"userId": int(viewer_id), "permission": 2}, {"role": "Viewer", "permission": 1}]
    api.post("/api/dashboards/uid/b/permissions", json={"items": items})
    editable = api.get("/api/search", params={"permission": "Edit"}, token=viewer).json()
    assert titles(editable) == ["beta"]


def test_s14_8_deleted_needs_an_org_admin(api: Api, library: dict[str, int]) -> None:
    editor = user_token(api, "Editor")
    denied = api.get("/api/search", params={"deleted": "true"}, token=editor)
    assert (denied.status_code, denied.json()) == (401, {"message": "Unauthorized"})
    # Nothing is ever in "Recently deleted" here: deleted=true lists nothing.
    assert api.get("/api/search", params={"deleted": "true"}).json() == []


def test_s14_8_default_order_puts_folders_first(api: Api, library: dict[str, int]) -> None:
    assert titles(api.get("/api/search").json()) == ["Zeta", "Alpha", "beta", "In folder"]


def test_s14_8_an_explicit_sort_does_not(api: Api, library: dict[str, int]) -> None:
    ascending = api.get("/api/search", params={"sort": "alpha-asc"}).json()
    assert titles(ascending) == ["Alpha", "beta", "In folder", "Zeta"]
    descending = api.get("/api/search", params={"sort": "alpha-desc"}).json()
    assert titles(descending) == ["Zeta", "In folder", "beta", "Alpha"]

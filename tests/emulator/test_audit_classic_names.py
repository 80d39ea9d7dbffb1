"""≤11.2 name uniqueness as the legacy SQL store checks it (grafana-api.md §2, §11):
``getExistingDashboardByTitleAndFolder`` looks for ``slug=? AND (is_folder OR folder_id=?)``,
so a same-slug folder in General blocks a dashboard wherever it is saved, and an overwrite
takes over the same-named dashboard with its id, uid and version."""

from __future__ import annotations

from emulator_api import Api

SAME_AS_FOLDER = {"message": "Dashboard name cannot be the same as folder"}


def test_dashboard_inside_folder_of_same_title_400_in_11_2(api112: Api) -> None:
    folder = api112.emulator.create_folder(1, "Kubernetes")
    response = api112.save({"title": "Kubernetes", "uid": "k8s"}, body={"folderUid": folder})
    assert response.status_code == 400
    assert response.json() == SAME_AS_FOLDER
    assert api112.emulator.dashboard(1, "k8s") is None


def test_root_folder_title_blocks_saves_into_any_folder_in_11_2(api112: Api) -> None:
    team = api112.emulator.create_folder(1, "Team")
    api112.post("/api/folders", json={"title": "Sub", "parentUid": team})
    api112.emulator.create_folder(1, "Network")
    for folder_uid in ("", team):
        response = api112.save({"title": "network"}, body={"folderUid": folder_uid})
        assert (response.status_code, response.json()) == (400, SAME_AS_FOLDER)
    # a nested folder is not "a folder in General" (the contract's row)
    assert api112.save({"title": "Sub"}).status_code == 200


def test_dashboard_titled_like_a_folder_allowed_in_12_0(api: Api) -> None:
    folder = api.emulator.create_folder(1, "Kubernetes")
    response = api.save({"title": "Kubernetes", "uid": "k8s"}, body={"folderUid": folder})
    assert response.status_code == 200


def test_overwrite_takeover_keeps_the_taken_dashboards_uid_in_11_2(api112: Api) -> None:
    taken = api112.save({"title": "Same Name", "uid": "taken"}).json()
    response = api112.save({"title": "Same Name", "uid": "newcomer"}, body={"overwrite": True})
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["uid"], body["version"]) == (taken["id"], "taken", 2)
    assert api112.emulator.dashboard(1, "newcomer") is None
    assert api112.get("/api/dashboards/uid/taken").json()["dashboard"]["uid"] == "taken"


def test_overwrite_takeover_leaves_the_dashboard_named_by_uid_alone_in_11_2(api112: Api) -> None:
    api112.save({"title": "Other", "uid": "other"})
    api112.save({"title": "Same Name", "uid": "taken"})
    response = api112.save(
        {"title": "Same Name", "uid": "other", "version": 1}, body={"overwrite": True}
    )
    assert (response.status_code, response.json()["uid"]) == (200, "taken")
    other = api112.emulator.dashboard(1, "other")
    assert other is not None and (other.title, other.version) == ("Other", 1)
    assert api112.emulator.dashboard(1, "taken").version == 2

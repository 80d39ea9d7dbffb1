"""grafana-client, unchanged, against the real HTTP emulator: folders, dashboards, versions
and restores, permissions, stars, tags and search (see test_third_party_clients.py)."""

from __future__ import annotations

import pytest
from grafana_client.client import GrafanaClientError
from third_party_support import Clients, as_user, failure


def test_folders_create_nest_get_update_move_delete(clients: Clients) -> None:
    api, emulator = clients()
    ops = api.folder.create_folder("Ops", uid="ops")
    sub = api.folder.create_folder("Sub", uid="sub", parent_uid="ops")
    assert sub["parentUid"] == "ops" and [p["uid"] for p in sub["parents"]] == ["ops"]
    assert [f["uid"] for f in api.folder.get_all_folders()] == ["ops"]
    assert api.folder.get_all_folders(parent_uid="ops") == [
        {"id": sub["id"], "uid": "sub", "title": "Sub", "parentUid": "ops"}
    ]
    assert api.folder.get_folder("ops")["title"] == "Ops"
    assert api.folder.get_folder_by_id(ops["id"])["uid"] == "ops"
    missing = failure(lambda: api.folder.get_folder("nope"))
    assert missing.response == {"status": "not-found", "message": "folder not found"}

    renamed = api.folder.update_folder("ops", title="Operations", version=ops["version"])
    assert (renamed["title"], renamed["version"]) == ("Operations", 2)
    stale = failure(lambda: api.folder.update_folder("ops", title="Again", version=1))
    assert stale.status_code == 412 and stale.response["status"] == "version-mismatch"
    assert api.folder.update_folder("ops", title="Forced", overwrite=True)["version"] == 3

    moved = api.folder.move_folder("sub", None)  # {"parentUid": null}: to the root
    assert "parentUid" not in moved
    assert sorted(f["uid"] for f in api.folder.get_all_folders()) == ["ops", "sub"]
    api.dashboard.update_dashboard(
        {"dashboard": {"title": "In ops", "uid": "d"}, "folderUid": "ops"}
    )
    assert api.folder.delete_folder("ops") == {"message": "Folder deleted"}
    assert emulator.folder_uids(1) == ["sub"] and emulator.dashboard(1, "d") is None


def test_folder_permissions_decide_who_sees_it(clients: Clients) -> None:
    api, emulator = clients()
    emulator.create_user("viewer", "secret")
    api.folder.create_folder("Private", uid="private")
    before = {
        (p.get("role"), p["permissionName"]) for p in api.folder.get_folder_permissions("private")
    }
    assert ("Viewer", "View") in before
    answer = api.folder.update_folder_permissions(
        "private", {"items": [{"role": "Editor", "permission": 2}]}
    )
    assert answer == {"message": "Folder permissions updated"}
    viewer = as_user(api, "viewer", "secret")
    assert failure(lambda: viewer.folder.get_folder("private")).status_code == 403
    assert viewer.folder.get_all_folders() == []


@pytest.mark.parametrize(("version", "stale_status"), [("12.0", 412), ("13.0", 409)])
def test_dashboards_create_update_get_delete(
    clients: Clients, version: str, stale_status: int
) -> None:
    api, emulator = clients(version)
    api.folder.create_folder("Ops", uid="ops")
    body = {"dashboard": {"title": " CPU ", "uid": "cpu", "tags": ["a"]}, "folderUid": "ops"}
    created = api.dashboard.update_dashboard(body | {"message": "first"})
    assert (created["status"], created["version"], created["folderUid"]) == ("success", 1, "ops")
    updated = api.dashboard.update_dashboard(
        {"dashboard": {"title": "CPU", "uid": "cpu", "version": 1}, "folderUid": "ops"}
    )
    assert updated["version"] == 2
    stale = failure(
        lambda: api.dashboard.update_dashboard(
            {"dashboard": {"title": "CPU", "uid": "cpu", "version": 1}}
        )
    )
    assert isinstance(stale, GrafanaClientError) and stale.status_code == stale_status
    got = api.dashboard.get_dashboard("cpu")
    assert got["dashboard"]["title"] == "CPU" and got["meta"]["folderUid"] == "ops"
    assert emulator.dashboard(1, "cpu").version == 2
    deleted = api.dashboard.delete_dashboard("cpu")
    assert deleted == {"title": "CPU", "message": "Dashboard CPU deleted", "uid": "cpu"}
    assert failure(lambda: api.dashboard.get_dashboard("cpu")).status_code == 404


def test_versions_and_restores_by_uid_and_by_id(clients: Clients) -> None:
    api, emulator = clients()
    first = api.dashboard.update_dashboard(
        {"dashboard": {"title": "A", "uid": "a", "panels": []}, "message": "m1"}
    )
    api.dashboard.update_dashboard({"dashboard": {"title": "B", "uid": "a", "version": 1}})
    listed = api.dashboard_versions.get_dashboard_versions_by_uid("a")["versions"]
    assert [(v["version"], v["message"]) for v in listed] == [(2, ""), (1, "Initial save")]
    assert api.dashboard_versions.get_dashboard_version_by_uid("a", 1)["message"] == "m1"
    assert (
        api.dashboard_versions.get_dashboard_version_by_id(first["id"], 2)["data"]["title"] == "B"
    )

    restored = api.dashboard_versions.restore_dashboard_by_uid("a", 1)
    assert (restored["status"], restored["version"], restored["uid"]) == ("success", 3, "a")
    assert emulator.dashboard(1, "a").data["title"] == "A"
    newest = api.dashboard_versions.get_dashboard_versions_by_id(first["id"])["versions"][0]
    assert (newest["restoredFrom"], newest["message"]) == (1, "Restored from version 1")
    assert api.dashboard_versions.restore_dashboard_by_id(first["id"], 2)["version"] == 4
    assert emulator.dashboard(1, "a").data["title"] == "B"
    unknown = failure(lambda: api.dashboard_versions.restore_dashboard_by_uid("a", 99))
    assert unknown.response == {"message": "Dashboard version not found"}
    # The client sends limit/start as a GET *body*; Go's ParseForm reads no GET body, so
    # Grafana (and the emulator) answer every version.
    assert len(api.dashboard_versions.get_dashboard_versions_by_uid("a", limit=1)["versions"]) == 4


def test_dashboard_permissions_by_uid_and_by_id(clients: Clients) -> None:
    api, emulator = clients()
    emulator.create_user("viewer", "secret")
    saved = api.dashboard.update_dashboard({"dashboard": {"title": "Secret", "uid": "s"}})
    by_uid = api.dashboard.get_permissions_by_uid("s")
    assert by_uid == api.dashboard.get_permissions_by_id(saved["id"])
    assert {"Admin", "Edit", "View"} == {p["permissionName"] for p in by_uid}
    api.dashboard.update_permissions_by_id(saved["id"], [{"role": "Editor", "permission": 2}])
    assert [p.get("role") for p in api.dashboard.get_permissions_by_uid("s")] == ["Editor"]
    viewer = as_user(api, "viewer", "secret")
    assert failure(lambda: viewer.dashboard.get_dashboard("s")).status_code == 403
    assert viewer.search.search_dashboards() == []
    assert failure(lambda: api.dashboard.get_permissions_by_id(9999)).status_code == 404


def test_13_0_has_no_id_routes(clients: Clients) -> None:
    api, _ = clients("13.0")
    saved = api.dashboard.update_dashboard({"dashboard": {"title": "A"}})
    folder = api.folder.create_folder("F")
    assert (
        failure(
            lambda: api.dashboard_versions.get_dashboard_versions_by_id(saved["id"])
        ).status_code
        == 404
    )
    assert failure(lambda: api.dashboard.get_permissions_by_id(saved["id"])).status_code == 404
    assert failure(lambda: api.folder.get_folder_by_id(folder["id"])).status_code == 404
    assert api.dashboard_versions.restore_dashboard_by_uid(saved["uid"], 1)["version"] == 2


def test_stars_tags_and_search_filters(clients: Clients) -> None:
    api, _ = clients()
    ops = api.folder.create_folder("Ops", uid="ops")
    cpu = api.dashboard.update_dashboard(
        {"dashboard": {"title": "CPU", "uid": "cpu", "tags": ["a", "b"]}, "folderUid": "ops"}
    )
    for title in ("Disk", "Memory"):
        api.dashboard.update_dashboard({"dashboard": {"title": title, "tags": ["b"]}})
    assert api.dashboard.get_dashboards_tags() == [
        {"term": "a", "count": 1},
        {"term": "b", "count": 3},
    ]
    assert api.user.star_dashboard("cpu") == {"message": "Dashboard starred!"}
    # 12.x registers stars by uid only: the client's by-id form is an unknown route there.
    assert failure(lambda: api.user.star_dashboard(cpu["id"])).status_code == 404

    def titles(**filters: object) -> list[str]:
        return [hit["title"] for hit in api.search.search_dashboards(**filters)]

    assert titles() == ["Ops", "CPU", "Disk", "Memory"]  # folders first
    assert titles(query="cpu") == ["CPU"]
    assert titles(tag="b") == ["CPU", "Disk", "Memory"]
    assert titles(tag=["a", "b"]) == ["CPU"]
    assert titles(type_="dash-folder") == ["Ops"]
    assert titles(folder_uids=["ops"]) == ["CPU"]
    assert titles(folder_ids=[ops["id"]]) == ["CPU"]
    assert titles(folder_uids=["general"], type_="dash-db") == ["Disk", "Memory"]
    assert titles(dashboard_uids=["cpu"]) == ["CPU"]
    assert titles(dashboard_ids=[cpu["id"]]) == ["CPU"]
    assert titles(starred=True) == ["CPU"]
    hit = api.search.search_dashboards(query="CPU")[0]
    assert (hit["isStarred"], hit["folderUid"], hit["url"]) == (True, "ops", "/d/cpu/cpu")
    api.user.unstar_dashboard("cpu")
    assert titles(starred=True) == []
    pages = [titles(type_="dash-db", limit=2, page=page) for page in (1, 2, 3)]
    assert pages == [["CPU", "Disk"], ["Memory"], []]
    too_many = failure(lambda: api.search.search_dashboards(limit=5001))
    assert too_many.status_code == 422

"""Contract §3: GET and DELETE /api/dashboards/uid/:uid, plus the version-history API."""

from __future__ import annotations

from dataclasses import replace

from emulator_api import Api, MakeApi

from dashgen.testing import profile_for

META_KEYS = {
    "type", "canSave", "canEdit", "canAdmin", "canStar", "canDelete", "slug", "url",
    "expires", "created", "updated", "updatedBy", "createdBy", "version", "hasAcl", "isFolder",
    "folderId", "folderUid", "folderTitle", "folderUrl", "provisioned", "provisionedExternalId",
    "annotationsPermissions",
}  # fmt: skip


def test_s3_get_found_200_with_full_meta(api: Api) -> None:
    folder = api.emulator.create_folder(1, "Team", uid="team")
    token = api.emulator.create_service_account_token(1, role="Editor", name="pub")
    api.save({"title": "CPU", "uid": "cpu"}, token=token, body={"folderUid": folder})
    response = api.get("/api/dashboards/uid/cpu")
    assert response.status_code == 200
    body = response.json()
    assert body["dashboard"]["uid"] == "cpu" and body["dashboard"]["version"] == 1
    assert body["dashboard"]["id"] == body["meta"]["folderId"] + 1
    assert set(body["meta"]) >= META_KEYS
    meta = body["meta"]
    assert (meta["folderUid"], meta["folderTitle"], meta["folderUrl"]) == (
        "team",
        "Team",
        "/dashboards/f/team/team",
    )
    assert (meta["createdBy"], meta["updatedBy"], meta["version"]) == ("sa-1-pub", "sa-1-pub", 1)
    assert meta["slug"] == "cpu" and meta["url"] == "/d/cpu/cpu"


def test_s3_meta_comes_first_in_struct_order_and_is_starred_only_when_starred(api: Api) -> None:
    """``dtos.DashboardFullWithMeta`` (meta, then dashboard); ``DashboardMeta.IsStarred`` is
    ``json:"isStarred,omitempty"``: absent, not false, until the caller stars it."""
    api.save({"title": "S", "uid": "s"})
    body = api.get("/api/dashboards/uid/s").json()
    assert list(body) == ["meta", "dashboard"]
    assert "isStarred" not in body["meta"] and list(body["meta"])[:2] == ["type", "canSave"]
    assert api.post("/api/user/stars/dashboard/uid/s").status_code == 200
    starred = api.get("/api/dashboards/uid/s").json()["meta"]
    assert list(starred)[:2] == ["isStarred", "type"] and starred["isStarred"] is True


def test_s3_meta_general_folder_and_updated_by(api: Api) -> None:
    api.save({"title": "x", "uid": "g"})
    token = api.emulator.create_service_account_token(1, role="Editor", name="bot")
    api.save({"title": "x", "uid": "g", "version": 1}, token=token)
    meta = api.get("/api/dashboards/uid/g").json()["meta"]
    assert (meta["folderUid"], meta["folderTitle"]) == ("", "General")
    assert (meta["createdBy"], meta["updatedBy"], meta["version"]) == ("admin", "sa-1-bot", 2)


def test_s3_get_other_org_404(api: Api) -> None:
    other = api.emulator.create_org("other")
    api.emulator.save_dashboard(other, {"title": "x", "uid": "elsewhere"})
    response = api.get("/api/dashboards/uid/elsewhere")
    assert response.status_code == 404
    assert response.json() == {"message": "Dashboard not found"}


def test_s3_viewer_can_read_but_meta_says_no_save(api: Api) -> None:
    api.emulator.save_dashboard(1, {"title": "x", "uid": "r"})
    token = api.emulator.create_service_account_token(1, role="Viewer")
    meta = api.get("/api/dashboards/uid/r", token=token).json()["meta"]
    assert meta["canSave"] is False and meta["canEdit"] is False


def test_s3_delete_200_body(api: Api) -> None:
    api.save({"title": "Gone", "uid": "gone"})
    response = api.delete("/api/dashboards/uid/gone")
    assert response.status_code == 200
    assert response.json() == {"title": "Gone", "message": "Dashboard Gone deleted", "uid": "gone"}
    assert api.emulator.dashboard(1, "gone") is None


def test_s3_delete_missing_404(api: Api) -> None:
    response = api.delete("/api/dashboards/uid/nothing")
    assert response.status_code == 404
    assert response.json() == {"message": "Dashboard not found"}


def test_s3_delete_folder_uid_400(api: Api) -> None:
    api.emulator.create_folder(1, "F", uid="f")
    response = api.delete("/api/dashboards/uid/f")
    assert response.status_code == 400
    assert response.json() == {"message": "Use folders endpoint for deleting folders."}


def test_s3_delete_needs_editor(api: Api) -> None:
    api.emulator.save_dashboard(1, {"title": "x", "uid": "keep"})
    token = api.emulator.create_service_account_token(1, role="Viewer")
    assert api.delete("/api/dashboards/uid/keep", token=token).status_code == 403


def test_versions_list_newest_first_with_messages(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Editor", name="pub")
    api.save({"title": "x", "uid": "h"}, body={"message": "first"})
    api.save({"title": "x", "uid": "h", "version": 1}, token=token, body={"message": "second"})
    response = api.get("/api/dashboards/uid/h/versions")
    assert response.status_code == 200
    body = response.json()
    assert body["continueToken"] == ""
    assert [v["version"] for v in body["versions"]] == [2, 1]
    newest = body["versions"][0]
    assert (newest["version"], newest["message"], newest["createdBy"]) == (2, "second", "sa-1-pub")
    assert newest["parentVersion"] == 1 and newest["uid"] == "h"
    assert set(newest) == {
        "id", "dashboardId", "uid", "parentVersion", "restoredFrom", "version", "created",
        "message", "data", "createdBy",
    }  # fmt: skip
    limited = api.get("/api/dashboards/uid/h/versions", params={"limit": 1}).json()
    assert [v["version"] for v in limited["versions"]] == [2]


def test_versions_list_shows_initial_save_for_version_1(api: Api) -> None:
    # Grafana's handler replaces the first version's message; the stored one is kept.
    api.save({"title": "x", "uid": "h"}, body={"message": "dashgen marker"})
    (first,) = api.get("/api/dashboards/uid/h/versions").json()["versions"]
    assert (first["version"], first["message"], first["createdBy"]) == (1, "Initial save", "admin")
    assert api.get("/api/dashboards/uid/h/versions/1").json()["message"] == "dashgen marker"
    assert api.emulator.versions(1, "h")[0].message == "dashgen marker"


def test_versions_list_is_a_bare_array_in_11_2(api112: Api) -> None:
    api112.save({"title": "x", "uid": "h"})
    body = api112.get("/api/dashboards/uid/h/versions").json()
    assert isinstance(body, list) and body[0]["version"] == 1


def test_versions_need_save_permission(api: Api) -> None:
    api.save({"title": "x", "uid": "h"})
    token = api.emulator.create_service_account_token(1, role="Viewer")
    for path in ("/api/dashboards/uid/h/versions", "/api/dashboards/uid/h/versions/1"):
        response = api.get(path, token=token)
        assert response.status_code == 403
        # §14.4: the versions routes are dashboards:write-gated, so the RBAC deny body.
        assert response.json()["title"] == "Access denied"
        assert response.json()["message"].endswith("Permissions needed: dashboards:write")


def test_versions_single_version_has_data(api: Api) -> None:
    saved = api.save({"title": "x", "uid": "h", "panels": []}).json()
    body = api.get("/api/dashboards/uid/h/versions/1").json()
    assert body["version"] == 1 and body["data"]["title"] == "x"
    missing = api.get("/api/dashboards/uid/h/versions/9")
    assert missing.status_code == 500
    assert missing.json() == {
        "message": f"Dashboard version 9 not found for dashboardId {saved['id']}"
    }


def test_versions_of_missing_dashboard_404(api: Api) -> None:
    response = api.get("/api/dashboards/uid/none/versions")
    assert (response.status_code, response.json()) == (404, {"message": "Dashboard not found"})


def test_versions_by_id_route(api: Api) -> None:
    saved = api.save({"title": "x", "uid": "h"}).json()
    body = api.get(f"/api/dashboards/id/{saved['id']}/versions").json()
    assert body["versions"][0]["version"] == 1


def test_versions_shape_is_switchable(make_api: MakeApi) -> None:
    api = make_api(profile=replace(profile_for("12.0"), versions_as_object=False))
    api.save({"title": "x", "uid": "h"})
    assert api.get("/api/dashboards/uid/h/versions").json()[0]["version"] == 1


def test_versions_list_data_in_12_0_null_in_11_2(api: Api, api112: Api) -> None:
    for emulated in (api, api112):
        emulated.save({"title": "x", "uid": "h"})
    listed_12 = api.get("/api/dashboards/uid/h/versions").json()["versions"][0]
    listed_11 = api112.get("/api/dashboards/uid/h/versions").json()[0]
    assert listed_12["data"]["title"] == "x"
    assert listed_11["data"] is None


def test_s3_a_provisioned_dashboard_says_so_and_cannot_be_saved_or_deleted(api: Api) -> None:
    api.emulator.provision_dashboard(
        1, {"title": "Prov", "uid": "prov"}, external_id="provisioning/prov.json"
    )
    meta = api.get("/api/dashboards/uid/prov").json()["meta"]
    assert (meta["provisioned"], meta["provisionedExternalId"]) == (True, "provisioning/prov.json")

    saved = api.save({"title": "Prov", "uid": "prov", "version": 1})
    deleted = api.delete("/api/dashboards/uid/prov")

    assert (saved.status_code, saved.json()) == (
        400,
        {"message": "Cannot save provisioned dashboard"},
    )
    assert deleted.status_code == 400
    assert deleted.json() == {"message": "provisioned dashboard cannot be deleted"}
    assert api.get("/api/dashboards/uid/prov").status_code == 200
    plain = api.get("/api/dashboards/uid/prov").json()["meta"]
    assert plain["version"] == 1
    api.save({"title": "Plain", "uid": "plain"})
    assert api.get("/api/dashboards/uid/plain").json()["meta"]["provisioned"] is False

"""Contract §14.12, folder permissions as a backup tool (PyPI ``grafana-backup``) reads and
replays them: ``GET /api/folders/:uid/permissions`` item fields (``folder_permission.go``
``getFolderACL``, ``DashboardACLInfoDTO``) and ``POST`` of those items into another org."""

from __future__ import annotations

import hashlib

from emulator_api import Api, user_token


def _avatar(text: str) -> str:
    return "/avatar/" + hashlib.md5(text.encode()).hexdigest()


def test_s14_12_a_nested_folders_items_carry_its_id_and_its_parents_uid(api: Api) -> None:
    token = user_token(api, "Admin", name="backup")
    api.post("/api/folders", json={"uid": "team-a", "title": "Team A"}, token=token)
    sub = api.post("/api/folders", json={"uid": "sub", "title": "Sub", "parentUid": "team-a"})
    listed = api.get("/api/folders/sub/permissions").json()
    assert listed and all(e["folderId"] == sub.json()["id"] for e in listed)
    assert {e["folderUid"] for e in listed} == {"team-a"}  # the parent's uid, not its own
    assert all(e["uid"] == "sub" and "dashboardId" not in e for e in listed)


def test_s14_12_a_service_accounts_email_is_its_login(api: Api) -> None:
    token = user_token(api, "Admin", name="backup")
    api.post("/api/folders", json={"uid": "f", "title": "F"}, token=token)
    listed = api.get("/api/folders/f/permissions").json()
    creator = next(e for e in listed if e["userId"])
    assert (creator["userLogin"], creator["userEmail"]) == ("sa-1-backup", "sa-1-backup")
    assert creator["userAvatarUrl"] == _avatar("sa-1-backup")
    # GetGravatarUrl("") is "": a role entry has no avatar.
    assert {e["userAvatarUrl"] for e in listed if e.get("role")} == {""}


def test_s14_12_a_users_avatar_hashes_the_lower_cased_email(api: Api) -> None:
    api.emulator.create_user("mixed", "secret", email="Mixed@Example.com")
    user_id = next(u["userId"] for u in api.get("/api/org/users").json() if u["login"] == "mixed")
    api.post("/api/folders", json={"uid": "f", "title": "F"})
    items = [{"userId": user_id, "permission": 1}]
    assert api.post("/api/folders/f/permissions", json={"items": items}).status_code == 200
    entry = next(e for e in api.get("/api/folders/f/permissions").json() if e["userId"])
    assert entry["userAvatarUrl"] == _avatar("mixed@example.com")


def test_s14_12_replaying_another_orgs_folder_items_is_folder_permissions_500(api: Api) -> None:
    """grafana-backup restores a folder's saved items verbatim: their user ids belong to
    the org the backup came from. Grafana's folder handler answers "Failed to create
    permission" (its dashboard handler says "Failed to update permissions")."""
    api.post("/api/folders", json={"uid": "f", "title": "F"}, token=user_token(api, "Admin"))
    saved = api.get("/api/folders/f/permissions").json()
    org2 = api.emulator.create_org("Restore")
    restore = user_token(api, "Admin", org=org2, name="restore")
    api.post("/api/folders", json={"uid": "f", "title": "F"}, token=restore)
    replayed = api.post("/api/folders/f/permissions", json={"items": saved}, token=restore)
    assert (replayed.status_code, replayed.json()) == (
        500,
        {"message": "Failed to create permission"},
    )
    api.save({"title": "d", "uid": "d"}, token=restore)
    ghost = [{"userId": saved[0]["userId"] or 999, "permission": 1}]
    on_dashboard = api.post(
        "/api/dashboards/uid/d/permissions", json={"items": ghost}, token=restore
    )
    assert on_dashboard.json() == {"message": "Failed to update permissions"}

"""grafana-client, unchanged, against the real HTTP emulator: connecting, orgs, users,
service accounts, tokens and API keys (the flows its README and integration tests drive).

Dashboards, folders, search and versions are in test_third_party_clients_dashboards.py;
data sources, library elements and the async client in test_third_party_clients_more.py.
"""

from __future__ import annotations

import re

import pytest
from grafana_client.client import GrafanaBadInputError, GrafanaClientError
from third_party_support import Clients, as_user, failure, with_token


@pytest.mark.parametrize("version", ["11.2", "12.0", "13.0"])
def test_connect_reads_build_info_and_version(clients: Clients, version: str) -> None:
    api, _ = clients(version)
    info = api.connect()
    assert info["version"] == f"{version}.0"
    assert api.version == f"{version}.0"
    assert api.get_version().major == int(version.split(".")[0])


def test_a_route_grafana_has_not_is_its_404(clients: Clients) -> None:
    api, _ = clients()
    error = failure(lambda: api.client.GET("/no-such-route"))
    assert error.status_code == 404
    assert error.response == {"message": "Not found"}


def test_organizations_create_find_update_switch_delete(clients: Clients) -> None:
    api, emulator = clients()
    created = api.organization.create_organization("Team A")
    assert created["message"] == "Organization created"
    org_id = created["orgId"]
    assert emulator.org_id_by_name("Team A") == org_id
    assert {"id": org_id, "name": "Team A"} in api.organizations.list_organization()
    assert api.organization.find_organization("Team A")["id"] == org_id
    assert failure(lambda: api.organization.find_organization("team a")).status_code == 404
    api.organizations.update_organization(org_id, {"name": "Team B"})
    assert emulator.org_id_by_name("Team B") == org_id
    duplicate = failure(lambda: api.organization.create_organization("Team B"))
    assert (duplicate.status_code, duplicate.response["message"]) == (
        409,
        "Organization name taken",
    )

    assert api.organizations.switch_organization(org_id)["message"] == "Active organization changed"
    assert api.organization.get_current_organization()["name"] == "Team B"
    active = failure(lambda: api.organizations.delete_organization(org_id))
    assert isinstance(active, GrafanaBadInputError)
    assert active.response == {"message": "Cannot delete your active organization"}

    api.user.switch_actual_user_organisation(1)
    deleted = api.organizations.delete_organization(org_id)
    assert deleted == {"message": "Organization deleted"}
    assert emulator.org_id_by_name("Team B") is None
    assert [o["orgId"] for o in api.user.get_actual_user_organisations()] == [1]
    unknown = failure(lambda: api.organizations.delete_organization(org_id))
    assert unknown.status_code == 404
    assert unknown.response == {"message": "Failed to delete organization. ID not found"}


def test_deleting_an_org_removes_what_was_in_it(clients: Clients) -> None:
    api, emulator = clients()
    org_id = emulator.create_org("Doomed")
    emulator.create_folder(org_id, "F", uid="f")
    emulator.save_dashboard(org_id, {"title": "D", "uid": "d"}, folder_uid="f")
    token = emulator.create_service_account_token(org_id, name="ci")
    api.organizations.delete_organization(org_id)
    assert emulator.dashboards(org_id) == [] and emulator.folder_uids(org_id) == []
    assert failure(lambda: with_token(api, token).search.search_dashboards()).status_code == 401


def test_11_2_keeps_the_old_message_for_the_active_org(clients: Clients) -> None:
    api, _ = clients("11.2")
    error = failure(lambda: api.organizations.delete_organization(1))
    assert error.response == {"message": "Can not delete org for current user"}


def test_org_users_add_change_role_remove(clients: Clients) -> None:
    api, emulator = clients()
    org_id = api.organization.create_organization("Team A")["orgId"]  # the admin is its Admin
    user_id = emulator.create_user("alice", "secret", email="alice@example.com")
    added = api.organizations.organization_user_add(
        org_id, {"loginOrEmail": "alice@example.com", "role": "Viewer"}
    )
    assert added == {"message": "User added to organization", "userId": user_id}
    roles = {u["login"]: u["role"] for u in api.organizations.organization_user_list(org_id)}
    assert roles == {"admin": "Admin", "alice": "Viewer"}
    api.organizations.organization_user_update(org_id, user_id, "Editor")
    assert emulator.state.role_in(org_id, user_id) == "Editor"
    unknown = failure(lambda: api.organizations.organization_user_update(org_id, 9999, "Admin"))
    assert (unknown.status_code, unknown.response["message"]) == (500, "Failed update org user")
    removed = api.organizations.organization_user_delete(org_id, user_id)
    assert removed == {"message": "User removed from organization"}
    assert emulator.state.role_in(org_id, user_id) is None


def test_current_org_users_add_change_role_remove(clients: Clients) -> None:
    api, emulator = clients()
    emulator.create_org("Other")
    user_id = api.admin.create_user({"login": "bob", "password": "secret", "OrgId": 2})["id"]
    added = api.organization.add_user_current_organization(
        {"role": "Editor", "loginOrEmail": "bob"}
    )
    assert added["userId"] == user_id
    again = failure(
        lambda: api.organization.add_user_current_organization(
            {"role": "Admin", "loginOrEmail": "bob"}
        )
    )
    assert (again.status_code, again.response["message"]) == (
        409,
        "User is already member of this organization",
    )
    updated = api.organization.update_user_current_organization(user_id, {"role": "Viewer"})
    assert updated == {"message": "Organization user updated"}
    assert emulator.state.role_in(1, user_id) == "Viewer"
    api.organization.delete_user_current_organization(user_id)
    assert emulator.state.role_in(1, user_id) is None
    last_admin = failure(lambda: api.organization.delete_user_current_organization(1))
    assert isinstance(last_admin, GrafanaBadInputError)
    assert last_admin.response["message"] == "Cannot remove last organization admin"


def test_users_lookup_get_search_and_their_orgs(clients: Clients) -> None:
    api, emulator = clients()
    user_id = emulator.create_user("alice", "secret", email="alice@example.com", name="Alice")
    found = api.users.find_user("alice@example.com")
    assert (found["id"], found["login"], found["name"]) == (user_id, "alice", "Alice")
    assert api.users.find_user("ALICE")["id"] == user_id  # logins match case-insensitively
    missing = failure(lambda: api.users.find_user("nobody"))
    assert (missing.status_code, missing.response) == (404, {"message": "user not found"})
    profile = api.users.get_user(user_id)
    assert profile["email"] == "alice@example.com" and profile["isGrafanaAdmin"] is False
    assert api.users.get_user(profile["uid"])["id"] == user_id  # 12.x resolves a uid too
    # search_users pages until a page comes back empty: it must end, with every user.
    assert [u["login"] for u in api.users.search_users()] == ["admin", "alice"]
    assert [u["login"] for u in api.users.search_users(query="ali")] == ["alice"]
    assert api.users.get_user_organisations(user_id) == [
        {"orgId": 1, "name": "Main Org.", "role": "Viewer"}
    ]
    assert api.users.get_user_teams(user_id) == []
    me = api.user.get_actual_user()
    assert me["login"] == "admin" and me["isGrafanaAdmin"] is True
    assert me["uid"] == api.users.get_user(me["id"])["uid"]
    assert api.user.get_actual_user_organisations() == [
        {"orgId": 1, "name": "Main Org.", "role": "Admin"}
    ]
    assert api.user.get_actual_user_teams() == []


def test_user_routes_need_a_server_admin(clients: Clients) -> None:
    api, emulator = clients()
    emulator.create_user("viewer", "secret")
    viewer = as_user(api, "viewer", "secret")
    denied = failure(lambda: viewer.users.find_user("admin"))
    assert denied.status_code == 403
    assert "Permissions needed: users:read" in denied.response["message"]
    assert viewer.user.get_actual_user()["login"] == "viewer"


def test_admin_manages_users(clients: Clients) -> None:
    api, emulator = clients()
    created = api.admin.create_user({"login": "carol", "password": "secret", "email": "c@x"})
    user_id = created["id"]
    assert created["message"] == "User created"
    assert api.admin.change_user_password(user_id, "changed")["message"] == "User password updated"
    carol = as_user(api, "carol", "changed")
    assert carol.user.get_actual_user()["id"] == user_id
    short = failure(lambda: api.admin.change_user_password(user_id, "abc"))
    assert short.response == {"message": "New password too short"}

    api.admin.change_user_permissions(user_id, True)
    assert [o["name"] for o in carol.organizations.list_organization()] == ["Main Org."]
    api.admin.change_user_permissions(user_id, False)
    assert failure(carol.organizations.list_organization).status_code == 403
    api.admin.change_user_permissions(1, True)
    last = failure(lambda: api.admin.change_user_permissions(1, False))
    assert last.response == {"message": "cannot remove last grafana admin"}

    assert api.admin.set_user_enabled(user_id, False) == {"message": "User disabled"}
    assert failure(carol.user.get_actual_user).status_code == 401
    api.admin.set_user_enabled(user_id, True)
    assert api.admin.delete_user(user_id) == {"message": "User deleted"}
    assert emulator.state.users.get(user_id) is None
    assert failure(lambda: api.users.get_user(user_id)).status_code == 404


def test_service_accounts_and_tokens(clients: Clients) -> None:
    api, emulator = clients()
    account = api.serviceaccount.create({"name": "CI Bot", "role": "Editor"})
    assert (account["login"], account["role"], account["orgId"]) == ("sa-1-ci-bot", "Editor", 1)
    assert api.serviceaccount.search_one(service_account_name="CI Bot")["id"] == account["id"]
    pages = api.serviceaccount.search(query="CI")
    assert pages[0]["totalCount"] == 1 and pages[-1]["serviceAccounts"] == []
    assert api.serviceaccount.get(account["id"])["name"] == "CI Bot"
    updated = api.serviceaccount.update(account["id"], {"role": "Admin"})
    assert updated["serviceaccount"]["role"] == "Admin"
    taken = failure(lambda: api.serviceaccount.create({"name": "CI Bot"}))
    assert taken.response["messageId"] == "serviceaccounts.ErrAlreadyExists"

    token = api.serviceaccount.create_token(account["id"], {"name": "deploy", "secondsToLive": 60})
    assert token["key"].startswith("glsa_")
    (listed,) = api.serviceaccount.get_tokens(account["id"])
    # Grafana keeps expiry as whole epoch seconds: an RFC 3339 time without a fraction.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", listed["expiration"])
    bot = with_token(api, token["key"])
    assert bot.connect()["version"] == "12.0.0"
    me = bot.user.get_actual_user()
    assert (me["id"], me["login"], me["uid"]) == (
        0,
        "sa-1-ci-bot",
        f"service-account:{account['id']}",
    )
    saved = bot.dashboard.update_dashboard({"dashboard": {"title": "From CI"}})
    assert emulator.dashboard(1, saved["uid"]).created_by == "sa-1-ci-bot"

    api.serviceaccount.delete_token(account["id"], token["id"])
    assert failure(bot.user.get_actual_user).status_code == 401
    assert api.serviceaccount.delete(account["id"])["message"] == "Service account deleted"
    assert failure(lambda: api.serviceaccount.get(account["id"])).status_code == 404


def test_api_keys_on_11_2_and_gone_in_12(clients: Clients) -> None:
    old, _ = clients("11.2")
    key = old.client.POST("/auth/keys", json={"name": "ci", "role": "Editor", "secondsToLive": 60})
    assert sorted(key) == ["id", "key", "name"]
    keyed = with_token(old, key["key"])
    assert keyed.dashboard.update_dashboard({"dashboard": {"title": "K"}})["status"] == "success"
    (listed,) = old.client.GET("/auth/keys")
    assert (listed["name"], listed["role"]) == ("ci", "Editor")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", listed["expiration"])

    new, _ = clients("12.0")
    gone = failure(lambda: new.client.POST("/auth/keys", json={"name": "ci", "role": "Admin"}))
    assert isinstance(gone, GrafanaClientError) and gone.status_code == 410


def test_a_token_of_another_org_is_refused(clients: Clients) -> None:
    api, emulator = clients()
    org_id = emulator.create_org("Other")
    token = emulator.create_service_account_token(org_id, name="ci")
    other = with_token(api, token)
    other.client.s.headers["X-Grafana-Org-Id"] = "1"
    refused = failure(other.user.get_actual_user)
    assert refused.status_code == 401
    assert refused.response["messageId"] == "api-key.organization-mismatch"

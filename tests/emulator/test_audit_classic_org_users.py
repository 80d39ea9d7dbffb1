"""GET /api/org/users takes ``query`` (a case-insensitive substring of the email, name or
login) and ``limit``, as GetOrgUsersForCurrentOrg passes them to SearchOrgUsers; GET
/api/orgs/:orgId/users passes neither (pkg/api/org_users.go GetOrgUsers)."""

from __future__ import annotations

from emulator_api import Api


def logins(api: Api, path: str) -> list[str]:
    response = api.get(path)
    assert response.status_code == 200
    return [member["login"] for member in response.json()]


def test_current_org_users_query_and_limit(api: Api) -> None:
    api.emulator.create_user("bob", "secret-pw", email="bob@example.org")
    api.emulator.create_user("carol", "secret-pw", email="c@example.org", name="Carol King")
    assert logins(api, "/api/org/users?query=KING") == ["carol"]
    assert logins(api, "/api/org/users?query=bob@") == ["bob"]
    assert logins(api, "/api/org/users?query=nobody") == []
    assert logins(api, "/api/org/users?limit=2") == ["admin", "bob"]
    assert logins(api, "/api/orgs/1/users?query=nobody&limit=1") == ["admin", "bob", "carol"]

"""DELETE /api/org/users/:userId removes with ``ShouldDeleteOrphanedUser: true``: a user who
is then in no org is deleted and the answer is ``User deleted`` (pkg/api/org_users.go
RemoveOrgUserForCurrentOrg, the org store's RemoveOrgUser). DELETE /api/orgs/:orgId/users/:userId
keeps the user."""

from __future__ import annotations

from emulator_api import Api


def test_current_org_removal_deletes_an_orphan(api: Api) -> None:
    carol = api.emulator.create_user("carol", "secret-pw")
    response = api.delete(f"/api/org/users/{carol}")
    assert (response.status_code, response.json()) == (200, {"message": "User deleted"})
    assert api.get(f"/api/users/{carol}").status_code == 404


def test_current_org_removal_keeps_a_user_with_another_org(api: Api) -> None:
    carol = api.emulator.create_user("carol", "secret-pw")
    other = api.emulator.create_org("Other")
    api.emulator.add_org_user(other, "carol", "Viewer")
    response = api.delete(f"/api/org/users/{carol}")
    assert response.json() == {"message": "User removed from organization"}
    assert api.get(f"/api/users/{carol}").json()["orgId"] == other


def test_org_route_keeps_the_orphan(api: Api) -> None:
    carol = api.emulator.create_user("carol", "secret-pw")
    response = api.delete(f"/api/orgs/1/users/{carol}")
    assert response.json() == {"message": "User removed from organization"}
    assert api.get(f"/api/users/{carol}").status_code == 200

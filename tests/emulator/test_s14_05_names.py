"""Contract §14.5: org names are matched case-sensitively (SQLite, Postgres)."""

from __future__ import annotations

from emulator_api import Api


def test_s14_5_org_names_differing_in_case_are_two_orgs(api: Api) -> None:
    first = api.post("/api/orgs", json={"name": "TeamOrg"})
    second = api.post("/api/orgs", json={"name": "teamorg"})
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["orgId"] != second.json()["orgId"]
    assert api.post("/api/orgs", json={"name": "TeamOrg"}).status_code == 409


def test_s14_5_lookup_by_name_is_exact(api: Api) -> None:
    org_id = api.emulator.create_org("TeamOrg")
    assert api.get("/api/orgs/name/TeamOrg").json()["id"] == org_id
    missing = api.get("/api/orgs/name/teamorg")
    assert (missing.status_code, missing.json()) == (404, {"message": "Organization not found"})
    assert api.emulator.org_id_by_name("teamorg") is None

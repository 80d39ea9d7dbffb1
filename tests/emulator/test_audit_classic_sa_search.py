"""GET /api/serviceaccounts/search filters as ``SearchOrgServiceAccountsWithPaging`` does
(serviceaccounts/api/api.go and its store): ``disabled=true`` keeps only disabled accounts,
``expiredTokens=true`` only those with an expired token, and hits are ordered by email then
login (a service account's email is its login)."""

from __future__ import annotations

from emulator_api import Api


def found(api: Api, query: str) -> list[str]:
    response = api.get(f"/api/serviceaccounts/search{query}")
    assert response.status_code == 200
    body = response.json()
    assert body["totalCount"] == len(body["serviceAccounts"])
    return [sa["name"] for sa in body["serviceAccounts"]]


def test_disabled_filter(api: Api) -> None:
    api.post("/api/serviceaccounts", json={"name": "Active"})
    api.post("/api/serviceaccounts", json={"name": "Parked", "isDisabled": True})
    assert found(api, "") == ["Active", "Parked"]
    assert found(api, "?disabled=true") == ["Parked"]
    assert found(api, "?disabled=1") == ["Parked"]
    assert found(api, "?disabled=false") == ["Active", "Parked"]


def test_expired_tokens_filter(api: Api) -> None:
    stale = api.emulator.create_service_account_token(
        1, role="Viewer", name="Stale", seconds_to_live=60
    )
    api.emulator.create_service_account_token(1, role="Viewer", name="Fresh", seconds_to_live=60)
    api.emulator.expire_token(stale)
    assert found(api, "?expiredTokens=true") == ["Stale"]


def test_ordered_by_login(api: Api) -> None:
    for name in ("b c", "b-a", "a"):
        assert api.post("/api/serviceaccounts", json={"name": name}).status_code == 201
    # logins sa-1-a, sa-1-b-a, sa-1-b-c: by name ("b c" < "b-a") the order would differ
    assert found(api, "") == ["a", "b-a", "b c"]
    assert found(api, "?query=SA-1-B") == ["b-a", "b c"]

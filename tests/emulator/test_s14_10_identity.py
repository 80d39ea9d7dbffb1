"""Contract §14.10: the identity endpoints answered to a service-account token."""

from __future__ import annotations

from emulator_api import Api, user_token


def test_s14_10_user_with_a_service_account_token_is_a_minimal_profile(api: Api) -> None:
    token = user_token(api, "Editor", name="publisher")
    response = api.get("/api/user", token=token)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == 0
    assert body["uid"].startswith("service-account:")
    assert (body["login"], body["orgId"], body["isGrafanaAdmin"]) == ("sa-1-publisher", 1, False)


def test_s14_10_user_orgs_with_a_token_is_304_without_a_body(api: Api) -> None:
    response = api.get("/api/user/orgs", token=user_token(api, "Admin"))
    assert (response.status_code, response.content) == (304, b"")
    assert api.get("/api/user/orgs").status_code == 200  # a user gets the list

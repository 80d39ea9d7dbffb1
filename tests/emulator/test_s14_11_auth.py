"""Contract §14.11: auth details (case-sensitive schemes, org header -1, garbled Basic,
disabled identities, expired before revoked, the no-credentials body)."""

from __future__ import annotations

import base64

import pytest
from emulator_api import Api, basic_header, user_token

UNAUTHORIZED = {"statusCode": 401, "messageId": "auth.unauthorized", "message": "Unauthorized"}


def test_s14_11_bearer_prefix_is_case_sensitive(api: Api) -> None:
    token = user_token(api, "Admin")
    assert api.get("/api/org", user=None, headers={"Authorization": f"Bearer {token}"}).is_success
    lower = api.get("/api/org", user=None, headers={"Authorization": f"bearer {token}"})
    assert (lower.status_code, lower.json()) == (401, UNAUTHORIZED)


def test_s14_11_org_header_minus_one_with_a_token_is_a_mismatch(api: Api) -> None:
    response = api.get("/api/org", token=user_token(api, "Admin"), org=-1)
    assert response.status_code == 401
    assert response.json()["messageId"] == "api-key.organization-mismatch"


def test_s14_11_org_header_zero_means_the_tokens_own_org(api: Api) -> None:
    response = api.get(
        "/api/org", token=user_token(api, "Admin"), headers={"X-Grafana-Org-Id": "0"}
    )
    assert (response.status_code, response.json()["id"]) == (200, 1)


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "basic " + base64.b64encode(b"admin:admin").decode(),  # the scheme is case-sensitive
        "Token abc",
        "Bearer",  # no space, no token
    ],
)
def test_s14_11_unrecognised_credentials_end_as_unauthorized(api: Api, header: str) -> None:
    response = api.get("/api/org", user=None, headers={"Authorization": header})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_s14_11_no_credentials_is_the_errutil_body(api: Api) -> None:
    response = api.get("/api/org", user=None)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_s14_11_disabled_identities_say_unauthorized(api: Api) -> None:
    account = api.post("/api/serviceaccounts", json={"name": "off", "isDisabled": True}).json()
    key = api.post(f"/api/serviceaccounts/{account['id']}/tokens", json={"name": "t"}).json()
    by_token = api.get("/api/org", token=key["key"]).json()
    assert (by_token["messageId"], by_token["message"]) == ("identity.disabled", "Unauthorized")
    api.emulator.create_user("gone", "pw")
    api.emulator.state.user_by_login("gone").is_disabled = True
    by_user = api.get("/api/org", user=("gone", "pw")).json()
    assert (by_user["messageId"], by_user["message"]) == ("identity.disabled", "Unauthorized")


def test_s14_11_expired_wins_over_revoked(api: Api) -> None:
    token = user_token(api, "Admin")
    api.emulator.revoke_token(token)
    api.emulator.expire_token(token)
    assert api.get("/api/org", token=token).json()["messageId"] == "api-key.expired"


def test_s14_11_basic_api_key_user_still_carries_a_token(api: Api) -> None:
    token = user_token(api, "Viewer")
    response = api.get(
        "/api/org", user=None, headers={"Authorization": basic_header("api_key", token)}
    )
    assert response.status_code == 200

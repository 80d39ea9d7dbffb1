"""Contract §1: credentials, token formats, org selection, auth failures."""

from __future__ import annotations

import base64
import json

from emulator_api import Api, basic_header

from dashgen.testing.credentials import is_valid_sa_token, sa_checksum


def test_s1_sa_checksum_matches_docs_example() -> None:
    assert sa_checksum("glsa_" + "VVQjot0nijQ59lun6pMZRtsdBXxnFQ9M") == "77c34a79"
    assert is_valid_sa_token("glsa_" + "VVQjot0nijQ59lun6pMZRtsdBXxnFQ9M_77c34a79")
    assert not is_valid_sa_token("glsa_" + "VVQjot0nijQ59lun6pMZRtsdBXxnFQ9M_77c34a7a")


def test_s1_generated_tokens_have_the_documented_shapes(api: Api) -> None:
    token = api.emulator.create_service_account_token(1)
    assert is_valid_sa_token(token)
    key = api.emulator.create_api_key(1, name="ci")
    assert key.startswith("eyJrIjoi")
    assert json.loads(base64.b64decode(key))["n"] == "ci"


def test_s1_no_credentials_401(api: Api) -> None:
    response = api.get("/api/org", user=None)
    assert response.status_code == 401
    # §14.11 (newer than §1's table): the errutil body of errCantAuthenticateReq.
    body = response.json()
    assert (body["messageId"], body["message"]) == ("auth.unauthorized", "Unauthorized")


def test_s1_basic_auth_admin(api: Api) -> None:
    response = api.get("/api/org")
    assert response.status_code == 200
    assert response.json()["name"] == "Main Org."


def test_s1_wrong_password_401_unconfirmed_choice(api: Api) -> None:
    response = api.get("/api/org", user=("admin", "wrong"))
    assert response.status_code == 401
    assert response.json()["messageId"] == "password-auth.failed"


def test_s1_bearer_service_account_token(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Viewer")
    assert api.get("/api/org", token=token).json()["id"] == 1


def test_s1_basic_api_key_user_works_like_bearer(api: Api) -> None:
    token = api.emulator.create_service_account_token(1)
    headers = {"Authorization": basic_header("api_key", token)}
    assert api.get("/api/org", user=None, headers=headers).status_code == 200


def test_s1_legacy_key_authenticates(api: Api) -> None:
    key = api.emulator.create_api_key(1, role="Editor")
    assert api.get("/api/org", token=key).status_code == 200


def test_s1_invalid_token_401(api: Api) -> None:
    for garbage in ("glsa_nope", "glsa_" + "VVQjot0nijQ59lun6pMZRtsdBXxnFQ9M_77c34a79", "xyz"):
        response = api.get("/api/org", token=garbage)
        assert response.status_code == 401
        body = response.json()
        assert body["messageId"] == "api-key.invalid"
        assert body["message"] == "Invalid API key"


def test_s1_expired_token_401(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, seconds_to_live=3600)
    assert api.get("/api/org", token=token).status_code == 200
    api.emulator.expire_token(token)
    response = api.get("/api/org", token=token)
    assert response.status_code == 401
    assert response.json()["messageId"] == "api-key.expired"
    assert response.json()["message"] == "Expired API key"


def test_s1_expired_and_revoked_legacy_keys_401(api112: Api) -> None:
    expired = api112.emulator.create_api_key(1, name="old")
    revoked = api112.emulator.create_api_key(1, name="leaked")
    api112.emulator.expire_token(expired)
    api112.emulator.revoke_token(revoked)
    assert api112.get("/api/org", token=expired).json()["messageId"] == "api-key.expired"
    assert api112.get("/api/org", token=revoked).json()["messageId"] == "api-key.revoked"


def test_s1_revoked_token_401(api: Api) -> None:
    token = api.emulator.create_service_account_token(1)
    api.emulator.revoke_token(token)
    response = api.get("/api/org", token=token)
    assert response.status_code == 401
    assert response.json()["messageId"] == "api-key.revoked"


def test_s1_token_org_mismatch_401(api: Api) -> None:
    other = api.emulator.create_org("other")
    token = api.emulator.create_service_account_token(1)
    for response in (
        api.get("/api/org", token=token, org=other),
        api.get("/api/org", token=token, params={"targetOrgId": other}),
    ):
        assert response.status_code == 401
        assert response.json()["messageId"] == "api-key.organization-mismatch"
        assert response.json()["message"] == "API key does not belong to the requested organization"


def test_s1_token_with_its_own_org_header_is_fine(api: Api) -> None:
    other = api.emulator.create_org("other")
    token = api.emulator.create_service_account_token(other)
    assert api.get("/api/org", token=token, org=other).json()["id"] == other


def test_s1_basic_user_chooses_org_per_request(api: Api) -> None:
    other = api.emulator.create_org("other")
    api.emulator.add_org_user(other, "admin", "Admin")
    assert api.get("/api/org", org=other).json()["id"] == other
    assert api.get("/api/org").json()["id"] == 1  # the header is stateless


def test_s1_basic_user_not_member_gets_403_rbac(api: Api) -> None:
    api.emulator.create_user("bob", "pw")
    other = api.emulator.create_org("other")
    response = api.get("/api/org", user=("bob", "pw"), org=other)
    assert response.status_code == 403
    assert response.json()["title"] == "Access denied"
    assert response.json()["accessErrorId"].startswith("ACE")


def test_s1_disabled_service_account_401(api: Api) -> None:
    body = {"name": "off", "role": "Admin", "isDisabled": True}
    account = api.post("/api/serviceaccounts", json=body).json()
    token = api.post(f"/api/serviceaccounts/{account['id']}/tokens", json={"name": "t"}).json()
    response = api.get("/api/org", token=token["key"])
    assert response.status_code == 401
    assert response.json()["messageId"] == "identity.disabled"


def test_s1_request_log_never_holds_a_token(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, name="publisher")
    api.get("/api/org", token=token, params={"x": "1"})
    entry = api.emulator.request_log[-1]
    assert entry.identity == "sa-1-publisher"
    assert entry["org_id"] == 1
    assert token not in repr(api.emulator.request_log)


def test_s1_server_admin_routes_refuse_tokens(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Admin")
    response = api.post("/api/orgs", token=token, json={"name": "x"})
    assert response.status_code == 403
    assert "orgs:create" in response.json()["message"]


def test_unknown_route_404(api: Api) -> None:
    response = api.get("/api/does-not-exist")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}

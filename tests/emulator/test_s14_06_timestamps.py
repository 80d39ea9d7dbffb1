"""Contract §14.6: token and API key ``expiration`` is an RFC 3339 string, never an integer."""

from __future__ import annotations

from datetime import datetime, timedelta

from emulator_api import Api


def _parse_rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_s14_6_token_expiration_is_rfc3339_or_null(api: Api) -> None:
    account = api.post("/api/serviceaccounts", json={"name": "ci"}).json()
    tokens = f"/api/serviceaccounts/{account['id']}/tokens"
    api.post(tokens, json={"name": "day", "secondsToLive": 86400})
    api.post(tokens, json={"name": "forever"})
    listed = {t["name"]: t for t in api.get(tokens).json()}
    expires = listed["day"]["expiration"]
    assert isinstance(expires, str)
    left = _parse_rfc3339(expires) - datetime.now(_parse_rfc3339(expires).tzinfo)
    assert timedelta(hours=23) < left <= timedelta(hours=24)
    assert listed["forever"]["expiration"] is None


def test_s14_6_api_key_expiration_is_rfc3339_or_omitted(api112: Api) -> None:
    api112.post("/api/auth/keys", json={"name": "day", "role": "Viewer", "secondsToLive": 86400})
    api112.post("/api/auth/keys", json={"name": "forever", "role": "Viewer"})
    listed = {k["name"]: k for k in api112.get("/api/auth/keys").json()}
    assert isinstance(listed["day"]["expiration"], str)
    _parse_rfc3339(listed["day"]["expiration"])
    assert "expiration" not in listed["forever"]

"""POST /api/auth/keys (≤11.2) answers the apikey service's errors with their own text
(pkg/api/apikey.go AddAPIKey; pkg/services/apikey/model.go): a negative ``secondsToLive`` is
400 ``negative value for SecondsToLive`` and a taken name 409 ``API key, organization ID and
name must be unique`` (grafana-api.md §7: "duplicate name | 409 | err text")."""

from __future__ import annotations

from emulator_api import Api


def test_negative_seconds_to_live_400(api112: Api) -> None:
    body = {"name": "short", "role": "Viewer", "secondsToLive": -1}
    response = api112.post("/api/auth/keys", json=body)
    assert response.status_code == 400
    assert response.json() == {"message": "negative value for SecondsToLive"}
    assert api112.get("/api/auth/keys").json() == []


def test_duplicate_name_409_with_the_services_text(api112: Api) -> None:
    body = {"name": "ci", "role": "Editor"}
    assert api112.post("/api/auth/keys", json=body).status_code == 200
    response = api112.post("/api/auth/keys", json=body)
    assert response.status_code == 409
    assert response.json() == {"message": "API key, organization ID and name must be unique"}

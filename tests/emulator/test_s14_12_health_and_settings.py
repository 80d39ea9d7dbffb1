"""Contract §14.12: GET/HEAD /api/health and GET /api/frontend/settings, whose versions match
the emulated Grafana."""

from __future__ import annotations

import json

import pytest
from emulator_api import MakeApi, user_token


@pytest.mark.parametrize("version", ["11.2", "12.0", "13.0"])
def test_s14_12_health_needs_no_auth_and_reports_the_version(
    make_api: MakeApi, version: str
) -> None:
    api = make_api(version)
    response = api.get("/api/health", user=None)
    assert response.status_code == 200
    assert response.json() == {"commit": "emulator", "database": "ok", "version": f"{version}.0"}
    assert response.text == json.dumps(response.json(), indent=2, sort_keys=True)  # EncodePretty
    # Even bad credentials do not matter: the handler runs before authentication.
    assert api.get("/api/health", token="garbage").status_code == 200


def test_s14_12_health_answers_head_without_a_body(make_api: MakeApi) -> None:
    api = make_api()
    response = api.call("HEAD", "/api/health", user=None)
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["content-type"].startswith("application/json")
    # The connection stays usable after a bodiless answer.
    assert api.get("/api/health", user=None).status_code == 200
    assert api.server.connections_accepted == 1


@pytest.mark.parametrize("version", ["11.2", "12.0", "13.0"])
def test_s14_12_frontend_settings_build_info_matches_health(
    make_api: MakeApi, version: str
) -> None:
    api = make_api(version)
    token = user_token(api, "Viewer")
    settings = api.get("/api/frontend/settings", token=token)
    assert settings.status_code == 200
    build = settings.json()["buildInfo"]
    assert build["version"] == api.get("/api/health", user=None).json()["version"]
    assert (build["edition"], build["env"]) == ("Open Source", "production")
    assert settings.json()["minRefreshInterval"] == "5s"


def test_s14_12_frontend_settings_need_a_signed_in_identity(make_api: MakeApi) -> None:
    api = make_api()
    response = api.get("/api/frontend/settings", user=None)
    assert (response.status_code, response.json()["messageId"]) == (401, "auth.unauthorized")


def test_s14_12_frontend_settings_list_the_orgs_data_sources(make_api: MakeApi) -> None:
    api = make_api()
    uid = api.emulator.create_datasource(1, "Prometheus", "prometheus", is_default=True)
    other = api.emulator.create_org("other")
    api.emulator.create_datasource(other, "Loki", "loki")
    settings = api.get("/api/frontend/settings").json()
    assert set(settings["datasources"]) == {"Prometheus"}
    assert settings["datasources"]["Prometheus"]["uid"] == uid
    assert settings["defaultDatasource"] == "Prometheus"

"""The profile's ``apis_failure``: how /apis fails on a Grafana that serves it (a proxy that
forwards only /api, a denied dashboard group, an unregistered dashboards resource)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from emulator_api import Api, MakeApi

from dashgen.testing import profile_for

DASHBOARDS = "/apis/dashboard.grafana.app/v1/namespaces/default/dashboards"
FOLDERS = "/apis/folder.grafana.app/v1/namespaces/default/folders"


def _failing(make_api: MakeApi, failure: str) -> Api:
    return make_api(profile=replace(profile_for("13.0"), apis_failure=failure))


@pytest.mark.parametrize("path", ["/apis", "/apis/dashboard.grafana.app", DASHBOARDS, FOLDERS])
def test_a_proxy_answers_every_apis_path_with_its_own_404_page(
    make_api: MakeApi, path: str
) -> None:
    api = _failing(make_api, "proxy")
    response = api.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html"
    assert "<center>nginx</center>" in response.text
    assert api.get("/api/org").status_code == 200  # /api is forwarded
    (entry,) = [e for e in api.emulator.request_log if e.path == path]
    assert entry.status == 404


def test_a_denied_dashboard_group_is_the_k8s_forbidden_while_discovery_lists_it(
    make_api: MakeApi,
) -> None:
    api = _failing(make_api, "denied")
    groups = {g["name"] for g in api.get("/apis").json()["groups"]}
    assert "dashboard.grafana.app" in groups
    response = api.get(DASHBOARDS)
    body = response.json()
    assert (response.status_code, body["reason"], body["code"]) == (403, "Forbidden", 403)
    assert body["message"] == (
        'dashboards.dashboard.grafana.app is forbidden: User "admin" cannot list resource '
        '"dashboards" in API group "dashboard.grafana.app" in the namespace "default"'
    )
    assert api.get(FOLDERS).status_code == 200  # only the dashboard group


def test_an_unregistered_dashboards_resource_is_the_k8s_404(make_api: MakeApi) -> None:
    api = _failing(make_api, "unregistered")
    groups = {g["name"] for g in api.get("/apis").json()["groups"]}
    assert "dashboard.grafana.app" in groups
    for method, path in (("GET", DASHBOARDS), ("POST", DASHBOARDS), ("GET", f"{DASHBOARDS}/a")):
        response = api.call(method, path, json={} if method == "POST" else None)
        body = response.json()
        assert (response.status_code, body["reason"]) == (404, "NotFound"), (method, path)
        assert body["message"] == "the server could not find the requested resource"
    assert api.get(FOLDERS).status_code == 200

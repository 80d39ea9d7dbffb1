"""grafana-apis.md §0, §1.1: how the apiserver answers paths it has no route for. A group or a
version it does not serve is the not-found handler's ``http.NotFound`` (plain text, not a
Status); an unknown resource or sub-path of a served group version is go-restful's 404, a
Status with empty ``details``; a served path asked with another method is its 405."""

from __future__ import annotations

import pytest
from apis_helpers import K8s, resource, status_of

PLAIN = "404 page not found\n"


@pytest.mark.parametrize(
    "path",
    [
        "/apis/nosuch.grafana.app",
        "/apis/nosuch.grafana.app/v1",
        "/apis/nosuch.grafana.app/v1/namespaces/default/things",
        "/apis/dashboard.grafana.app/v9",
        "/apis/dashboard.grafana.app/v9/namespaces/default/dashboards",
        "/apis/dashboard.grafana.app/v9/namespaces/default/dashboards/cpu",
        "/apis/folder.grafana.app/v9/namespaces/default/folders",
    ],
)
def test_s1_1_an_unserved_group_or_version_is_the_plain_404(k8s: K8s, path: str) -> None:
    response = k8s.api.get(path)
    assert (response.status_code, response.text) == (404, PLAIN)
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_s1_1_writes_to_an_unserved_version_are_the_plain_404(k8s: K8s) -> None:
    path = "/apis/dashboard.grafana.app/v9/namespaces/default/dashboards"
    for method in ("POST", "PUT", "DELETE"):
        response = k8s.api.call(
            method, path + ("/cpu" if method != "POST" else ""), json=resource("cpu")
        )
        assert (response.status_code, response.text) == (404, PLAIN), method


def test_s1_1_the_plain_404_still_needs_credentials(k8s: K8s) -> None:
    response = k8s.api.get("/apis/nosuch.grafana.app/v1", user=None)
    assert response.status_code == 401


@pytest.mark.parametrize("tail", ["/dashboards/cpu/history", "/dashboards/cpu/status", "/widgets"])
def test_s0_an_unknown_resource_of_a_served_version_is_a_status_with_empty_details(
    k8s: K8s, tail: str
) -> None:
    k8s.create(resource("cpu"))
    response = k8s.api.get(f"/apis/dashboard.grafana.app/{k8s.v1}/namespaces/default{tail}")
    assert status_of(response) == (
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
    assert response.json()["details"] == {}


@pytest.mark.parametrize(
    ("method", "where"),
    [("POST", "one"), ("PUT", "collection"), ("PATCH", "collection"), ("POST", "folder")],
)
def test_s0_a_served_path_with_another_method_is_405(k8s: K8s, method: str, where: str) -> None:
    k8s.create(resource("cpu"))
    path = {
        "one": k8s.dashboard("cpu"),
        "collection": k8s.dashboards(),
        "folder": k8s.folders() + "/f1",
    }[where]
    response = k8s.api.call(method, path, json=resource("cpu"))
    assert status_of(response) == (
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )
    assert response.json()["details"] == {}
    assert k8s.get("cpu").json()["metadata"]["generation"] == 1

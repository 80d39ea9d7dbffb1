"""grafana-apis.md §1: discovery of the App Platform groups and versions per release."""

from __future__ import annotations

from dataclasses import replace

import pytest
from apis_helpers import K8s
from emulator_api import Api, MakeApi

from dashgen.testing import profile_for

ORDER_13 = ["v2", "v2beta1", "v2alpha1", "v0alpha1", "v1", "v1beta1"]  # §1.2, flag on
ORDER_12 = ["v1beta1", "v0alpha1", "v2alpha1"]  # §1.3: 12.0.1+, v1alpha1 renamed


@pytest.mark.parametrize(
    "path", ["/apis", "/apis/dashboard.grafana.app", "/apis/dashboard.grafana.app/v1"]
)
def test_s1_1_grafana_11_has_no_app_platform(api112: Api, path: str) -> None:
    response = api112.get(path)
    assert (response.status_code, response.json()) == (404, {"message": "Not found"})


def test_s1_1_11_2_dashboard_resources_are_404(api112: Api) -> None:
    response = api112.get("/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards")
    assert response.status_code == 404


@pytest.mark.parametrize(("mode", "order"), [("12.0", ORDER_12), ("13.0", ORDER_13)])
def test_s1_2_group_list_orders_versions_preferred_first(
    make_api: MakeApi, mode: str, order: list[str]
) -> None:
    body = make_api(mode).get("/apis").json()
    assert (body["kind"], body["apiVersion"]) == ("APIGroupList", "v1")
    groups = {group["name"]: group for group in body["groups"]}
    dashboards = groups["dashboard.grafana.app"]
    assert [v["version"] for v in dashboards["versions"]] == order
    assert dashboards["versions"][0] == {
        "groupVersion": f"dashboard.grafana.app/{order[0]}",
        "version": order[0],
    }
    assert dashboards["preferredVersion"] == dashboards["versions"][0]
    assert "folder.grafana.app" in groups


@pytest.mark.parametrize(("mode", "order"), [("12.0", ORDER_12), ("13.0", ORDER_13)])
def test_s1_1_group_endpoint_is_one_api_group(
    make_api: MakeApi, mode: str, order: list[str]
) -> None:
    body = make_api(mode).get("/apis/dashboard.grafana.app").json()
    assert (body["kind"], body["name"]) == ("APIGroup", "dashboard.grafana.app")
    assert [v["version"] for v in body["versions"]] == order
    assert body["preferredVersion"]["version"] == order[0]


def test_s1_3_v1_and_v2_only_from_13(make_api: MakeApi) -> None:
    served_12 = [
        v["version"] for v in make_api("12.0").get("/apis/dashboard.grafana.app").json()["versions"]
    ]
    assert "v1" not in served_12 and "v2" not in served_12 and "v2beta1" not in served_12
    served_13 = [
        v["version"] for v in make_api("13.0").get("/apis/dashboard.grafana.app").json()["versions"]
    ]
    assert {"v1", "v2", "v1beta1", "v0alpha1", "v2beta1"} <= set(served_13)
    assert "v1alpha1" not in served_13  # renamed in 12.0.1


def test_s1_1_version_endpoint_lists_resources(k8s: K8s) -> None:
    body = k8s.api.get(f"/apis/dashboard.grafana.app/{k8s.v1}").json()
    assert (body["kind"], body["groupVersion"]) == (
        "APIResourceList",
        f"dashboard.grafana.app/{k8s.v1}",
    )
    dashboards = next(r for r in body["resources"] if r["name"] == "dashboards")
    assert dashboards["namespaced"] is True and dashboards["kind"] == "Dashboard"
    assert {"get", "list", "create", "update", "delete"} <= set(dashboards["verbs"])


def test_s1_1_folder_group_serves_folders(k8s: K8s) -> None:
    body = k8s.api.get(f"/apis/folder.grafana.app/{k8s.folder_v}").json()
    assert [r["name"] for r in body["resources"]] == ["folders"]


def test_s1_unserved_version_is_the_plain_404(k8s: K8s) -> None:
    # (the apiserver's not-found handler: http.NotFound, not a Status; test_audit_apis_404s)
    for path in (
        "/apis/dashboard.grafana.app/v9/namespaces/default/dashboards",
        "/apis/dashboard.grafana.app/v1alpha1",
    ):
        response = k8s.api.get(path)
        assert (response.status_code, response.text) == (404, "404 page not found\n")


def test_s1_discovery_needs_credentials(k8s: K8s) -> None:
    answer = k8s.api.get("/apis", user=None)  # ReqSignedIn's answer: Grafana's JSON
    assert answer.status_code == 401 and answer.json()["message"] == "Unauthorized"
    assert "kind" not in answer.json()


def test_s1_profile_field_sets_the_served_versions(make_api: MakeApi) -> None:
    profile = replace(profile_for("13.0"), apis_dashboard_versions=("v1", "v1beta1", "v2"))
    api = make_api("13.0", profile=profile)
    assert api.get("/apis/dashboard.grafana.app").json()["preferredVersion"]["version"] == "v1"

"""grafana-apis.md §7.1 (issue 16's emulator part): schema v2 dashboards in 13.0 mode."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from apis_helpers import K8s, status_of
from emulator_api import MakeApi

from dashgen.testing import profile_for

V2_SPEC: dict[str, Any] = {
    "title": "V2 board",
    "tags": ["v2"],
    "elements": {
        "panel-1": {
            "kind": "Panel",
            "spec": {
                "id": 1,
                "title": "CPU",
                "data": {
                    "kind": "QueryGroup",
                    "spec": {
                        "queries": [],
                        "transformations": [
                            {
                                "kind": "Transformation",
                                "group": "organize",
                                "spec": {"options": {"a": 1}},
                            }
                        ],
                        "queryOptions": {},
                    },
                },
                "vizConfig": {"kind": "VizConfig", "group": "timeseries", "spec": {}},
            },
        }
    },
    "layout": {
        "kind": "TabsLayout",
        "spec": {"tabs": [{"kind": "TabsLayoutTab", "spec": {"title": "A", "layout": {}}}]},
    },
}


def v2_body(name: str, spec: dict[str, Any] | None = None, version: str = "v2") -> dict[str, Any]:
    return {
        "apiVersion": f"dashboard.grafana.app/{version}",
        "kind": "Dashboard",
        "metadata": {"name": name},
        "spec": spec if spec is not None else V2_SPEC,
    }


def test_s7_1_v2_is_stored_as_given_and_served_on_v2(k8s13: K8s) -> None:
    created = k8s13.create(v2_body("tabs"), version="v2")
    assert created.status_code == 201
    got = k8s13.get("tabs", version="v2").json()
    assert got["apiVersion"] == "dashboard.grafana.app/v2"
    assert got["spec"] == V2_SPEC
    assert got["status"] == {}
    assert got["metadata"]["generation"] == 1


def test_s7_1_v2_dashboard_read_through_v1_reports_a_failed_conversion(k8s13: K8s) -> None:
    k8s13.create(v2_body("tabs"), version="v2")
    got = k8s13.get("tabs", version="v1").json()
    conversion = got["status"]["conversion"]
    assert (conversion["failed"], conversion["storedVersion"]) == (True, "v2")
    assert conversion["error"].startswith("conversion from v2 to v1 failed")
    assert conversion["source"] == V2_SPEC
    assert got["spec"] == {"title": "V2 board"}


def test_s7_1_v1_dashboard_read_through_v1beta1_converts(k8s13: K8s) -> None:
    k8s13.api.save({"uid": "cl", "title": "Classic"})
    got = k8s13.get("cl", version="v1beta1").json()
    assert got["status"] == {"conversion": {"failed": False, "storedVersion": "v1"}}
    assert got["spec"]["title"] == "Classic"


def test_s7_1_classic_api_refuses_a_v2_dashboard_with_406(k8s13: K8s) -> None:
    k8s13.create(v2_body("tabs"), version="v2")
    response = k8s13.api.get("/api/dashboards/uid/tabs")
    assert response.status_code == 406
    assert response.json() == {
        "message": "dashboard api version not supported, use "
        "/apis/dashboard.grafana.app/v2/namespaces/default/dashboards/tabs instead"
    }


def test_s7_1_v2beta1_read_of_v2_reshapes_transformations(k8s13: K8s) -> None:
    k8s13.create(v2_body("tabs"), version="v2")
    got = k8s13.get("tabs", version="v2beta1").json()
    steps = got["spec"]["elements"]["panel-1"]["spec"]["data"]["spec"]["transformations"]
    assert steps == [{"kind": "organize", "spec": {"id": "organize", "options": {"a": 1}}}]
    assert got["status"]["conversion"] == {"failed": False, "storedVersion": "v2"}


def test_s7_1_v1_write_over_v2_replaces_it(k8s13: K8s) -> None:
    k8s13.create(v2_body("tabs"), version="v2")
    body = {"metadata": {"name": "tabs"}, "spec": {"title": "Flat", "schemaVersion": 42}}
    updated = k8s13.put("tabs", body, version="v1").json()
    assert updated["metadata"]["generation"] == 2
    assert updated["status"] == {}
    assert k8s13.api.get("/api/dashboards/uid/tabs").json()["dashboard"]["title"] == "Flat"
    assert k8s13.get("tabs", version="v2").json()["status"]["conversion"]["storedVersion"] == "v1"


def test_s7_identical_v2_reput_keeps_generation(k8s13: K8s) -> None:
    created = k8s13.create(v2_body("tabs"), version="v2").json()
    again = k8s13.put("tabs", created, version="v2").json()
    assert again["metadata"]["generation"] == 1


def test_s4_6_v2_title_is_validated(k8s13: K8s) -> None:
    response = k8s13.create(v2_body("t", dict(V2_SPEC, title="")), version="v2")
    assert status_of(response) == (400, "BadRequest", "Dashboard title cannot be empty")


def test_s7_2_v2_layout_kind_is_checked(k8s13: K8s) -> None:
    spec = dict(V2_SPEC, layout={"kind": "MasonryLayout", "spec": {}})
    code, reason, text = status_of(k8s13.create(v2_body("t", spec), version="v2"))
    assert (code, reason) == (422, "Invalid") and "spec.layout.kind" in text


def test_s7_v2_is_listed_in_the_classic_search(k8s13: K8s) -> None:
    k8s13.create(v2_body("tabs"), version="v2")
    hits = k8s13.api.get("/api/search", params={"query": "V2 board"}).json()
    assert [hit["uid"] for hit in hits] == ["tabs"]


def test_s1_3_12_0_serves_no_v2(make_api: MakeApi) -> None:
    api = make_api("12.0")
    response = api.post(
        "/apis/dashboard.grafana.app/v2/namespaces/default/dashboards", json=v2_body("x")
    )
    assert (response.status_code, response.text) == (404, "404 page not found\n")


def test_s7_seeded_v2_resource(k8s13: K8s) -> None:
    k8s13.api.emulator.save_resource(1, "seeded", V2_SPEC, api_version="v2", message="seed")
    got = k8s13.get("seeded", version="v2").json()
    assert got["metadata"]["annotations"]["grafana.app/message"] == "seed"


def test_s7_1_13_0_1_v2_failure_can_be_played(make_api: MakeApi) -> None:
    profile = replace(profile_for("13.0"), apis_v2_unregistered=True)
    k8s = K8s(make_api("13.0", profile=profile))
    code, reason, text = status_of(k8s.create(v2_body("tabs"), version="v2"))
    assert (code, reason) == (500, "InternalError")
    assert text.startswith('no kind "Dashboard" is registered for version')
    flat = {"metadata": {"name": "flat"}, "spec": {"title": "F", "schemaVersion": 42}}
    assert k8s.create(flat).status_code == 201


def test_s1_3_12_0_stores_v2alpha1_and_the_classic_api_refuses_it(make_api: MakeApi) -> None:
    k8s = K8s(make_api("12.0"))
    assert k8s.create(v2_body("alpha", version="v2alpha1"), version="v2alpha1").status_code == 201
    response = k8s.api.get("/api/dashboards/uid/alpha")
    assert response.status_code == 406
    assert (
        "/apis/dashboard.grafana.app/v2alpha1/namespaces/default/dashboards/alpha"
        in (response.json()["message"])
    )


def test_s7_2_v2_without_layout_gets_an_empty_grid(k8s13: K8s) -> None:
    spec = {key: value for key, value in V2_SPEC.items() if key != "layout"}
    created = k8s13.create(v2_body("grid", spec), version="v2").json()
    assert created["spec"]["layout"] == {"kind": "GridLayout", "spec": {"items": []}}


def test_s4_6_v2_auto_refresh_is_checked(k8s13: K8s) -> None:
    spec = dict(V2_SPEC, timeSettings={"autoRefresh": "1s", "from": "now-6h", "to": "now"})
    response = k8s13.create(v2_body("fast", spec), version="v2")
    assert status_of(response) == (400, "BadRequest", "Dashboard refresh interval is too low")

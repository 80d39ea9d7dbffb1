"""LIST content negotiation (``Accept``) as k8s.io/apiserver's handlers do it, which the
contract leaves unsaid (grafana-apis.md §4.2; UNCONFIRMED for Grafana, see
``dashgen.testing.apis_partial``): ``as=PartialObjectMetadataList`` answers metadata only,
an ``as=`` not served is 406 NotAcceptable unless a plain clause follows. The Table and the
single-object forms are ``test_apis_s4_1_negotiation``."""

from __future__ import annotations

from dataclasses import replace

from apis_helpers import K8s, resource, status_of
from emulator_api import MakeApi

from dashgen.testing.profiles import profile_for

META = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


def test_s4_2_metadata_list_has_the_full_objects_metadata_and_no_spec(k8s: K8s) -> None:
    k8s.create(resource("cpu", "CPU", folder=None, message="first"))
    k8s.create(resource("mem", "Memory"))
    full = k8s.list().json()
    partial = k8s.list(headers={"Accept": f"{META}, application/json"}).json()
    assert (partial["kind"], partial["apiVersion"]) == (
        "PartialObjectMetadataList",
        "meta.k8s.io/v1",
    )
    assert [item["kind"] for item in partial["items"]] == ["PartialObjectMetadata"] * 2
    assert {item["apiVersion"] for item in partial["items"]} == {"meta.k8s.io/v1"}
    assert [item["metadata"] for item in partial["items"]] == [i["metadata"] for i in full["items"]]
    assert all(set(item) == {"kind", "apiVersion", "metadata"} for item in partial["items"])
    assert partial["metadata"]["resourceVersion"] == full["metadata"]["resourceVersion"]


def test_s4_2_metadata_list_pages_like_the_full_list(k8s: K8s) -> None:
    for index in range(3):
        k8s.api.save({"uid": f"d{index}", "title": f"D{index}"})
    seen, token = [], None
    while True:
        params = {"limit": 2} | ({"continue": token} if token else {})
        body = k8s.list(params=params, headers={"Accept": META}).json()
        assert body["kind"] == "PartialObjectMetadataList"
        seen += [item["metadata"]["name"] for item in body["items"]]
        token = body["metadata"].get("continue")
        if not token:
            break
        assert body["metadata"]["remainingItemCount"] == 3 - len(seen)
    assert seen == ["d0", "d1", "d2"]


def test_s4_2_metadata_list_v1beta1_of_meta(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1"
    body = k8s.list(headers={"Accept": accept}).json()
    assert body["apiVersion"] == "meta.k8s.io/v1beta1"
    assert body["items"][0]["apiVersion"] == "meta.k8s.io/v1beta1"


def test_s4_2_metadata_list_sees_a_classic_save(k8s: K8s) -> None:
    k8s.api.save({"uid": "cpu", "title": "CPU"})
    k8s.api.save({"uid": "cpu", "title": "CPU 2"}, body={"overwrite": True})
    body = k8s.list(headers={"Accept": META}).json()
    assert body["items"][0]["metadata"]["generation"] == 2


def test_s4_2_an_as_not_served_is_406_not_acceptable(k8s: K8s) -> None:
    for accept in (
        "application/json;as=Table;g=meta.k8s.io;v=v2",
        "application/json;as=Dashboard;g=dashboard.grafana.app;v=v1",
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v2",
        "application/json;as=Nonsense",
        "text/html",
    ):
        code, reason, message = status_of(k8s.list(headers={"Accept": accept}))
        assert (code, reason) == (406, "NotAcceptable"), accept
        assert message.startswith("only the following media types are accepted: application/json")


def test_s4_2_a_plain_clause_after_one_not_served_is_the_full_list(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    accept = "application/json;as=Table;g=meta.k8s.io;v=v2, application/json"
    body = k8s.list(headers={"Accept": accept}).json()
    assert body["kind"] == "DashboardList" and body["items"][0]["spec"]["title"] == "CPU"
    assert k8s.list(headers={"Accept": "*/*"}).json()["kind"] == "DashboardList"


def test_s4_2_history_list_negotiates_too(k8s: K8s) -> None:
    k8s.create(resource("cpu", message="one"))
    params = {
        "labelSelector": "grafana.app/get-history=true",
        "fieldSelector": "metadata.name=cpu",
    }
    body = k8s.list(params=params, headers={"Accept": META}).json()
    assert body["kind"] == "PartialObjectMetadataList"
    assert body["items"][0]["metadata"]["annotations"]["grafana.app/message"] == "one"


def test_s4_2_profile_can_ignore_or_refuse_the_metadata_list(make_api: MakeApi) -> None:
    for mode, expected in (("ignored", 200), ("refused", 406)):
        profile = replace(profile_for("13.0"), apis_metadata_lists=mode)
        api = make_api("13.0", profile=profile)
        k8s = K8s(api)
        k8s.create(resource("cpu"))
        for accept in (META, f"{META}, application/json"):
            answer = k8s.list(headers={"Accept": accept})
            assert answer.status_code == expected, (mode, accept)
            if expected == 200:
                assert answer.json()["kind"] == "DashboardList"
        assert k8s.list(headers={"Accept": "application/json"}).json()["kind"] == "DashboardList"


def test_s4_2_the_folders_list_negotiates_as_every_list_does(k8s: K8s) -> None:
    for uid in ("ops", "dev"):
        created = k8s.api.post(
            k8s.folders(), json={"metadata": {"name": uid}, "spec": {"title": uid.upper()}}
        )
        assert created.status_code in (200, 201), created.text
    full = k8s.api.get(k8s.folders()).json()
    assert full["kind"] == "FolderList"
    partial = k8s.api.get(k8s.folders(), headers={"Accept": META}).json()
    assert (partial["kind"], partial["apiVersion"]) == (
        "PartialObjectMetadataList",
        "meta.k8s.io/v1",
    )
    assert [item["metadata"] for item in partial["items"]] == [i["metadata"] for i in full["items"]]
    assert all(set(item) == {"kind", "apiVersion", "metadata"} for item in partial["items"])
    table = k8s.api.get(k8s.folders(), headers={"Accept": "application/json;as=Table;v=v1"})
    assert status_of(table)[:2] == (406, "NotAcceptable")  # (no g=meta.k8s.io)

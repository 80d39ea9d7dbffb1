"""GET and LIST negotiation beyond the metadata list (``dashgen.testing.apis_partial``,
``apis_table``): ``PartialObjectMetadata`` of one object, the ``Table`` kubectl asks for by
default (Grafana's columns, ``includeObject``), and the 406s of a kind that does not fit."""

from __future__ import annotations

from apis_helpers import K8s, resource, status_of

PARTIAL = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
PARTIAL_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
TABLE = "application/json;as=Table;g=meta.k8s.io;v=v1"
# kubectl get's Accept (k8s.io/cli-runtime, resource.Builder with a table transform)
KUBECTL = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


def test_s4_1_partial_object_metadata_of_one_dashboard(k8s: K8s) -> None:
    k8s.create(resource("cpu", "CPU", message="first"))
    full = k8s.get("cpu").json()
    partial = k8s.get("cpu", headers={"Accept": PARTIAL}).json()
    assert partial == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": full["metadata"],
    }
    beta = k8s.get("cpu", headers={"Accept": PARTIAL.replace("v=v1", "v=v1beta1")}).json()
    assert beta["apiVersion"] == "meta.k8s.io/v1beta1"


def test_s4_1_partial_of_a_saved_version_and_of_a_folder(k8s: K8s) -> None:
    first = k8s.create(resource("cpu", "CPU")).json()
    k8s.put("cpu", resource("cpu", "CPU 2"))
    rv = first["metadata"]["resourceVersion"]
    old = k8s.get("cpu", params={"resourceVersion": rv}, headers={"Accept": PARTIAL}).json()
    assert old["kind"] == "PartialObjectMetadata" and old["metadata"]["resourceVersion"] == rv
    made = k8s.api.post(k8s.folders(), json={"metadata": {"name": "ops"}, "spec": {"title": "O"}})
    assert made.status_code == 201, made.text
    folder = k8s.api.get(f"{k8s.folders()}/ops", headers={"Accept": PARTIAL}).json()
    assert folder["kind"] == "PartialObjectMetadata" and folder["metadata"]["name"] == "ops"


def test_s4_1_a_kind_that_does_not_fit_is_406(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    code, reason, message = status_of(k8s.get("cpu", headers={"Accept": PARTIAL_LIST}))
    assert (code, reason) == (406, "NotAcceptable")
    assert message.startswith(
        "you requested PartialObjectMetadataList, but the requested object is not a list (*v"
    )
    # chosen before the plain clause, then refused by the transform
    answer = k8s.list(headers={"Accept": f"{PARTIAL}, application/json"})
    code, reason, message = status_of(answer)
    assert (code, reason) == (406, "NotAcceptable")
    assert message.startswith(
        "you requested PartialObjectMetadata, but the requested object is a list (*v"
    )
    assert message.endswith(".DashboardList)")


def test_s4_1_negotiation_comes_before_the_read(k8s: K8s) -> None:
    code, reason, _ = status_of(k8s.get("nope", headers={"Accept": "text/html"}))
    assert (code, reason) == (406, "NotAcceptable")
    code, reason, _ = status_of(k8s.get("nope", headers={"Accept": PARTIAL_LIST}))
    assert (code, reason) == (404, "NotFound")  # the transform runs on what was read


def test_s4_1_q_orders_the_clauses_and_q_0_refuses_one(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    accept = f"application/json;q=0.5, {PARTIAL};q=0.9"
    assert k8s.get("cpu", headers={"Accept": accept}).json()["kind"] == "PartialObjectMetadata"
    accept = f"{PARTIAL};q=0, application/json;q=0.1"
    assert k8s.get("cpu", headers={"Accept": accept}).json()["kind"] == "Dashboard"


def test_s4_1_table_of_the_dashboards_list(k8s: K8s) -> None:
    k8s.create(resource("cpu", "CPU"))
    k8s.create(resource("mem", "Memory"))
    full = k8s.list().json()
    table = k8s.list(headers={"Accept": KUBECTL}).json()
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Title", "Created At"]
    assert [(c["type"], c["format"]) for c in table["columnDefinitions"]] == [
        ("string", "name"),
        ("string", "string"),
        ("date", ""),
    ]
    assert table["columnDefinitions"][1]["description"] == "The dashboard name"
    assert all(c["priority"] == 0 for c in table["columnDefinitions"])
    created = [i["metadata"]["creationTimestamp"] for i in full["items"]]
    assert [row["cells"] for row in table["rows"]] == [
        ["cpu", "CPU", created[0]],
        ["mem", "Memory", created[1]],
    ]
    assert [row["object"] for row in table["rows"]] == [
        {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": i["metadata"]}
        for i in full["items"]
    ]
    assert table["metadata"] == {"resourceVersion": full["metadata"]["resourceVersion"]}


def test_s4_1_table_include_object(k8s: K8s) -> None:
    k8s.create(resource("cpu", "CPU"))
    full = k8s.get("cpu").json()
    whole = k8s.get("cpu", params={"includeObject": "Object"}, headers={"Accept": TABLE}).json()
    assert whole["rows"] == [{"cells": whole["rows"][0]["cells"], "object": full}]
    assert whole["metadata"] == {"resourceVersion": full["metadata"]["resourceVersion"]}
    none = k8s.list(params={"includeObject": "None"}, headers={"Accept": TABLE}).json()
    assert none["rows"][0]["object"] is None
    code, reason, message = status_of(
        k8s.list(params={"includeObject": "All"}, headers={"Accept": TABLE})
    )
    assert (code, reason) == (400, "BadRequest")
    assert message == (
        'Unable to convert to Table as requested: includeObject: Invalid value: "All": must be '
        "'Metadata', 'Object', 'None', or empty"
    )


def test_s4_1_table_pages_and_an_empty_table_has_no_rows(k8s: K8s) -> None:
    for uid in ("a", "b", "c"):
        k8s.create(resource(uid, uid.upper()))
    page = k8s.list(params={"limit": 2}, headers={"Accept": TABLE}).json()
    assert [row["cells"][0] for row in page["rows"]] == ["a", "b"]
    assert page["metadata"]["continue"] and page["metadata"]["remainingItemCount"] == 1
    empty = k8s.list(params={"labelSelector": "x=y"}, headers={"Accept": TABLE}).json()
    assert empty["rows"] is None  # Go's nil slice


def test_s4_1_table_of_folders(k8s: K8s) -> None:
    for uid, parent in (("ops", None), ("team", "ops")):
        metadata = {"name": uid} | (
            {"annotations": {"grafana.app/folder": parent}} if parent else {}
        )
        made = k8s.api.post(k8s.folders(), json={"metadata": metadata, "spec": {"title": uid}})
        assert made.status_code == 201, made.text
    table = k8s.api.get(k8s.folders(), headers={"Accept": KUBECTL}).json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Title", "Parent"]
    assert [row["cells"] for row in table["rows"]] == [["ops", "ops", ""], ["team", "team", "ops"]]
    one = k8s.api.get(f"{k8s.folders()}/team", headers={"Accept": TABLE}).json()
    assert one["rows"][0]["cells"] == ["team", "team", "ops"]

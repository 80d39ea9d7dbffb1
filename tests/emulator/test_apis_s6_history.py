"""grafana-apis.md §6: history through the grafana.app/get-history label selector."""

from __future__ import annotations

from apis_helpers import K8s, resource, status_of

HISTORY = "grafana.app/get-history=true"


def history(k8s: K8s, name: str, **params: object) -> dict:
    query = {"labelSelector": HISTORY, "fieldSelector": f"metadata.name={name}", **params}
    response = k8s.list(params=query)
    assert response.status_code == 200, response.text
    return response.json()


def test_s6_history_is_newest_first_with_messages(k8s: K8s) -> None:
    created = k8s.create(resource("cpu", "One", message="first")).json()
    created["spec"]["title"] = "Two"
    created["metadata"]["annotations"]["grafana.app/message"] = "second"
    k8s.put("cpu", created)
    k8s.api.save({"uid": "cpu", "title": "Three"}, body={"overwrite": True, "message": "third"})
    items = history(k8s, "cpu")["items"]
    assert [i["metadata"]["generation"] for i in items] == [3, 2, 1]
    assert [i["spec"]["title"] for i in items] == ["Three", "Two", "One"]
    assert [i["metadata"]["annotations"].get("grafana.app/message") for i in items] == [
        "third",
        "second",
        "first",
    ]
    assert all("grafana.app/updatedBy" in i["metadata"]["annotations"] for i in items)
    assert len({i["metadata"]["resourceVersion"] for i in items}) == 3


def test_s6_identical_reput_adds_no_history(k8s: K8s) -> None:
    created = k8s.create(resource("cpu")).json()
    k8s.put("cpu", created)
    k8s.put("cpu", created)
    assert len(history(k8s, "cpu")["items"]) == 1


def test_s6_history_pages(k8s: K8s) -> None:
    for index in range(3):
        k8s.api.save({"uid": "cpu", "title": f"T{index}"}, body={"overwrite": True})
    first = history(k8s, "cpu", limit=2)
    assert [i["metadata"]["generation"] for i in first["items"]] == [3, 2]
    rest = history(k8s, "cpu", limit=2, **{"continue": first["metadata"]["continue"]})
    assert [i["metadata"]["generation"] for i in rest["items"]] == [1]


def test_s6_version_by_resource_version(k8s: K8s) -> None:
    k8s.api.save({"uid": "cpu", "title": "Old"})
    k8s.api.save({"uid": "cpu", "title": "New"}, body={"overwrite": True})
    oldest = history(k8s, "cpu")["items"][-1]
    rv = oldest["metadata"]["resourceVersion"]
    assert k8s.get("cpu", params={"resourceVersion": rv}).json()["spec"]["title"] == "Old"


def test_s6_history_without_field_selector_is_400(k8s: K8s) -> None:
    response = k8s.list(params={"labelSelector": HISTORY})
    assert status_of(response)[:2] == (400, "BadRequest")


def test_s6_history_of_unknown_name_is_empty(k8s: K8s) -> None:
    assert history(k8s, "nope")["items"] == []

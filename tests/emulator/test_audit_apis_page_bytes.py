"""grafana-apis.md §4.2, §6: the storage server also ends a LIST page at the item that brings
it to 2 MiB (``maxPageBytes``), with a ``continue``: a page shorter than ``limit`` is not
necessarily the last one."""

from __future__ import annotations

from apis_helpers import K8s, resource

BIG = "x" * (900 * 1024)  # ~0.9 MiB of description per dashboard


def test_s4_2_a_page_ends_at_2_mib_with_a_continue(k8s: K8s) -> None:
    for name in ("a", "b", "c", "d"):
        assert k8s.create(resource(name, description=BIG)).status_code == 201
    first = k8s.list(params={"limit": "10"}).json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["a", "b", "c"]  # 2.7 MiB >= 2
    token = first["metadata"]["continue"]
    rest = k8s.list(params={"limit": "10", "continue": token}).json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["d"]
    assert "continue" not in rest["metadata"]


def test_s4_2_small_items_still_fill_the_limit(k8s: K8s) -> None:
    for name in ("a", "b", "c"):
        k8s.create(resource(name))
    body = k8s.list(params={"limit": "3"}).json()
    assert len(body["items"]) == 3 and "continue" not in body["metadata"]


def test_s6_history_pages_end_at_2_mib_too(k8s: K8s) -> None:
    current = k8s.create(resource("cpu", "T0", description=BIG)).json()
    for index in range(1, 4):
        current["spec"]["title"] = f"T{index}"
        current = k8s.put("cpu", current).json()
    params = {
        "labelSelector": "grafana.app/get-history=true",
        "fieldSelector": "metadata.name=cpu",
        "limit": "10",
    }
    first = k8s.list(params=params).json()
    assert [i["metadata"]["generation"] for i in first["items"]] == [4, 3, 2]
    rest = k8s.list(params={**params, "continue": first["metadata"]["continue"]}).json()
    assert [i["metadata"]["generation"] for i in rest["items"]] == [1]

"""grafana-apis.md §4.2, §5, §6: a LIST without a usable ``limit`` is one page of 50, as
unified storage's ``List`` defaults it ("default max 50 items in a page"), with a
``continue`` token to the rest."""

from __future__ import annotations

import pytest
from apis_helpers import K8s, resource

COUNT = 53


def _names(body: dict) -> list[str]:
    return [item["metadata"]["name"] for item in body["items"]]


@pytest.mark.parametrize("params", [{}, {"limit": "0"}, {"limit": "-1"}])
def test_s4_2_a_list_without_limit_is_a_page_of_50(k8s: K8s, params: dict[str, str]) -> None:
    for index in range(COUNT):
        k8s.api.save({"uid": f"d{index:02d}", "title": f"D{index}"})
    first = k8s.list(params=params).json()
    assert _names(first) == [f"d{index:02d}" for index in range(50)]
    token = first["metadata"]["continue"]
    rest = k8s.list(params={**params, "continue": token}).json()
    assert _names(rest) == [f"d{index:02d}" for index in range(50, COUNT)]
    assert "continue" not in rest["metadata"]


def test_s4_2_a_limit_above_50_is_kept(k8s: K8s) -> None:
    for index in range(COUNT):
        k8s.api.save({"uid": f"d{index:02d}", "title": f"D{index}"})
    body = k8s.list(params={"limit": "500"}).json()
    assert len(body["items"]) == COUNT and "continue" not in body["metadata"]


def test_s4_2_the_metadata_only_list_pages_the_same(k8s: K8s) -> None:
    for index in range(COUNT):
        k8s.api.save({"uid": f"d{index:02d}", "title": f"D{index}"})
    accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    body = k8s.list(headers={"Accept": accept}).json()
    assert body["kind"] == "PartialObjectMetadataList"
    assert len(body["items"]) == 50 and body["metadata"]["continue"]


def test_s5_a_folder_list_without_limit_is_a_page_of_50(k8s: K8s) -> None:
    for index in range(COUNT):
        k8s.api.post(
            k8s.folders(),
            json={
                "kind": "Folder",
                "metadata": {"name": f"f{index:02d}"},
                "spec": {"title": f"F{index}"},
            },
        )
    body = k8s.api.get(k8s.folders()).json()
    assert len(body["items"]) == 50 and body["metadata"]["continue"]


def test_s6_history_without_limit_is_a_page_of_50(k8s: K8s) -> None:
    current = k8s.create(resource("cpu", "T0")).json()
    for index in range(1, COUNT):
        current["spec"]["title"] = f"T{index}"
        current = k8s.put("cpu", current).json()
    params = {"labelSelector": "grafana.app/get-history=true", "fieldSelector": "metadata.name=cpu"}
    body = k8s.list(params=params).json()
    generations = [item["metadata"]["generation"] for item in body["items"]]
    assert generations == list(range(COUNT, COUNT - 50, -1))
    rest = k8s.list(params={**params, "continue": body["metadata"]["continue"]}).json()
    assert [item["metadata"]["generation"] for item in rest["items"]] == [3, 2, 1]

"""PATCH of dashboards and folders (``dashgen.testing.apis_patch``): JSON patch, merge patch
(kubectl annotate/label/patch on a type it does not know), strategic merge applied as a merge
patch; the result goes through the update path (admission, resourceVersion, dryRun)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from apis_helpers import K8s, resource, status_of

JSON_PATCH = "application/json-patch+json"
MERGE = "application/merge-patch+json"


def _patch(k8s: K8s, path: str, kind: str, body: Any, **kwargs: Any) -> httpx.Response:
    headers = {"Content-Type": kind}
    return k8s.api.patch(path, content=json.dumps(body).encode(), headers=headers, **kwargs)


def test_s4_5_merge_patch_adds_an_annotation_and_keeps_the_rest(k8s: K8s) -> None:
    before = k8s.create(resource("cpu", "CPU", message="first")).json()
    patch = {"metadata": {"annotations": {"example.com/owner": "ops"}}}
    answer = _patch(k8s, k8s.dashboard("cpu"), MERGE, patch)
    assert answer.status_code == 200, answer.text
    after = answer.json()
    assert after["metadata"]["annotations"]["example.com/owner"] == "ops"
    assert after["spec"] == before["spec"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"]  # no spec change
    assert after["metadata"]["resourceVersion"] != before["metadata"]["resourceVersion"]
    assert k8s.get("cpu").json()["metadata"]["annotations"]["example.com/owner"] == "ops"


def test_s4_5_json_patch_changes_the_title_and_bumps_the_generation(k8s: K8s) -> None:
    before = k8s.create(resource("cpu", "CPU")).json()
    ops = [
        {"op": "test", "path": "/spec/title", "value": "CPU"},
        {"op": "replace", "path": "/spec/title", "value": "CPU load"},
        {"op": "add", "path": "/metadata/labels", "value": {"team": "ops"}},
    ]
    answer = _patch(k8s, k8s.dashboard("cpu"), JSON_PATCH, ops)
    assert answer.status_code == 200, answer.text
    assert answer.json()["spec"]["title"] == "CPU load"
    assert answer.json()["metadata"]["labels"]["team"] == "ops"
    assert answer.json()["metadata"]["generation"] == before["metadata"]["generation"] + 1


def test_s4_5_a_json_patch_that_does_not_apply_is_422(k8s: K8s) -> None:
    k8s.create(resource("cpu", "CPU"))
    failed = _patch(
        k8s, k8s.dashboard("cpu"), JSON_PATCH, [{"op": "test", "path": "/spec/title", "value": "X"}]
    )
    code, reason, message = status_of(failed)
    assert (code, reason) == (422, "Invalid")
    assert message == "the server rejected our request due to an error in our request"
    assert failed.json()["details"]["causes"][0]["reason"] == "UnexpectedServerResponse"
    code, reason, _ = status_of(_patch(k8s, k8s.dashboard("cpu"), JSON_PATCH, {"op": "add"}))
    assert (code, reason) == (400, "BadRequest")
    assert k8s.get("cpu").json()["spec"]["title"] == "CPU"


def test_s4_5_patch_goes_through_admission_and_the_resource_version(k8s: K8s) -> None:
    before = k8s.create(resource("cpu", "CPU")).json()
    k8s.put("cpu", resource("cpu", "CPU 2"))
    empty = _patch(k8s, k8s.dashboard("cpu"), MERGE, {"spec": {"title": ""}})
    assert status_of(empty) == (400, "BadRequest", "Dashboard title cannot be empty")
    stale = {"metadata": {"resourceVersion": before["metadata"]["resourceVersion"]}}
    assert status_of(_patch(k8s, k8s.dashboard("cpu"), MERGE, stale))[:2] == (409, "Conflict")
    dry = _patch(
        k8s, k8s.dashboard("cpu"), MERGE, {"spec": {"title": "D"}}, params={"dryRun": "All"}
    )
    assert dry.status_code == 200 and dry.json()["spec"]["title"] == "D"
    assert k8s.get("cpu").json()["spec"]["title"] == "CPU 2"


def test_s4_5_patch_of_a_missing_object_is_404(k8s: K8s) -> None:
    code, reason, _ = status_of(_patch(k8s, k8s.dashboard("nope"), MERGE, {"spec": {}}))
    assert (code, reason) == (404, "NotFound")


def test_s4_5_strategic_merge_and_folders(k8s: K8s) -> None:
    made = k8s.api.post(k8s.folders(), json={"metadata": {"name": "ops"}, "spec": {"title": "O"}})
    assert made.status_code == 201
    path = f"{k8s.folders()}/ops"
    answer = _patch(
        k8s, path, "application/strategic-merge-patch+json", {"spec": {"title": "Operations"}}
    )
    assert answer.status_code == 200, answer.text
    assert k8s.api.get(path).json()["spec"]["title"] == "Operations"
    applied = _patch(k8s, path, "application/apply-patch+yaml", {"spec": {"title": "x"}})
    assert status_of(applied)[:2] == (415, "UnsupportedMediaType")  # (not emulated)


def test_s4_5_discovery_lists_patch(k8s: K8s) -> None:
    resources = k8s.api.get(f"/apis/dashboard.grafana.app/{k8s.v1}").json()["resources"]
    dashboards = next(r for r in resources if r["name"] == "dashboards")
    assert "patch" in dashboards["verbs"]

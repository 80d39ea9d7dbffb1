"""DELETE with ``DeleteOptions`` as client-go and kubectl send them (``apis_delete``):
a JSON body (then the query is not read), ``preconditions`` checked before Grafana's admission
(409 Conflict), ``propagationPolicy``/``orphanDependents``/``dryRun`` validated (422)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from apis_helpers import K8s, resource, status_of


def _delete(
    k8s: K8s, path: str, body: dict[str, Any] | None = None, **kwargs: Any
) -> httpx.Response:
    content = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return k8s.api.call("DELETE", path, content=content, headers=headers, **kwargs)


def test_s4_5_preconditions_that_hold_delete(k8s: K8s) -> None:
    meta = k8s.create(resource("cpu")).json()["metadata"]
    body = {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "preconditions": {"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]},
        "propagationPolicy": "Background",
    }
    answer = _delete(k8s, k8s.dashboard("cpu"), body)
    assert answer.status_code == 200, answer.text
    assert k8s.get("cpu").status_code == 404


def test_s4_5_a_stale_precondition_is_409_conflict(k8s: K8s) -> None:
    first = k8s.create(resource("cpu")).json()["metadata"]
    now = k8s.put("cpu", resource("cpu", "CPU 2")).json()["metadata"]
    stale = {"preconditions": {"resourceVersion": first["resourceVersion"]}}
    code, reason, message = status_of(_delete(k8s, k8s.dashboard("cpu"), stale))
    assert (code, reason) == (409, "Conflict")
    assert message == (
        'Operation cannot be fulfilled on Dashboard.dashboard.grafana.app "cpu": the '
        f"ResourceVersion in the precondition ({first['resourceVersion']}) does not match the "
        f"ResourceVersion in record ({now['resourceVersion']}). The object might have been "
        "modified"
    )
    other = {"preconditions": {"uid": "not-the-uid"}}
    code, _, message = status_of(_delete(k8s, k8s.dashboard("cpu"), other))
    assert code == 409 and message.endswith(
        f"does not match the UID in record ({now['uid']}). The object might have been deleted "
        "and then recreated"
    )
    assert k8s.get("cpu").status_code == 200


def test_s4_5_a_folder_checks_preconditions_too(k8s: K8s) -> None:
    made = k8s.api.post(k8s.folders(), json={"metadata": {"name": "ops"}, "spec": {"title": "O"}})
    assert made.status_code == 201
    stale = {"preconditions": {"resourceVersion": "1"}}
    code, reason, message = status_of(_delete(k8s, f"{k8s.folders()}/ops", stale))
    assert (code, reason) == (409, "Conflict")
    assert message.startswith('Operation cannot be fulfilled on Folder.folder.grafana.app "ops"')


def test_s4_5_delete_options_are_validated(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    path = k8s.dashboard("cpu")
    code, reason, message = status_of(_delete(k8s, path, {"propagationPolicy": "Later"}))
    assert (code, reason) == (422, "Invalid")
    assert message == (
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
        '"Later": supported values: "Foreground", "Background", "Orphan", "nil"'
    )
    both = {"propagationPolicy": "Orphan", "orphanDependents": True}
    code, _, message = status_of(_delete(k8s, path, both))
    assert code == 422 and message.endswith(
        'propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation '
        "cannot be both set"
    )
    code, _, _ = status_of(k8s.delete("cpu", params={"propagationPolicy": "Later"}))
    assert code == 422
    assert k8s.get("cpu").status_code == 200


def test_s4_5_a_body_replaces_the_query(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    path = k8s.dashboard("cpu")
    dry = _delete(k8s, path, {"dryRun": ["All"]})
    assert dry.status_code == 200 and k8s.get("cpu").status_code == 200
    ignored = _delete(k8s, path, {"kind": "DeleteOptions"}, params={"dryRun": "All"})
    assert ignored.status_code == 200 and k8s.get("cpu").status_code == 404

"""grafana-apis.md §4.5 (``?dryRun=All`` stores nothing): k8s's ``DryRunnableStorage.Create``
only copies the admitted object, so storage's stamps are not in the answer (no
``resourceVersion``, which Go omits when empty, no legacy-id label, no ``createdBy``/
``updatedBy``/``updatedTimestamp``), and no id or resourceVersion is used up."""

from __future__ import annotations

from typing import Any

from apis_helpers import K8s, resource

SERVER_ANNOTATIONS = (
    "grafana.app/createdBy",
    "grafana.app/updatedBy",
    "grafana.app/updatedTimestamp",
)
ID_LABEL = "grafana.app/deprecatedInternalID"


def _folder(name: str, **annotations: str) -> dict[str, Any]:
    return {
        "kind": "Folder",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"title": name.upper()},
    }


def _not_stamped(metadata: dict[str, Any]) -> None:
    assert "resourceVersion" not in metadata
    assert ID_LABEL not in metadata.get("labels", {})
    assert not set(SERVER_ANNOTATIONS) & set(metadata.get("annotations", {}))
    assert metadata["generation"] == 1 and metadata["uid"] and metadata["creationTimestamp"]


def test_s4_5_a_dry_run_dashboard_create_is_not_stamped_by_storage(k8s: K8s) -> None:
    body = resource("cpu", message="m")
    body["metadata"]["labels"] = {"team": "ops"}
    answer = k8s.create(body, params={"dryRun": "All"})
    assert answer.status_code == 201
    metadata = answer.json()["metadata"]
    _not_stamped(metadata)
    assert metadata["labels"] == {"team": "ops"}
    assert metadata["annotations"] == {"grafana.app/message": "m"}


def test_s4_5_a_dry_run_upsert_is_not_stamped_either(k8s: K8s) -> None:
    answer = k8s.put("cpu", resource("cpu"), params={"dryRun": "All"})
    assert answer.status_code == 201
    _not_stamped(answer.json()["metadata"])
    assert k8s.get("cpu").status_code == 404


def test_s5_a_dry_run_folder_create_is_not_stamped_and_uses_no_id(k8s: K8s) -> None:
    before = k8s.api.get(k8s.folders()).json()["metadata"]["resourceVersion"]
    answer = k8s.api.post(k8s.folders(), json=_folder("f1"), params={"dryRun": "All"})
    assert answer.status_code == 201
    _not_stamped(answer.json()["metadata"])
    assert k8s.api.get(k8s.folders()).json()["metadata"]["resourceVersion"] == before
    created = k8s.api.post(k8s.folders(), json=_folder("f2")).json()["metadata"]
    assert created["labels"][ID_LABEL] == "1"  # the dry run took no id
    assert k8s.api.get("/api/folders/f2").json()["id"] == 1


def test_s5_a_dry_run_folder_in_a_parent_keeps_the_parent_annotation(k8s: K8s) -> None:
    k8s.api.post(k8s.folders(), json=_folder("top"))
    answer = k8s.api.post(
        k8s.folders(),
        json=_folder("sub", **{"grafana.app/folder": "top"}),
        params={"dryRun": "All"},
    )
    metadata = answer.json()["metadata"]
    assert metadata["annotations"] == {"grafana.app/folder": "top"}
    assert k8s.api.get(k8s.folders() + "/sub").status_code == 404


def test_s4_5_a_stored_create_still_carries_every_stamp(k8s: K8s) -> None:
    metadata = k8s.create(resource("cpu")).json()["metadata"]
    assert metadata["resourceVersion"] and metadata["labels"][ID_LABEL]
    assert set(SERVER_ANNOTATIONS) <= set(metadata["annotations"])

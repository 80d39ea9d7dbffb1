"""grafana-apis.md §3: the dashboard resource, and one store behind /api and /apis (§3.3)."""

from __future__ import annotations

import re

from apis_helpers import K8s, resource
from emulator_api import user_token

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_s3_1_shape_of_a_created_dashboard(k8s: K8s) -> None:
    k8s.api.emulator.create_folder(1, "Ops", uid="ops")
    body = k8s.create(resource("cpu", folder="ops", message="first")).json()
    assert body["apiVersion"] == f"dashboard.grafana.app/{k8s.v1}"
    assert body["kind"] == "Dashboard"
    metadata = body["metadata"]
    assert metadata["name"] == "cpu" and metadata["namespace"] == "default"
    assert UUID.match(metadata["uid"]) and metadata["uid"] != "cpu"
    assert metadata["generation"] == 1
    assert metadata["resourceVersion"].isdigit()
    assert STAMP.match(metadata["creationTimestamp"])
    assert metadata["labels"] == {
        "grafana.app/deprecatedInternalID": str(
            k8s.api.emulator.dashboard(1, "cpu").id  # type: ignore[union-attr]
        )
    }
    annotations = metadata["annotations"]
    assert annotations["grafana.app/folder"] == "ops"
    assert annotations["grafana.app/message"] == "first"
    assert annotations["grafana.app/createdBy"].startswith("user:")
    assert annotations["grafana.app/updatedBy"] == annotations["grafana.app/createdBy"]
    assert STAMP.match(annotations["grafana.app/updatedTimestamp"])
    assert body["status"] == {}


def test_s3_1_service_account_writes_are_service_account_references(k8s: K8s) -> None:
    token = user_token(k8s.api, "Editor")
    annotations = k8s.create(resource("cpu"), token=token).json()["metadata"]["annotations"]
    assert annotations["grafana.app/createdBy"].startswith("service-account:")


def test_s3_1_root_dashboard_has_no_folder_annotation(k8s: K8s) -> None:
    annotations = k8s.create(resource("cpu")).json()["metadata"]["annotations"]
    assert "grafana.app/folder" not in annotations
    assert "grafana.app/message" not in annotations


def test_s3_3_spec_id_uid_version_are_removed_on_write(k8s: K8s) -> None:
    body = k8s.create(resource("cpu", id=77, uid="other", version=9)).json()
    assert not {"id", "uid", "version"} & set(body["spec"])
    assert not {"id", "uid", "version"} & set(k8s.get("cpu").json()["spec"])


def test_s3_3_classic_save_is_listed_with_generation_equal_to_version(k8s: K8s) -> None:
    k8s.api.save({"uid": "cl", "title": "Classic"})
    k8s.api.save({"uid": "cl", "title": "Classic 2"}, body={"overwrite": True})
    item = k8s.get("cl").json()
    assert item["metadata"]["generation"] == 2
    assert item["spec"]["title"] == "Classic 2"
    assert not {"id", "uid", "version"} & set(item["spec"])
    classic = k8s.api.get("/api/dashboards/uid/cl").json()
    assert classic["meta"]["version"] == item["metadata"]["generation"]


def test_s3_3_resource_write_is_seen_by_the_classic_api(k8s: K8s) -> None:
    created = k8s.create(resource("cpu", message="m1")).json()
    created["spec"]["title"] = "CPU 2"
    k8s.put("cpu", created)
    classic = k8s.api.get("/api/dashboards/uid/cpu").json()
    assert classic["dashboard"]["title"] == "CPU 2"
    assert classic["dashboard"]["uid"] == "cpu"
    assert classic["dashboard"]["version"] == classic["meta"]["version"] == 2
    versions = k8s.api.get("/api/dashboards/uid/cpu/versions").json()
    listed = versions["versions"] if isinstance(versions, dict) else versions
    assert [v["version"] for v in listed] == [2, 1]


def test_s3_3_classic_save_after_resource_write_continues_the_generations(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    saved = k8s.api.save({"uid": "cpu", "title": "From classic", "version": 1}).json()
    assert saved["version"] == 2
    assert k8s.get("cpu").json()["metadata"]["generation"] == 2


def test_s3_3_identical_reput_keeps_generation_and_updated_by(k8s: K8s) -> None:
    created = k8s.create(resource("cpu")).json()
    editor = user_token(k8s.api, "Editor")
    again = k8s.put("cpu", created, token=editor).json()
    assert again["metadata"]["generation"] == 1
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert again["metadata"]["annotations"] == created["metadata"]["annotations"]
    assert len(k8s.api.emulator.versions(1, "cpu")) == 1


def test_s3_3_classic_resave_always_adds_a_version(k8s: K8s) -> None:
    k8s.api.save({"uid": "cl", "title": "Same"})
    k8s.api.save({"uid": "cl", "title": "Same"}, body={"overwrite": True})
    assert k8s.get("cl").json()["metadata"]["generation"] == 2


def test_s3_1_every_write_changes_the_resource_version(k8s: K8s) -> None:
    first = k8s.create(resource("cpu")).json()["metadata"]["resourceVersion"]
    k8s.api.save({"uid": "cpu", "title": "classic"}, body={"overwrite": True})
    second = k8s.get("cpu").json()["metadata"]["resourceVersion"]
    assert second != first and int(second) > int(first)


def test_s3_1_folder_move_bumps_generation(k8s: K8s) -> None:
    k8s.api.emulator.create_folder(1, "Ops", uid="ops")
    created = k8s.create(resource("cpu")).json()
    created["metadata"]["annotations"]["grafana.app/folder"] = "ops"
    moved = k8s.put("cpu", created).json()
    assert moved["metadata"]["generation"] == 2
    assert k8s.api.get("/api/dashboards/uid/cpu").json()["meta"]["folderUid"] == "ops"


def test_s3_1_client_annotations_are_kept_server_ones_replaced(k8s: K8s) -> None:
    body = resource("cpu")
    body["metadata"]["annotations"].update(
        {
            "grafana.app/managedBy": "kubectl",
            "grafana.app/managerId": "gcx",
            "grafana.app/createdBy": "user:forged",
            "grafana.app/grant-permissions": "default",
        }
    )
    annotations = k8s.create(body).json()["metadata"]["annotations"]
    assert annotations["grafana.app/managedBy"] == "kubectl"
    assert annotations["grafana.app/managerId"] == "gcx"
    assert annotations["grafana.app/createdBy"] != "user:forged"
    assert "grafana.app/grant-permissions" not in annotations


def test_s3_1_annotation_only_change_keeps_generation_new_resource_version(k8s: K8s) -> None:
    created = k8s.create(resource("cpu")).json()
    created["metadata"]["annotations"]["example.com/owner"] = "team-a"
    changed = k8s.put("cpu", created).json()
    assert changed["metadata"]["generation"] == 1
    assert changed["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    assert changed["metadata"]["annotations"]["example.com/owner"] == "team-a"


def test_s3_1_a_boolean_replacing_a_number_is_a_change(k8s: K8s) -> None:
    created = k8s.create(resource("cpu", editable=1)).json()
    created["spec"]["editable"] = True
    assert k8s.put("cpu", created).json()["metadata"]["generation"] == 2


def test_s3_1_key_order_is_not_a_change(k8s: K8s) -> None:
    created = k8s.create(resource("cpu", tags=["a"], links=[])).json()
    created["spec"] = dict(reversed(list(created["spec"].items())))
    assert k8s.put("cpu", created).json()["metadata"]["generation"] == 1

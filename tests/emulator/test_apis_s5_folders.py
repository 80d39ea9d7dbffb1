"""grafana-apis.md §5: folders on folder.grafana.app, shared with /api/folders."""

from __future__ import annotations

from typing import Any

from apis_helpers import K8s, resource, status_of


def folder(name: str | None, title: str = "Ops", parent: str | None = None) -> dict[str, Any]:
    annotations = {"grafana.app/folder": parent} if parent else {}
    metadata: dict[str, Any] = {"annotations": annotations}
    if name:
        metadata["name"] = name
    return {"kind": "Folder", "metadata": metadata, "spec": {"title": title}}


def test_s5_post_201_and_seen_by_the_classic_api(k8s: K8s) -> None:
    response = k8s.api.post(k8s.folders(), json=folder("ops"))
    assert response.status_code == 201
    body = response.json()
    assert body["apiVersion"] == f"folder.grafana.app/{k8s.folder_v}"
    assert body["kind"] == "Folder"
    assert (body["metadata"]["name"], body["spec"]) == ("ops", {"title": "Ops"})
    assert body["metadata"]["generation"] == 1
    assert k8s.api.get("/api/folders/ops").json()["title"] == "Ops"


def test_s5_post_existing_is_409_already_exists(k8s: K8s) -> None:
    k8s.api.emulator.create_folder(1, "Ops", uid="ops")
    response = k8s.api.post(k8s.folders(), json=folder("ops"))
    assert status_of(response) == (
        409,
        "AlreadyExists",
        'folders.folder.grafana.app "ops" already exists',
    )


def test_s5_parent_is_the_folder_annotation(k8s: K8s) -> None:
    k8s.api.post(k8s.folders(), json=folder("parent", "Parent"))
    k8s.api.post(k8s.folders(), json=folder("child", "Child", parent="parent"))
    assert k8s.api.get("/api/folders/child").json()["parentUid"] == "parent"
    got = k8s.api.get(k8s.folders() + "/child").json()
    assert got["metadata"]["annotations"]["grafana.app/folder"] == "parent"
    root = k8s.api.get(k8s.folders() + "/parent").json()
    assert "grafana.app/folder" not in root["metadata"]["annotations"]


def test_s5_classic_folder_is_a_resource(k8s: K8s) -> None:
    k8s.api.post("/api/folders", json={"uid": "cl", "title": "Classic"})
    items = k8s.api.get(k8s.folders()).json()["items"]
    assert [(i["metadata"]["name"], i["spec"]["title"]) for i in items] == [("cl", "Classic")]


def test_s5_put_renames_and_moves(k8s: K8s) -> None:
    k8s.api.emulator.create_folder(1, "Parent", uid="parent")
    created = k8s.api.post(k8s.folders(), json=folder("ops")).json()
    created["spec"]["title"] = "Operations"
    created["metadata"]["annotations"]["grafana.app/folder"] = "parent"
    updated = k8s.api.put(k8s.folders() + "/ops", json=created)
    assert updated.status_code == 200
    classic = k8s.api.get("/api/folders/ops").json()
    assert (classic["title"], classic["parentUid"]) == ("Operations", "parent")
    assert updated.json()["metadata"]["generation"] > 1


def test_s5_stale_put_is_409_conflict(k8s: K8s) -> None:
    created = k8s.api.post(k8s.folders(), json=folder("ops")).json()
    k8s.api.put("/api/folders/ops", json={"title": "Renamed", "overwrite": True})
    created["spec"]["title"] = "Mine"
    response = k8s.api.put(k8s.folders() + "/ops", json=created)
    assert status_of(response)[:2] == (409, "Conflict")


def test_s5_identical_put_writes_nothing(k8s: K8s) -> None:
    created = k8s.api.post(k8s.folders(), json=folder("ops")).json()
    again = k8s.api.put(k8s.folders() + "/ops", json=created).json()
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert again["metadata"]["generation"] == 1


def test_s5_put_missing_creates(k8s: K8s) -> None:
    assert k8s.api.put(k8s.folders() + "/new", json=folder("new")).status_code == 201


def test_s5_delete_takes_the_dashboards_along(k8s: K8s) -> None:
    k8s.api.emulator.create_folder(1, "Ops", uid="ops")
    k8s.create(resource("cpu", folder="ops"))
    response = k8s.api.delete(k8s.folders() + "/ops")
    assert response.status_code == 200 and response.json()["metadata"]["name"] == "ops"
    assert status_of(k8s.get("cpu"))[:2] == (404, "NotFound")


def test_s5_list_pages(k8s: K8s) -> None:
    for name in ("a", "b", "c"):
        k8s.api.emulator.create_folder(1, name.upper(), uid=name)
    first = k8s.api.get(k8s.folders(), params={"limit": 2}).json()
    assert first["kind"] == "FolderList"
    assert [i["metadata"]["name"] for i in first["items"]] == ["a", "b"]
    rest = k8s.api.get(
        k8s.folders(), params={"limit": 2, "continue": first["metadata"]["continue"]}
    ).json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["c"]
    assert "continue" not in rest["metadata"]


def test_s5_missing_folder_is_404(k8s: K8s) -> None:
    response = k8s.api.get(k8s.folders() + "/nope")
    assert status_of(response) == (404, "NotFound", 'folders.folder.grafana.app "nope" not found')


def test_s5_reserved_uid_is_a_status(k8s: K8s) -> None:
    response = k8s.api.post(k8s.folders(), json=folder("general"))
    assert status_of(response) == (400, "BadRequest", "invalid uid for folder provided")


def test_s5_dry_run_creates_nothing(k8s: K8s) -> None:
    response = k8s.api.post(k8s.folders(), json=folder("ops"), params={"dryRun": "All"})
    assert response.status_code == 201
    assert k8s.api.get("/api/folders/ops").status_code == 404

"""grafana-apis.md §8.2, §4.3, §4.4: dashboards managed by Git Sync (and other managers)."""

from __future__ import annotations

from apis_helpers import K8s, resource, status_of

REPO = "grafana.app/managedBy"


def seeded(k8s: K8s) -> dict:
    k8s.api.save({"uid": "synced", "title": "From Git", "schemaVersion": 41})
    k8s.api.emulator.manage_by_repository(1, "synced", "team-repo", "dashboards/synced.json")
    return k8s.get("synced").json()


def test_s8_2_managed_dashboard_carries_the_manager_annotations(k8s: K8s) -> None:
    annotations = seeded(k8s)["metadata"]["annotations"]
    assert annotations[REPO] == "repo"
    assert annotations["grafana.app/managerId"] == "team-repo"
    assert annotations["grafana.app/sourcePath"] == "dashboards/synced.json"


def test_s4_3_writing_a_repo_managed_dashboard_is_refused(k8s: K8s) -> None:
    live = seeded(k8s)
    live["spec"]["title"] = "Edited"
    code, reason, text = status_of(k8s.put("synced", live))
    assert (code, reason) == (500, "InternalError")
    assert text == "Internal error occurred: this resource is managed by a repository"
    assert k8s.get("synced").json()["spec"]["title"] == "From Git"


def test_s4_3_dry_run_write_is_refused_too(k8s: K8s) -> None:
    live = seeded(k8s)
    assert k8s.put("synced", live, params={"dryRun": "All"}).status_code == 500


def test_s4_5_deleting_a_repo_managed_dashboard_is_refused(k8s: K8s) -> None:
    seeded(k8s)
    assert status_of(k8s.delete("synced"))[:2] == (500, "InternalError")
    assert k8s.get("synced").status_code == 200


def test_s4_4_removing_the_repo_manager_is_403(k8s: K8s) -> None:
    live = seeded(k8s)
    for key in (REPO, "grafana.app/managerId", "grafana.app/sourcePath"):
        del live["metadata"]["annotations"][key]
    assert status_of(k8s.put("synced", live)) == (
        403,
        "Forbidden",
        "Can not remove resource manager from resource",
    )


def test_s4_4_changing_the_manager_identity_is_403(k8s: K8s) -> None:
    body = resource("gcx")
    body["metadata"]["annotations"].update({REPO: "kubectl", "grafana.app/managerId": "gcx"})
    live = k8s.create(body).json()
    live["metadata"]["annotations"]["grafana.app/managerId"] = "dashgen"
    code, reason, text = status_of(k8s.put("gcx", live))
    assert (code, reason) == (403, "Forbidden")
    assert text.startswith("Cannot change resource manager identity")


def test_s4_4_kubectl_managed_dashboards_stay_writable(k8s: K8s) -> None:
    body = resource("gcx")
    body["metadata"]["annotations"].update({REPO: "kubectl", "grafana.app/managerId": "gcx"})
    live = k8s.create(body).json()
    live["spec"]["title"] = "Edited by gcx"
    assert k8s.put("gcx", live).status_code == 200


def test_s4_3_creating_with_a_repo_manager_is_refused(k8s: K8s) -> None:
    body = resource("new")
    body["metadata"]["annotations"].update({REPO: "repo", "grafana.app/managerId": "r"})
    assert status_of(k8s.create(body))[:2] == (500, "InternalError")


def test_s8_2_classic_api_treats_repo_managed_as_provisioned(k8s: K8s) -> None:
    seeded(k8s)
    meta = k8s.api.get("/api/dashboards/uid/synced").json()["meta"]
    assert meta["provisioned"] is True
    saved = k8s.api.save({"uid": "synced", "title": "x"}, body={"overwrite": True})
    assert (saved.status_code, saved.json()) == (
        400,
        {"message": "Cannot save provisioned dashboard"},
    )
    deleted = k8s.api.delete("/api/dashboards/uid/synced")
    assert deleted.json() == {"message": "provisioned dashboard cannot be deleted"}


def synced_folder(k8s: K8s) -> None:
    k8s.api.emulator.create_folder(1, "Synced", uid="synced-folder")
    k8s.api.emulator.manage_by_repository(1, "synced-folder", "team-repo")


def test_s4_3_unmanaged_dashboard_in_a_git_sync_folder_is_403(k8s: K8s) -> None:
    synced_folder(k8s)
    code, reason, text = status_of(k8s.create(resource("mine", folder="synced-folder")))
    assert (code, reason) == (403, "Forbidden")
    assert text == "folder is managed by repo:team-repo, but the resource is not managed"


def test_s4_4_moving_into_a_git_sync_folder_is_403(k8s: K8s) -> None:
    synced_folder(k8s)
    live = k8s.create(resource("mine")).json()
    live["metadata"]["annotations"]["grafana.app/folder"] = "synced-folder"
    assert status_of(k8s.put("mine", live))[:2] == (403, "Forbidden")


def test_s4_3_other_manager_in_a_git_sync_folder_is_403(k8s: K8s) -> None:
    synced_folder(k8s)
    body = resource("gcx", folder="synced-folder")
    body["metadata"]["annotations"].update({REPO: "kubectl", "grafana.app/managerId": "gcx"})
    text = status_of(k8s.create(body))[2]
    assert text.startswith("resource manager (kubectl:gcx) does not match folder manager")


def test_s8_2_git_sync_folder_cannot_be_changed_or_deleted(k8s: K8s) -> None:
    synced_folder(k8s)
    path = k8s.folders() + "/synced-folder"
    live = k8s.api.get(path).json()
    assert live["metadata"]["annotations"][REPO] == "repo"
    assert live["metadata"]["annotations"]["grafana.app/sourcePath"] == "synced-folder/_folder.json"
    live["spec"]["title"] = "Renamed"
    assert status_of(k8s.api.put(path, json=live))[:2] == (500, "InternalError")
    assert status_of(k8s.api.delete(path))[:2] == (500, "InternalError")
    assert k8s.api.get("/api/folders/synced-folder").json()["title"] == "Synced"

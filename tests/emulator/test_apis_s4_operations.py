"""grafana-apis.md §4.1-§4.5 (and §0's Status bodies): GET, LIST, POST, PUT, DELETE, dryRun."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from apis_helpers import K8s, resource, status_of


def test_s4_1_get_missing_is_404_not_found(k8s: K8s) -> None:
    response = k8s.get("nope")
    assert status_of(response) == (
        404,
        "NotFound",
        'dashboards.dashboard.grafana.app "nope" not found',
    )
    assert response.json()["details"] == {
        "name": "nope",
        "group": "dashboard.grafana.app",
        "kind": "dashboards",
    }


def test_s4_1_get_resource_version_reads_that_version(k8s: K8s) -> None:
    first = k8s.create(resource("cpu", "One")).json()
    first_rv = first["metadata"]["resourceVersion"]
    first["spec"]["title"] = "Two"
    k8s.put("cpu", first)
    old = k8s.get("cpu", params={"resourceVersion": first_rv}).json()
    assert (old["spec"]["title"], old["metadata"]["generation"]) == ("One", 1)
    assert k8s.get("cpu").json()["spec"]["title"] == "Two"
    assert k8s.get("cpu", params={"resourceVersion": "12"}).status_code == 404


def test_s4_1_dto_adds_access(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    body = k8s.api.get(k8s.dashboard("cpu") + "/dto").json()
    assert body["spec"]["title"] == "CPU"
    assert body["access"]["canSave"] is True and body["access"]["url"] == "/d/cpu/cpu"


def test_s4_2_list_pages_with_limit_and_continue(k8s: K8s) -> None:
    for index in range(5):
        k8s.api.save({"uid": f"d{index}", "title": f"D{index}"})
    seen, token, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"continue": token} if token else {})
        body = k8s.list(params=params).json()
        assert body["kind"] == "DashboardList"
        assert body["apiVersion"] == f"dashboard.grafana.app/{k8s.v1}"
        seen += [item["metadata"]["name"] for item in body["items"]]
        pages += 1
        token = body["metadata"].get("continue")
        if not token:
            assert "remainingItemCount" not in body["metadata"]
            break
        assert body["metadata"]["remainingItemCount"] == 5 - len(seen)
    assert (seen, pages) == (["d0", "d1", "d2", "d3", "d4"], 3)


def test_s4_2_list_without_limit_is_everything_with_full_specs(k8s: K8s) -> None:
    k8s.api.save({"uid": "a", "title": "A", "panels": [{"id": 1, "type": "text"}]})
    body = k8s.list().json()
    assert body["metadata"]["resourceVersion"].isdigit()
    assert "continue" not in body["metadata"]
    assert body["items"][0]["spec"]["panels"] == [{"id": 1, "type": "text"}]


def test_s4_2_bad_continue_token_is_400(k8s: K8s) -> None:
    assert status_of(k8s.list(params={"continue": "not-a-token"}))[:2] == (400, "BadRequest")


def test_s4_2_label_selector(k8s: K8s) -> None:
    team_a = resource("a")
    team_a["metadata"]["labels"] = {"team": "a"}
    team_b = resource("b")
    team_b["metadata"]["labels"] = {"team": "b"}
    k8s.create(team_a)
    k8s.create(team_b)
    k8s.create(resource("c"))

    def names(selector: str) -> list[str]:
        items = k8s.list(params={"labelSelector": selector}).json()["items"]
        return [i["metadata"]["name"] for i in items]

    assert names("team=a") == ["a"]
    assert names("team!=a") == ["b", "c"]
    assert names("team in (a,b)") == ["a", "b"]
    assert names("team") == ["a", "b"]
    assert names("!team") == ["c"]
    assert names("grafana.app/get-trash=true") == []


def test_s4_2_field_selector_only_name(k8s: K8s) -> None:
    k8s.create(resource("a"))
    k8s.create(resource("b"))
    items = k8s.list(params={"fieldSelector": "metadata.name=b"}).json()["items"]
    assert [i["metadata"]["name"] for i in items] == ["b"]
    code, reason, text = status_of(k8s.list(params={"fieldSelector": "spec.title=A"}))
    assert (code, reason, text) == (400, "BadRequest", "field label not supported: spec.title")


def test_s4_3_post_201_then_409_already_exists(k8s: K8s) -> None:
    created = k8s.create(resource("cpu"))
    assert created.status_code == 201
    again = k8s.create(resource("cpu"))
    assert status_of(again) == (
        409,
        "AlreadyExists",
        'dashboards.dashboard.grafana.app "cpu" already exists',
    )


def test_s4_3_generate_name(k8s: K8s) -> None:
    body = resource(None)
    body["metadata"]["generateName"] = "cpu-"
    name = k8s.create(body).json()["metadata"]["name"]
    assert name.startswith("cpu-") and len(name) == 9
    assert "generateName" not in k8s.get(name).json()["metadata"]


def test_s4_3_no_name_is_422(k8s: K8s) -> None:
    code, reason, text = status_of(k8s.create(resource(None)))
    assert (code, reason) == (422, "Invalid")
    assert "metadata.name: Required value: name or generateName is required" in text


def test_s4_3_resource_version_on_create_is_refused(k8s: K8s) -> None:
    body = resource("cpu")
    body["metadata"]["resourceVersion"] = "123"
    assert status_of(k8s.create(body))[:2] == (500, "InternalError")
    assert k8s.api.emulator.dashboard(1, "cpu") is None


def test_s4_3_missing_folder_is_404_for_folders(k8s: K8s) -> None:
    response = k8s.create(resource("cpu", folder="nope"))
    assert status_of(response) == (404, "NotFound", 'folders.folder.grafana.app "nope" not found')


def test_s4_3_api_version_mismatch_is_400(k8s: K8s) -> None:
    body = resource("cpu", api_version="dashboard.grafana.app/v0alpha1")
    code, reason, text = status_of(k8s.create(body))
    assert (code, reason) == (400, "BadRequest")
    assert text == (
        "the API version in the data (dashboard.grafana.app/v0alpha1) does not match the "
        f"expected API version (dashboard.grafana.app/{k8s.v1})"
    )


def test_s4_4_put_updates_200(k8s: K8s) -> None:
    created = k8s.create(resource("cpu")).json()
    created["spec"]["title"] = "New"
    response = k8s.put("cpu", created)
    assert response.status_code == 200
    assert response.json()["metadata"]["generation"] == 2


def test_s4_4_stale_resource_version_is_409_conflict(k8s: K8s) -> None:
    created = k8s.create(resource("cpu")).json()
    k8s.api.save({"uid": "cpu", "title": "Changed in the UI"}, body={"overwrite": True})
    created["spec"]["title"] = "Mine"
    assert status_of(k8s.put("cpu", created)) == (
        409,
        "Conflict",
        'Operation cannot be fulfilled on dashboards.dashboard.grafana.app "cpu": the object '
        "has been modified; please apply your changes to the latest version and try again",
    )
    assert k8s.get("cpu").json()["spec"]["title"] == "Changed in the UI"


def test_s4_4_put_without_resource_version_overwrites(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    response = k8s.put("cpu", resource("cpu", "Blind"))
    assert response.status_code == 200 and response.json()["spec"]["title"] == "Blind"


def test_s4_4_put_missing_name_creates_201(k8s: K8s) -> None:
    response = k8s.put("fresh", resource("fresh"))
    assert response.status_code == 201
    assert response.json()["metadata"]["generation"] == 1
    assert k8s.api.get("/api/dashboards/uid/fresh").status_code == 200


def test_s4_4_put_missing_name_with_resource_version_is_404(k8s: K8s) -> None:
    body = resource("fresh")
    body["metadata"]["resourceVersion"] = "5"
    assert status_of(k8s.put("fresh", body))[:2] == (404, "NotFound")


def test_s4_4_name_mismatch_is_400(k8s: K8s) -> None:
    response = k8s.put("url-name", resource("body-name"))
    assert status_of(response) == (
        400,
        "BadRequest",
        "the name of the object (body-name) does not match the name on the URL (url-name)",
    )


def test_s4_4_namespace_mismatch_is_400(k8s: K8s) -> None:
    body = resource("cpu")
    body["metadata"]["namespace"] = "org-7"
    assert status_of(k8s.create(body))[:2] == (400, "BadRequest")


def test_s4_4_move_to_missing_folder_is_404(k8s: K8s) -> None:
    created = k8s.create(resource("cpu")).json()
    created["metadata"]["annotations"]["grafana.app/folder"] = "gone"
    assert status_of(k8s.put("cpu", created))[:2] == (404, "NotFound")


def test_s4_5_delete_answers_the_object_then_404(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    deleted = k8s.delete("cpu")
    assert deleted.status_code == 200 and deleted.json()["metadata"]["name"] == "cpu"
    assert k8s.api.get("/api/dashboards/uid/cpu").status_code == 404
    assert status_of(k8s.delete("cpu"))[:2] == (404, "NotFound")


def test_s4_5_provisioned_dashboard_cannot_be_deleted(k8s: K8s) -> None:
    k8s.api.emulator.provision_dashboard(1, {"uid": "prov", "title": "P"})
    code, reason, text = status_of(k8s.delete("prov"))
    assert (code, reason, text) == (400, "BadRequest", "provisioned dashboard cannot be deleted")
    annotations = k8s.get("prov").json()["metadata"]["annotations"]
    assert annotations["grafana.app/managedBy"] == "classic-file-provisioning"


def test_s4_5_dry_run_create_stores_nothing(k8s: K8s) -> None:
    response = k8s.create(resource("cpu"), params={"dryRun": "All"})
    assert response.status_code == 201
    assert response.json()["metadata"]["name"] == "cpu"
    assert k8s.get("cpu").status_code == 404
    assert k8s.api.emulator.dashboard(1, "cpu") is None


def test_s4_5_dry_run_still_validates(k8s: K8s) -> None:
    response = k8s.create(resource("cpu", ""), params={"dryRun": "All"})
    assert status_of(response) == (400, "BadRequest", "Dashboard title cannot be empty")


def test_s4_5_dry_run_skips_the_folder_existence_check(k8s: K8s) -> None:
    response = k8s.create(resource("cpu", folder="not-yet"), params={"dryRun": "All"})
    assert response.status_code == 201


def test_s4_5_dry_run_update_and_delete_change_nothing(k8s: K8s) -> None:
    created = k8s.create(resource("cpu")).json()
    created["spec"]["title"] = "Would be"
    preview = k8s.put("cpu", created, params={"dryRun": "All"}).json()
    assert preview["spec"]["title"] == "Would be"
    assert k8s.get("cpu").json()["spec"]["title"] == "CPU"
    assert k8s.get("cpu").json()["metadata"]["generation"] == 1
    assert k8s.delete("cpu", params={"dryRun": "All"}).status_code == 200
    assert k8s.get("cpu").status_code == 200


def test_s4_5_unknown_dry_run_value_is_422(k8s: K8s) -> None:
    assert status_of(k8s.create(resource("cpu"), params={"dryRun": "Yes"}))[:2] == (422, "Invalid")


def test_s4_5_patch_needs_a_patch_content_type(k8s: K8s) -> None:
    """PATCH is served (``apis_patch``; test_apis_s4_5_patch), with a patch type only."""
    k8s.create(resource("cpu"))
    code, reason, message = status_of(k8s.api.patch(k8s.dashboard("cpu"), json={}))
    assert (code, reason) == (415, "UnsupportedMediaType")
    assert message == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/strategic-merge-patch+json"
    )


def test_s4_non_json_body_is_415(k8s: K8s) -> None:
    response = k8s.api.post(
        k8s.dashboards(), content=b"title: x", headers={"Content-Type": "text/plain"}
    )
    assert status_of(response) == (
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml, application/vnd.kubernetes.protobuf",
    )


def test_s4_invalid_json_is_400(k8s: K8s) -> None:
    response = k8s.api.post(
        k8s.dashboards(), content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert status_of(response)[:2] == (400, "BadRequest")


def test_s4_6_body_over_the_request_limit_is_413(k8s: K8s) -> None:
    huge = resource("big", description="x" * (3 * 1024 * 1024))
    response = k8s.create(huge)
    assert status_of(response) == (
        413,
        "RequestEntityTooLarge",
        "Request entity too large: limit is 3145728",
    )


def test_s4_4_concurrent_puts_with_one_resource_version_one_wins(k8s: K8s) -> None:
    created = k8s.create(resource("cpu")).json()

    def put(index: int) -> int:
        body = {**created, "spec": {**created["spec"], "title": f"Writer {index}"}}
        return k8s.put("cpu", body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(put, range(8)))
    assert statuses == [200] + [409] * 7
    assert k8s.get("cpu").json()["metadata"]["generation"] == 2

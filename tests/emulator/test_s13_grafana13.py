"""Contract §13: 13.0 mode is 12.0 except stale saves (409) and the removed id routes."""

from __future__ import annotations

from emulator_api import Api


def test_s13_stale_save_409(api13: Api) -> None:
    api13.save({"title": "x", "uid": "s"})
    response = api13.save({"title": "x", "uid": "s", "version": 0})
    assert (response.status_code, response.json()) == (409, {"message": "Dashboard already exists"})


def test_s13_current_version_saves(api13: Api) -> None:
    api13.save({"title": "x", "uid": "s"})
    assert api13.save({"title": "x", "uid": "s", "version": 1}).json()["version"] == 2


def test_s13_id_routes_gone_404(api13: Api) -> None:
    saved = api13.save({"title": "x", "uid": "s"}).json()
    response = api13.get(f"/api/dashboards/id/{saved['id']}/versions")
    assert (response.status_code, response.json()) == (404, {"message": "Not found"})
    assert api13.get("/api/dashboards/uid/s/versions").status_code == 200


def test_s13_api_keys_gone_service_accounts_work(api13: Api) -> None:
    assert api13.post("/api/auth/keys", json={"name": "k", "role": "Admin"}).status_code == 404
    assert api13.post("/api/serviceaccounts", json={"name": "sa"}).status_code == 201


def test_s13_api_key_list_and_delete_are_gone_too(api13: Api) -> None:
    """grafana-backup's pre-check ``GET /api/auth/keys`` meets this 404 on 12.1+ (contract
    §7; ysde/grafana-backup-tool #300); a key seeded as migrated still authenticates."""
    key = api13.emulator.create_api_key(1, "Admin", "old")
    listed = api13.get("/api/auth/keys", token=key)
    assert (listed.status_code, listed.json()) == (404, {"message": "Not found"})
    assert api13.delete("/api/auth/keys/1").json() == {"message": "Not found"}
    assert api13.get("/api/org", token=key).status_code == 200


def test_s13_no_name_uniqueness(api13: Api) -> None:
    api13.save({"title": "Same", "uid": "a"})
    assert api13.save({"title": "Same", "uid": "b"}).status_code == 200


def test_s13_health_reports_version(api13: Api) -> None:
    assert api13.get("/api/health", user=None).json()["version"] == "13.0.0"

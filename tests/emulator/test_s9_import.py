"""Contract §9: POST /api/dashboards/import."""

from __future__ import annotations

from typing import Any

from emulator_api import Api


def exported() -> dict[str, Any]:
    return {
        "__inputs": [
            {"name": "DS_PROM", "label": "prom", "type": "datasource", "pluginId": "prometheus"}
        ],
        "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "11"}],
        "__elements": {},
        "title": "Imported",
        "uid": "imp",
        "panels": [
            {
                "id": 1,
                "datasource": {"type": "prometheus", "uid": "${DS_PROM}"},
                "title": "rate ${DS_PROM} ${UNKNOWN}",
            }
        ],
    }


PROM_INPUT = {"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus", "value": "p1"}


def test_s9_import_ok_replaces_inputs_and_strips_export_keys(api: Api) -> None:
    response = api.post(
        "/api/dashboards/import", json={"dashboard": exported(), "inputs": [PROM_INPUT]}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["uid"], body["title"], body["imported"]) == ("imp", "Imported", True)
    assert (body["importedUri"], body["importedUrl"], body["slug"]) == (
        "db/imported",
        "/d/imp/imported",
        "imported",
    )
    assert {"dashboardId", "folderId", "folderUid", "pluginId", "description", "path",
            "removed"} <= set(body)  # fmt: skip
    stored = api.emulator.dashboard(1, "imp")
    assert not {"__inputs", "__requires", "__elements"} & set(stored.data)
    panel = stored["panels"][0]
    assert panel["datasource"]["uid"] == "p1"
    assert panel["title"] == "rate p1 ${UNKNOWN}"  # unknown placeholders stay


def test_s9_wildcard_input_name(api: Api) -> None:
    wildcard = PROM_INPUT | {"name": "*"}
    response = api.post(
        "/api/dashboards/import", json={"dashboard": exported(), "inputs": [wildcard]}
    )
    assert response.status_code == 200


def test_s9_missing_input_500_unconfirmed(api: Api) -> None:
    response = api.post("/api/dashboards/import", json={"dashboard": exported(), "inputs": []})
    assert (response.status_code, response.json()) == (500, {"message": "Failed to save dashboard"})
    assert api.emulator.dashboard(1, "imp") is None


def test_s9_no_dashboard_422(api: Api) -> None:
    response = api.post("/api/dashboards/import", json={"inputs": []})
    assert (response.status_code, response.json()) == (422, {"message": "Dashboard must be set"})


def test_s9_bad_json_400(api: Api) -> None:
    response = api.post("/api/dashboards/import", content=b"{")
    assert (response.status_code, response.json()) == (400, {"message": "bad request data"})


def test_s9_save_errors_follow_s2(api: Api) -> None:
    body = {"dashboard": exported(), "inputs": [PROM_INPUT]}
    api.post("/api/dashboards/import", json=body)
    stale = api.post("/api/dashboards/import", json=body)
    assert stale.status_code == 412 and stale.json()["status"] == "version-mismatch"
    assert api.post("/api/dashboards/import", json=body | {"overwrite": True}).status_code == 200
    assert [v.version for v in api.emulator.versions(1, "imp")] == [1, 2]


def test_s9_import_into_folder(api: Api) -> None:
    folder = api.emulator.create_folder(1, "Team", uid="team")
    body = {"dashboard": exported(), "inputs": [PROM_INPUT], "folderUid": folder}
    assert api.post("/api/dashboards/import", json=body).json()["folderUid"] == "team"


def test_s9_viewer_403(api: Api) -> None:
    token = api.emulator.create_service_account_token(1, role="Viewer")
    body = {"dashboard": exported(), "inputs": [PROM_INPUT]}
    assert api.post("/api/dashboards/import", json=body, token=token).status_code == 403

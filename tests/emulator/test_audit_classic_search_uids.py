"""GET /api/search?dashboardUIDs= (and dashboardIds=) filters rows of the dashboard table
by uid or id, folders included (searchstore.DashboardFilter is ``dashboard.uid IN (...)``
with no type condition; only ``type=`` restricts the kind)."""

from __future__ import annotations

from emulator_api import Api


def uids(api: Api, query: str) -> list[str]:
    response = api.get(f"/api/search{query}")
    assert response.status_code == 200
    return [hit["uid"] for hit in response.json()]


def test_dashboard_uids_match_folders_too(api: Api) -> None:
    api.emulator.create_folder(1, "Team", uid="team")
    api.save({"title": "CPU", "uid": "cpu"})
    api.save({"title": "Other", "uid": "other"})
    assert uids(api, "?dashboardUIDs=team&dashboardUIDs=cpu") == ["team", "cpu"]
    assert uids(api, "?dashboardUIDs=team&type=dash-db") == []
    assert uids(api, "?dashboardUIDs=team&type=dash-folder") == ["team"]


def test_dashboard_ids_match_folders_too(api112: Api) -> None:
    folder = api112.post("/api/folders", json={"title": "Team", "uid": "team"}).json()
    dashboard = api112.save({"title": "CPU", "uid": "cpu"}).json()
    query = f"?dashboardIds={folder['id']}&dashboardIds={dashboard['id']}"
    assert uids(api112, query) == ["team", "cpu"]

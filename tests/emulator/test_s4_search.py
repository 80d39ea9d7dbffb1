"""Contract §4: GET /api/search."""

from __future__ import annotations

import pytest
from emulator_api import Api


@pytest.fixture
def seeded(api: Api) -> Api:
    team = api.emulator.create_folder(1, "Team", uid="team")
    api.emulator.save_dashboard(1, {"title": "beta", "uid": "b", "tags": ["prod", "web"]})
    api.emulator.save_dashboard(1, {"title": "Alpha", "uid": "a", "tags": ["prod"]}, team)
    api.emulator.save_dashboard(1, {"title": "gamma", "uid": "g"})
    other = api.emulator.create_org("other")
    api.emulator.save_dashboard(other, {"title": "Alpha elsewhere", "uid": "x"})
    return api


def titles(response: object) -> list[str]:
    return [hit["title"] for hit in response.json()]  # type: ignore[attr-defined]


def test_s4_ok_folders_first_then_titles_case_insensitive(seeded: Api) -> None:
    response = seeded.get("/api/search")
    assert response.status_code == 200
    assert titles(response) == ["Team", "Alpha", "beta", "gamma"]


def test_s4_hit_fields(seeded: Api) -> None:
    hits = {hit["uid"]: hit for hit in seeded.get("/api/search").json()}
    alpha = hits["a"]
    assert (
        alpha["type"] == "dash-db" and alpha["uri"] == "db/alpha" and alpha["url"] == "/d/a/alpha"
    )
    assert (alpha["folderUid"], alpha["folderTitle"]) == ("team", "Team")
    assert alpha["tags"] == ["prod"] and alpha["orgId"] == 1 and alpha["isStarred"] is False
    assert hits["team"]["type"] == "dash-folder" and hits["team"]["tags"] == []
    assert "folderUid" not in hits["b"]


def test_s4_type_query_tag_and_folder_filters(seeded: Api) -> None:
    assert titles(seeded.get("/api/search", params={"type": "dash-folder"})) == ["Team"]
    assert titles(seeded.get("/api/search", params={"query": "ALP"})) == ["Alpha"]
    assert titles(seeded.get("/api/search", params=[("tag", "prod"), ("tag", "web")])) == ["beta"]
    in_team = seeded.get("/api/search", params={"folderUIDs": "team", "type": "dash-db"})
    assert titles(in_team) == ["Alpha"]
    in_root = seeded.get("/api/search", params={"folderUIDs": "general", "type": "dash-db"})
    assert titles(in_root) == ["beta", "gamma"]
    assert titles(seeded.get("/api/search", params={"dashboardUIDs": "g"})) == ["gamma"]


def test_s4_limit_and_page(seeded: Api) -> None:
    params = {"type": "dash-db", "limit": 2}
    assert titles(seeded.get("/api/search", params=params | {"page": 1})) == ["Alpha", "beta"]
    assert titles(seeded.get("/api/search", params=params | {"page": 2})) == ["gamma"]


def test_s4_limit_above_5000_422(seeded: Api) -> None:
    response = seeded.get("/api/search", params={"limit": 5001})
    assert response.status_code == 422
    assert response.json() == {
        "message": "Limit is above maximum allowed (5000), use page parameter to access hits "
        "beyond limit"
    }


def test_s4_ids_and_uids_together_400(seeded: Api) -> None:
    response = seeded.get("/api/search", params={"dashboardIds": 1, "dashboardUIDs": "a"})
    assert response.status_code == 400
    assert response.json() == {"message": "search supports UIDs or IDs, not both"}


def test_s4_token_sees_only_its_org(seeded: Api) -> None:
    token = seeded.emulator.create_service_account_token(2, role="Viewer")
    assert titles(seeded.get("/api/search", token=token)) == ["Alpha elsewhere"]

"""Contract §14.12: data sources, org-scoped: list, by uid, by name, POST, DELETE; seeded by
``Emulator.create_datasource`` and ``--datasource NAME:TYPE[:UID]``."""

from __future__ import annotations

import pytest
from emulator_api import Api, user_token

PROMETHEUS = {"name": "Prometheus", "type": "prometheus", "access": "proxy", "url": "http://p:9090"}


def test_s14_12_post_answers_the_datasource_and_its_id(api: Api) -> None:
    response = api.post("/api/datasources", json=PROMETHEUS | {"uid": "prom"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["message"], body["name"], body["id"]) == (
        "Datasource added",
        "Prometheus",
        body["datasource"]["id"],
    )
    datasource = body["datasource"]
    assert datasource["uid"] == "prom" and datasource["orgId"] == 1
    assert (datasource["type"], datasource["url"], datasource["access"]) == (
        "prometheus",
        "http://p:9090",
        "proxy",
    )


def test_s14_12_list_by_uid_and_by_name(api: Api) -> None:
    api.post("/api/datasources", json=PROMETHEUS | {"uid": "prom"})
    api.post("/api/datasources", json={"name": "alpha loki", "type": "loki"})
    listed = api.get("/api/datasources").json()
    assert [d["name"] for d in listed] == ["alpha loki", "Prometheus"]  # by name, any case
    assert listed[1]["typeName"] == "Prometheus" and listed[1]["readOnly"] is False
    by_uid = api.get("/api/datasources/uid/prom").json()
    by_name = api.get("/api/datasources/name/Prometheus").json()
    assert by_uid == by_name
    assert by_uid["secureJsonFields"] == {}


def test_s14_12_unknown_uid_or_name_is_404(api: Api) -> None:
    for path in ("/api/datasources/uid/nope", "/api/datasources/name/nope"):
        response = api.get(path)
        assert (response.status_code, response.json()) == (
            404,
            {"message": "Data source not found"},
        )


def test_s14_12_taken_name_or_uid_is_409(api: Api) -> None:
    api.post("/api/datasources", json=PROMETHEUS | {"uid": "prom"})
    same_name = api.post("/api/datasources", json=PROMETHEUS)
    assert (same_name.status_code, same_name.json()) == (
        409,
        {"message": "data source with the same name already exists"},
    )
    same_uid = api.post("/api/datasources", json=PROMETHEUS | {"name": "Other", "uid": "prom"})
    assert (same_uid.status_code, same_uid.json()) == (
        409,
        {"message": "data source with the same uid already exists"},
    )


def test_s14_12_delete_by_uid_and_by_name(api: Api) -> None:
    created = api.post("/api/datasources", json=PROMETHEUS | {"uid": "prom"}).json()
    deleted = api.delete("/api/datasources/uid/prom")
    assert (deleted.status_code, deleted.json()) == (
        200,
        {"message": "Data source deleted", "id": created["id"]},
    )
    assert api.get("/api/datasources/uid/prom").status_code == 404
    api.post("/api/datasources", json={"name": "Loki", "type": "loki"})
    assert api.delete("/api/datasources/name/Loki").status_code == 200
    assert api.get("/api/datasources").json() == []
    assert api.delete("/api/datasources/uid/prom").status_code == 404


def test_s14_12_datasources_are_org_scoped(api: Api) -> None:
    other = api.emulator.create_org("other")
    api.emulator.create_datasource(other, "Prometheus", "prometheus", "prom")
    assert api.get("/api/datasources").json() == []
    assert api.get("/api/datasources/uid/prom").status_code == 404
    token = user_token(api, "Viewer", org=other)
    assert [d["uid"] for d in api.get("/api/datasources", token=token).json()] == ["prom"]
    # The same name and uid are free in another org.
    assert api.post("/api/datasources", json=PROMETHEUS | {"uid": "prom"}).status_code == 200


def test_s14_12_viewers_read_only_admins_write(api: Api) -> None:
    api.emulator.create_datasource(1, "Prometheus", "prometheus", "prom")
    viewer = user_token(api, "Viewer")
    assert api.get("/api/datasources", token=viewer).status_code == 200
    assert api.get("/api/datasources/name/Prometheus", token=viewer).status_code == 200
    editor = user_token(api, "Editor")
    for response in (
        api.post("/api/datasources", json={"name": "x", "type": "loki"}, token=editor),
        api.delete("/api/datasources/uid/prom", token=editor),
    ):
        assert response.status_code == 403
        assert response.json()["title"] == "Access denied"


def test_s14_12_one_default_per_org(api: Api) -> None:
    api.post("/api/datasources", json=PROMETHEUS | {"isDefault": True})
    api.post("/api/datasources", json={"name": "Loki", "type": "loki", "isDefault": True})
    defaults = {d["name"]: d["isDefault"] for d in api.get("/api/datasources").json()}
    assert defaults == {"Loki": True, "Prometheus": False}


def test_s14_12_seeding_helper(api: Api) -> None:
    uid = api.emulator.create_datasource(1, "Tempo", "tempo")
    assert api.get(f"/api/datasources/uid/{uid}").json()["name"] == "Tempo"
    assert [d["uid"] for d in api.emulator.datasources(1)] == [uid]
    with pytest.raises(Exception, match="same name"):
        api.emulator.create_datasource(1, "Tempo", "tempo")


def test_s14_12_deprecated_id_route_until_13(api: Api, api13: Api) -> None:
    created = api.post("/api/datasources", json=PROMETHEUS).json()
    assert api.get(f"/api/datasources/{created['id']}").json()["name"] == "Prometheus"
    gone = api13.post("/api/datasources", json=PROMETHEUS).json()
    assert api13.get(f"/api/datasources/{gone['id']}").status_code == 404

"""grafana-client, unchanged, against the real HTTP emulator: data sources, library
elements and the async client (see test_third_party_clients.py)."""

from __future__ import annotations

import asyncio

from grafana_client import AsyncGrafanaApi
from grafana_client.client import GrafanaBadInputError
from third_party_support import Clients, as_user, failure

PANEL = {"type": "timeseries", "title": "CPU", "description": "cpu seconds"}


def test_datasources_create_get_list_delete(clients: Clients) -> None:
    api, emulator = clients()
    added = api.datasource.create_datasource(
        {"name": "prom", "type": "prometheus", "url": "http://prom:9090", "access": "proxy"}
    )
    assert added["message"] == "Datasource added"
    uid, ds_id = added["datasource"]["uid"], added["id"]
    assert [d["name"] for d in api.datasource.list_datasources()] == ["prom"]
    assert api.datasource.get_datasource_by_uid(uid)["url"] == "http://prom:9090"
    assert api.datasource.get_datasource_by_name("prom")["uid"] == uid
    assert api.datasource.find_datasource("prom")["id"] == ds_id
    assert api.datasource.get_datasource_by_id(ds_id)["name"] == "prom"
    assert api.datasource.get_datasource_id_by_name("prom") == {"id": ds_id}
    taken = failure(lambda: api.datasource.create_datasource({"name": "prom", "type": "loki"}))
    assert taken.status_code == 409
    missing = failure(lambda: api.datasource.get_datasource_id_by_name("nope"))
    assert missing.response == {"message": "Data source not found"}

    assert api.datasource.delete_datasource_by_id(ds_id) == {"message": "Data source deleted"}
    assert emulator.datasources(1) == []
    for name in ("loki", "tempo"):
        api.datasource.create_datasource({"name": name, "type": name})
    assert api.datasource.delete_datasource_by_name("loki")["message"] == "Data source deleted"
    tempo = api.datasource.get_datasource_by_name("tempo")["uid"]
    assert api.datasource.delete_datasource_by_uid(tempo)["message"] == "Data source deleted"
    assert api.datasource.list_datasources() == []


def test_a_viewer_reads_data_sources_but_cannot_add_one(clients: Clients) -> None:
    api, emulator = clients()
    emulator.create_datasource(1, "prom", "prometheus")
    emulator.create_user("viewer", "secret")
    viewer = as_user(api, "viewer", "secret")
    assert [d["name"] for d in viewer.datasource.list_datasources()] == ["prom"]
    denied = failure(lambda: viewer.datasource.create_datasource({"name": "x", "type": "loki"}))
    assert denied.status_code == 403


def test_library_elements_create_get_list_update_delete(clients: Clients) -> None:
    api, emulator = clients()
    api.folder.create_folder("Shared", uid="shared")
    made = api.libraryelement.create_library_element(
        PANEL, name="CPU", uid="cpu", folder_uid="shared"
    )
    element = made["result"]
    assert (element["uid"], element["kind"], element["version"]) == ("cpu", 1, 1)
    assert (element["folderUid"], element["meta"]["folderName"]) == ("shared", "Shared")
    assert (element["type"], element["description"]) == ("timeseries", "cpu seconds")
    assert api.libraryelement.get_library_element("cpu")["result"]["name"] == "CPU"
    assert [e["uid"] for e in api.libraryelement.get_library_element_by_name("CPU")["result"]] == [
        "cpu"
    ]
    again = failure(lambda: api.libraryelement.create_library_element(PANEL, name="CPU", uid="cpu"))
    assert isinstance(again, GrafanaBadInputError)
    assert again.response == {"message": "library element with that name or UID already exists"}
    api.libraryelement.create_library_element({"type": "text"}, name="Notes", uid="notes")

    listed = api.libraryelement.list_library_elements()["result"]
    assert (listed["totalCount"], listed["page"], listed["perPage"]) == (2, 1, 100)
    assert [e["name"] for e in listed["elements"]] == ["CPU", "Notes"]
    only = api.libraryelement.list_library_elements(
        search_string="not", sort_direction="alpha-desc"
    )
    assert [e["uid"] for e in only["result"]["elements"]] == ["notes"]
    typed = api.libraryelement.list_library_elements(type_filter="timeseries")["result"]
    assert [e["uid"] for e in typed["elements"]] == ["cpu"]

    updated = api.libraryelement.update_library_element(
        "cpu", {"type": "timeseries", "gridPos": {"x": 10, "y": 15}}, name="CPU", version=1
    )["result"]
    assert (updated["version"], updated["model"]["gridPos"]) == (2, {"x": 10, "y": 15})
    assert updated["folderUid"] == "shared"  # no folderUid sent: it stays where it is
    stale = failure(
        lambda: api.libraryelement.update_library_element("cpu", PANEL, name="CPU", version=1)
    )
    assert stale.status_code == 412
    assert api.libraryelement.get_library_element_connections("cpu") == {"result": []}

    deleted = api.libraryelement.delete_library_element("cpu")
    assert deleted == {"message": "Library element deleted", "id": element["id"]}
    assert (1, "cpu") not in emulator.state.library_elements
    gone = failure(lambda: api.libraryelement.get_library_element("cpu"))
    assert (gone.status_code, gone.response) == (
        404,
        {"message": "library element could not be found"},
    )
    assert failure(lambda: api.libraryelement.delete_library_element("cpu")).status_code == 404
    by_name = failure(lambda: api.libraryelement.get_library_element_by_name("CPU"))
    assert by_name.status_code == 404


def test_library_element_connections_of_a_missing_element(clients: Clients) -> None:
    new, _ = clients("12.0")
    denied = failure(lambda: new.libraryelement.get_library_element_connections("missing"))
    assert denied.status_code == 403
    assert "Permissions needed: library.panels:read" in denied.response["message"]
    old, _ = clients("11.2")
    missing = failure(lambda: old.libraryelement.get_library_element_connections("missing"))
    assert missing.status_code == 404


def test_a_viewer_reads_library_elements_but_cannot_write_them(clients: Clients) -> None:
    api, emulator = clients()
    emulator.create_library_panel(1, "cpu", "CPU", {"type": "timeseries"})
    emulator.create_user("viewer", "secret")
    viewer = as_user(api, "viewer", "secret")
    assert viewer.libraryelement.get_library_element("cpu")["result"]["uid"] == "cpu"
    denied = failure(lambda: viewer.libraryelement.delete_library_element("cpu"))
    assert denied.status_code == 403


def test_the_async_client_connects_and_saves_concurrently(clients: Clients) -> None:
    api, emulator = clients()
    server_url = api.url  # what from_url was given: the admin's credentials in the URL

    async def run() -> tuple[dict[str, object], list[dict[str, object]]]:
        client = AsyncGrafanaApi.from_url(server_url)
        try:
            info = await client.connect()
            saves = [
                client.dashboard.update_dashboard({"dashboard": {"title": f"A{i}"}})
                for i in range(8)
            ]
            return info, list(await asyncio.gather(*saves))
        finally:
            await client.client.s.close()

    info, saved = asyncio.run(run())
    assert info["version"] == "12.0.0"
    assert len({s["uid"] for s in saved}) == 8
    assert sorted(d.title for d in emulator.dashboards(1)) == [f"A{i}" for i in range(8)]

"""A folder may not be titled "General", the root folder's name, in any case: the folder
service answers 400 ``A folder with that name already exists`` (ErrDashboardFolderNameExists,
``strings.EqualFold(title, dashboards.RootFolderName)``). 11.x checks it on create and on
update; 12.x creates through the folder API (no such check) but its Update still refuses."""

from __future__ import annotations

import pytest
from emulator_api import Api, MakeApi

TAKEN = {"message": "A folder with that name already exists"}


@pytest.mark.parametrize("title", ["General", "general", "  GENERAL "])
def test_create_folder_titled_general_400_in_11_2(api112: Api, title: str) -> None:
    response = api112.post("/api/folders", json={"title": title, "uid": "gen"})
    assert (response.status_code, response.json()) == (400, TAKEN)
    assert "gen" not in api112.emulator.folder_uids(1)


def test_create_folder_titled_general_allowed_in_12_0(api: Api) -> None:
    assert api.post("/api/folders", json={"title": "General"}).status_code == 200


@pytest.mark.parametrize("version", ["11.2", "12.0", "13.0"])
def test_rename_folder_to_general_400(make_api: MakeApi, version: str) -> None:
    api = make_api(version)
    uid = api.emulator.create_folder(1, "Team")
    response = api.put(f"/api/folders/{uid}", json={"title": "general", "version": 1})
    assert (response.status_code, response.json()) == (400, TAKEN)
    assert api.get(f"/api/folders/{uid}").json()["title"] == "Team"
    # checked before the version, as the service validates before the store
    stale = api.put(f"/api/folders/{uid}", json={"title": "General", "version": 9})
    assert stale.status_code == 400

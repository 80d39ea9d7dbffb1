"""≤11.2: a folder rename is saved through the same name check as a create
(ValidateDashboardBeforeSave -> ErrDashboardWithSameNameInFolderExists -> the folder service's
ErrFolderSameNameExists, 409): a root-level folder may not take the title of another root-level
folder or dashboard. 11.3+ (grafana/grafana#90687) allows it."""

from __future__ import annotations

from emulator_api import Api

TAKEN = {"message": "a folder or dashboard in the general folder with the same name already exists"}


def test_rename_onto_another_root_folder_409_in_11_2(api112: Api) -> None:
    api112.emulator.create_folder(1, "Alpha", uid="a")
    api112.emulator.create_folder(1, "Beta", uid="b")
    response = api112.put("/api/folders/a", json={"title": "beta", "version": 1})
    assert (response.status_code, response.json()) == (409, TAKEN)
    assert api112.get("/api/folders/a").json()["title"] == "Alpha"


def test_rename_onto_a_root_dashboard_409_in_11_2(api112: Api) -> None:
    api112.emulator.create_folder(1, "Alpha", uid="a")
    api112.save({"title": "Overview", "uid": "o"})
    response = api112.put("/api/folders/a", json={"title": "Overview", "version": 1})
    assert response.status_code == 409


def test_rename_keeping_its_own_title_or_in_12_0(api112: Api, api: Api) -> None:
    api112.emulator.create_folder(1, "Alpha", uid="a")
    response = api112.put("/api/folders/a", json={"title": "ALPHA", "version": 1})
    assert response.status_code == 200  # its own slug
    api.emulator.create_folder(1, "Alpha", uid="a")
    api.emulator.create_folder(1, "Beta", uid="b")
    assert api.put("/api/folders/a", json={"title": "Beta", "version": 1}).status_code == 200

"""GET /api/folders takes ``limit``, ``page`` and ``permission`` (grafana-api.md §5): the
folder store's ``GetChildren`` orders by title and adds ``LIMIT limit OFFSET
limit*(page-1)`` when ``limit`` is not 0; ``permission=Edit`` keeps what the caller may edit."""

from __future__ import annotations

from emulator_api import Api, user_token


def titles(api: Api, query: str, **kwargs: object) -> list[str]:
    response = api.get(f"/api/folders{query}", **kwargs)
    assert response.status_code == 200
    return [item["title"] for item in response.json()]


def test_folders_limit_and_page(api: Api) -> None:
    for title in ("Delta", "alpha", "Charlie", "bravo", "Echo"):
        api.emulator.create_folder(1, title)
    assert titles(api, "?limit=2") == ["alpha", "bravo"]
    assert titles(api, "?limit=2&page=2") == ["Charlie", "Delta"]
    assert titles(api, "?limit=2&page=3") == ["Echo"]
    assert titles(api, "?limit=2&page=4") == []
    assert titles(api, "?limit=2&page=0") == ["alpha", "bravo"]
    assert len(titles(api, "")) == len(titles(api, "?limit=0")) == 5
    assert len(titles(api, "?limit=abc&page=2")) == 5


def test_folders_limit_applies_to_the_children_of_parent_uid(api: Api) -> None:
    parent = api.emulator.create_folder(1, "Parent")
    for title in ("C", "A", "B"):
        api.post("/api/folders", json={"title": title, "parentUid": parent})
    assert titles(api, f"?parentUid={parent}&limit=2&page=2") == ["C"]


def test_folders_permission_edit_lists_only_editable(api: Api) -> None:
    open_uid = api.emulator.create_folder(1, "Open")
    locked = api.emulator.create_folder(1, "Locked")
    items = [{"role": "Viewer", "permission": 1}, {"role": "Editor", "permission": 1}]
    response = api.post(f"/api/folders/{locked}/permissions", json={"items": items})
    assert response.status_code == 200
    editor = user_token(api, "Editor")
    assert titles(api, "", token=editor) == ["Locked", "Open"]
    assert titles(api, "?permission=Edit", token=editor) == ["Open"]
    assert titles(api, "?permission=View", token=editor) == ["Locked", "Open"]
    assert open_uid

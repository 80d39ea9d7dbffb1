"""Contract §14.3: Grafana's slugify for every slug, url and uri the emulator answers."""

from __future__ import annotations

import pytest
from emulator_api import Api

EXAMPLES = [
    ("v1.2 my_dash: a/b", "v12-my_dash3a-a2fb"),
    ("CPU & Memory (prod)", "cpu-and-memory-prod"),
    ("Équipe", "equipe"),
    ("A" * 60, "8066c56d-ebf7-5b21-9db6-e6ac56f4fcc1"),
    ("two  spaces", "two--spaces"),
    ("  Padded  ", "padded"),
    ("Ünïcode @ Straße", "uenicode-at-strasse"),
    ("Señor", "sec3b1or"),  # ñ is not in Grafana's table: hex of its UTF-8 bytes
    ("already-a_slug", "already-a_slug"),
]


@pytest.mark.parametrize(("title", "slug"), EXAMPLES)
def test_s14_3_save_response_meta_and_search_use_grafanas_slug(
    api: Api, title: str, slug: str
) -> None:
    saved = api.save({"title": title, "uid": "s"}).json()
    assert (saved["slug"], saved["url"]) == (slug, f"/d/s/{slug}")
    meta = api.get("/api/dashboards/uid/s").json()["meta"]
    assert (meta["slug"], meta["url"]) == (slug, f"/d/s/{slug}")
    (hit,) = api.get("/api/search", params={"type": "dash-db"}).json()
    assert (hit["slug"], hit["uri"], hit["url"]) == (slug, f"db/{slug}", f"/d/s/{slug}")


def test_s14_3_an_empty_slug_falls_back_to_the_uuid(api: Api) -> None:
    saved = api.save({"title": "...", "uid": "dots"}).json()
    assert saved["slug"] == "32394cfa-2b15-53a0-9dda-1c3108c90985"


@pytest.mark.parametrize(("title", "slug"), EXAMPLES[:3])
def test_s14_3_folder_urls_and_hits(api: Api, title: str, slug: str) -> None:
    folder = api.post("/api/folders", json={"title": title, "uid": "f"}).json()
    assert folder["url"] == f"/dashboards/f/f/{slug}"
    (hit,) = api.get("/api/search", params={"type": "dash-folder"}).json()
    assert (hit["slug"], hit["uri"], hit["url"]) == (slug, f"db/{slug}", f"/dashboards/f/f/{slug}")
    api.save({"title": "inside", "uid": "d"}, body={"folderUid": "f"})
    meta = api.get("/api/dashboards/uid/d").json()["meta"]
    assert meta["folderUrl"] == f"/dashboards/f/f/{slug}"


def test_s14_3_import_answers_the_same_slug(api: Api) -> None:
    body = {"dashboard": {"title": "CPU & Memory (prod)", "uid": "imp"}}
    imported = api.post("/api/dashboards/import", json=body).json()
    assert imported["slug"] == "cpu-and-memory-prod"
    assert imported["importedUri"] == "db/cpu-and-memory-prod"
    assert imported["importedUrl"] == "/d/imp/cpu-and-memory-prod"


def test_s14_3_name_uniqueness_in_11_2_compares_grafanas_slugs(api112: Api) -> None:
    assert api112.save({"title": "CPU & Memory", "uid": "a"}).status_code == 200
    # "cpu-and-memory" both: the same name for Grafana <= 11.2.
    clash = api112.save({"title": "cpu and memory", "uid": "b"})
    assert (clash.status_code, clash.json()["status"]) == (412, "name-exists")
    # The old slug ("cpu-memory") would have called these equal; Grafana's does not.
    assert api112.save({"title": "CPU Memory", "uid": "c"}).status_code == 200

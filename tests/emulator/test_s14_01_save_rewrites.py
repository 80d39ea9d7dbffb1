"""Contract §14.1: what is stored is not what was sent (trimmed title and uid, the refresh
minimum), on POST /api/dashboards/db, on import, and for seeded dashboards."""

from __future__ import annotations

import pytest
from emulator_api import Api, MakeApi


def stored(api: Api, uid: str) -> dict:
    response = api.get(f"/api/dashboards/uid/{uid}")
    assert response.status_code == 200, response.text
    return response.json()


def test_s14_1_title_is_stored_trimmed(api: Api) -> None:
    saved = api.save({"title": "  CPU usage \t", "uid": "cpu"}).json()
    assert (saved["slug"], saved["url"]) == ("cpu-usage", "/d/cpu/cpu-usage")
    body = stored(api, "cpu")
    assert body["dashboard"]["title"] == "CPU usage"
    assert body["meta"]["slug"] == "cpu-usage"
    assert api.emulator.versions(1, "cpu")[0].data["title"] == "CPU usage"
    assert api.get("/api/search", params={"query": "cpu"}).json()[0]["title"] == "CPU usage"


def test_s14_1_uid_is_trimmed_before_validation(api: Api) -> None:
    response = api.save({"title": "x", "uid": "  abc "})
    assert response.status_code == 200
    assert response.json()["uid"] == "abc"
    assert stored(api, "abc")["dashboard"]["uid"] == "abc"
    # The trimmed uid names the same dashboard: an update, not a second one.
    again = api.save({"title": "x", "uid": "abc ", "version": 1})
    assert (again.status_code, again.json()["version"]) == (200, 2)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("1s", "5s"),
        ("4s", "5s"),
        ("500ms", "5s"),
        ("0", "5s"),
        ("-10s", "5s"),
        ("nonsense", "5s"),  # not a duration: Grafana resets it to the minimum as well
        ("5s", "5s"),
        ("10s", "10s"),
        ("1m", "1m"),
        ("1d", "1d"),
        ("", ""),
        (False, False),  # not a string: left alone
    ],
)
def test_s14_1_refresh_below_the_minimum_becomes_the_minimum(
    api: Api, sent: object, kept: object
) -> None:
    assert api.save({"title": "x", "uid": "r", "refresh": sent}).status_code == 200
    assert stored(api, "r")["dashboard"]["refresh"] == kept


def test_s14_1_no_refresh_stays_absent(api: Api) -> None:
    api.save({"title": "x", "uid": "r"})
    assert "refresh" not in stored(api, "r")["dashboard"]


def test_s14_1_the_minimum_is_a_server_setting(make_api: MakeApi) -> None:
    strict = make_api(min_refresh_interval="1m")
    strict.save({"title": "x", "uid": "r", "refresh": "30s"})
    assert stored(strict, "r")["dashboard"]["refresh"] == "1m"
    assert strict.get("/api/frontend/settings").json()["minRefreshInterval"] == "1m"
    unset = make_api(min_refresh_interval="")
    unset.save({"title": "x", "uid": "r", "refresh": "1s"})
    assert stored(unset, "r")["dashboard"]["refresh"] == "1s"


def test_s14_1_the_minimum_must_be_a_duration() -> None:
    from dashgen.testing import Emulator

    with pytest.raises(ValueError, match="not a duration"):
        Emulator(min_refresh_interval="often")


def test_s14_1_import_rewrites_the_same_way(api: Api) -> None:
    body = {"dashboard": {"title": " Imported ", "uid": " imp ", "refresh": "2s"}}
    response = api.post("/api/dashboards/import", json=body)
    assert response.status_code == 200, response.text
    assert (response.json()["uid"], response.json()["slug"]) == ("imp", "imported")
    dashboard = stored(api, "imp")["dashboard"]
    assert (dashboard["title"], dashboard["refresh"]) == ("Imported", "5s")


def test_s14_1_seeded_dashboards_are_stored_as_grafana_would(api: Api) -> None:
    api.emulator.save_dashboard(1, {"title": " Seeded ", "uid": "s", "refresh": "1s"})
    snapshot = api.emulator.dashboard(1, "s")
    assert snapshot is not None
    assert (snapshot.title, snapshot["title"], snapshot["refresh"]) == ("Seeded", "Seeded", "5s")

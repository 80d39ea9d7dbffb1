"""Grafana 13 stores classic saves through the dashboard API, whose ``validateDashboardTags``
refuses a tag longer than 50 bytes (Go ``len()``; grafana/grafana#116047, seen on 13.1.0 in
#129193). 11.2 and 12.0 store it (SQLite does not enforce the column's width)."""

from __future__ import annotations

from emulator_api import Api

TOO_LONG = {"message": "dashboard tag too long, max 50 characters"}


def test_tag_over_50_bytes_400_in_13_0(api13: Api) -> None:
    response = api13.save({"title": "T", "uid": "t", "tags": ["ok", "x" * 51]})
    assert (response.status_code, response.json()) == (400, TOO_LONG)
    assert api13.emulator.dashboard(1, "t") is None
    # bytes, not characters: 25 two-byte letters and one more byte
    response = api13.save({"title": "T", "uid": "t", "tags": ["é" * 25 + "x"]})
    assert response.status_code == 400
    assert api13.save({"title": "T", "uid": "t", "tags": ["x" * 50, "é" * 25]}).status_code == 200


def test_long_tags_stored_before_13(api: Api, api112: Api) -> None:
    for older in (api, api112):
        assert older.save({"title": "T", "uid": "t", "tags": ["x" * 80]}).status_code == 200

from __future__ import annotations

from typing import Any

import pytest

from dashgen.model.normalize import (
    as_stored,
    compact_hash,
    comparable,
    content_hash,
    derive_uid,
    dumps,
    dumps_bytes,
    duration_seconds,
    hash_canonical,
    hash_canonical_bytes,
    normalize,
    stored_refresh,
)
from dashgen.model.validate import validate


def _panel(**fields: Any) -> dict[str, Any]:
    return {"type": "stat", **fields}


def test_ids_version_and_export_metadata() -> None:
    d = normalize(
        {"id": 5, "version": 9, "uid": "u", "title": "t", "__inputs": [], "__requires": [{}]}
    )
    assert d == {"id": None, "uid": "u", "title": "t"}


def test_missing_uid_is_derived_from_the_source_path() -> None:
    assert normalize({"title": "t"}, source="team/http.dashboard.py")["uid"] == "team-http"
    assert normalize({"title": "t", "uid": "keep"}, source="x.json")["uid"] == "keep"
    long_uid = derive_uid("a/" + "very-long-directory-name/" * 4 + "x.json")
    assert len(long_uid) <= 40 and long_uid == derive_uid(
        "a/" + "very-long-directory-name/" * 4 + "x.json"
    )
    assert derive_uid("weird name (1).json.j2") == "weird-name-1"


def test_panel_ids_are_assigned_without_duplicates_including_collapsed_rows() -> None:
    d = normalize(
        {
            "panels": [
                _panel(),
                _panel(id=2),
                {"type": "row", "collapsed": True, "panels": [_panel(), _panel(id=7)]},
                _panel(),
            ]
        }
    )
    ids = [d["panels"][0]["id"], d["panels"][1]["id"], d["panels"][2]["id"]]
    ids += [p["id"] for p in d["panels"][2]["panels"]] + [d["panels"][3]["id"]]
    assert ids == [8, 2, 9, 10, 7, 11]


def test_flow_layout_for_panels_without_grid_pos() -> None:
    d = normalize(
        {
            "panels": [
                _panel(),
                _panel(),
                _panel(),
                {"type": "row", "title": "R"},
                _panel(span=4),
                {"type": "row", "collapsed": True, "panels": [_panel(), _panel()]},
            ]
        }
    )
    grids = [p["gridPos"] for p in d["panels"]]
    assert grids == [
        {"h": 8, "w": 12, "x": 0, "y": 0},
        {"h": 8, "w": 12, "x": 12, "y": 0},
        {"h": 8, "w": 12, "x": 0, "y": 8},
        {"h": 1, "w": 24, "x": 0, "y": 16},
        {"h": 8, "w": 8, "x": 0, "y": 17},
        {"h": 1, "w": 24, "x": 0, "y": 25},
    ]
    nested = [p["gridPos"] for p in d["panels"][5]["panels"]]
    assert nested == [{"h": 8, "w": 12, "x": 0, "y": 26}, {"h": 8, "w": 12, "x": 12, "y": 26}]
    assert not [p for p in validate({**d, "title": "t", "uid": "u"}) if "overlaps" in p.message]


def test_flowed_panels_go_below_placed_ones() -> None:
    d = normalize({"panels": [_panel(gridPos={"x": 0, "y": 0, "w": 24, "h": 6}), _panel()]})
    assert d["panels"][1]["gridPos"] == {"h": 8, "w": 12, "x": 0, "y": 6}


def test_legacy_rows_are_left_alone() -> None:
    legacy = {"schemaVersion": 14, "rows": [{"panels": [{"type": "graph", "span": 6}]}]}
    assert normalize(legacy)["rows"] == legacy["rows"]


def test_normalize_does_not_mutate_and_is_idempotent() -> None:
    original = {"id": 1, "title": "t", "panels": [_panel()]}
    once = normalize(original, source="x.json")
    assert original == {"id": 1, "title": "t", "panels": [_panel()]}
    assert normalize(once) == once


def test_comparable_ignores_what_grafana_sets() -> None:
    built = normalize({"title": "t", "uid": "u", "panels": [_panel()]})
    live = {**built, "id": 31, "version": 4}
    assert comparable(live) == comparable(built)
    assert content_hash(live) == content_hash(built)
    assert content_hash({**built, "title": "other"}) != content_hash(built)


def test_dumps_is_canonical() -> None:
    text = dumps({"b": 1, "a": {"z": "é", "y": [1, 2]}})
    assert (
        text
        == '{\n  "a": {\n    "y": [\n      1,\n      2\n    ],\n    "z": "é"\n  },\n  "b": 1\n}\n'
    )
    assert dumps({"big": 2**70}).startswith('{\n  "big": 1180591620717411303424')


@pytest.mark.parametrize(
    "dashboard",
    [
        {"id": None, "uid": "u", "title": "t", "panels": [{"id": 1, "type": "stat"}]},
        {"id": None, "annotations": {"list": []}},  # "id" sorts last
        {"id": None},
        {"uid": "u", "title": "t"},  # no id: the text is the stored form
        {"id": 3, "uid": "u"},
        {"id": None, "version": 2, "uid": "u"},
        {"id": None, "big": 2**70, "title": "t"},  # dumped by json, not orjson
        {"id": None, "a": {"id": None, "b": ['\n  "id": null,\n']}, "z": 1},
    ],
)
def test_hash_of_canonical_bytes_is_hash_canonical(dashboard: dict[str, Any]) -> None:
    assert hash_canonical_bytes(dashboard, dumps_bytes(dashboard)) == hash_canonical(dashboard)
    assert dumps_bytes(dashboard).decode() == dumps(dashboard)


def test_a_compact_hash_names_one_text_of_one_content() -> None:
    live = {"id": 7, "version": 3, "title": "t", "panels": [{"id": 1, "x": 1.0}]}
    same = {"title": "t", "panels": [{"id": 1, "x": 1.0}], "id": None}
    assert compact_hash(live) == compact_hash(same)  # (Grafana's fields do not count)
    assert compact_hash(live) != compact_hash(live | {"panels": [{"id": 1, "x": 1}]})
    assert compact_hash(live) != compact_hash({"panels": live["panels"], "title": "t"})
    assert compact_hash({"n": 2**70}) is None  # not orjson's: no compact name
    assert hash_canonical(live | {"id": None}) == hash_canonical(same)


# -- what Grafana stores (grafana-api.md §14.1) ----------------------------------------------


def test_title_and_uid_are_trimmed_as_grafana_stores_them() -> None:
    canonical = normalize({"title": "  CPU  ", "uid": "\tcpu \n", "panels": []})
    assert (canonical["title"], canonical["uid"]) == ("CPU", "cpu")


def test_a_blank_uid_is_derived_from_the_source_after_trimming() -> None:
    assert normalize({"title": "x", "uid": "   "}, source="team/cpu.json")["uid"] == "team-cpu"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5s", 5),
        ("1m30s", 90),
        ("1.5h", 5400),
        ("300ms", 0.3),
        (".5s", 0.5),
        ("0", 0),
        ("-1s", -1),
        ("1d", 86400),
        ("2w", 14 * 86400),
        ("5", None),  # a number without unit
        ("5 s", None),
        ("1.5d", None),  # calendar units take whole numbers only
        ("1d2h", None),
        ("", None),
        ("s", None),
    ],
)
def test_durations_parse_as_grafana_parses_them(text: str, seconds: float | None) -> None:
    assert duration_seconds(text) == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize(
    ("refresh", "stored"),
    [
        ("1s", "5s"),
        ("4.9s", "5s"),
        ("5s", "5s"),
        ("10s", "10s"),
        ("1m", "1m"),
        ("nonsense", "5s"),  # a string that is no duration is replaced too
        ("", ""),
        (False, False),  # only strings are looked at
        (None, None),
    ],
)
def test_refresh_below_the_minimum_is_stored_as_the_minimum(
    refresh: object, stored: object
) -> None:
    assert stored_refresh(refresh, "5s") == stored


def test_as_stored_copies_only_when_grafana_would_rewrite() -> None:
    unchanged = {"title": "x", "refresh": "30s"}
    assert as_stored(unchanged, "5s") is unchanged
    fast = {"title": "x", "refresh": "1s"}
    assert as_stored(fast, "5s") == {"title": "x", "refresh": "5s"}
    assert fast["refresh"] == "1s"
    assert as_stored(fast, "") is fast  # min_refresh_interval unset: no rewrite

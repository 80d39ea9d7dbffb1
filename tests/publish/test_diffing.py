"""Panel-level summaries and unified diffs of comparable dashboards."""

from __future__ import annotations

from publish_support import make_dashboard

from dashgen.model.diff import summarize, unified_diff
from dashgen.model.normalize import comparable


def test_summary_names_panels_by_id_and_title() -> None:
    live = comparable(make_dashboard("d", panels=3))
    desired = comparable(make_dashboard("d", panels=3, refresh="1m"))
    desired["panels"][0]["title"] = "Renamed"
    del desired["panels"][2]
    desired["panels"].append({"id": 9, "type": "stat", "title": "New", "gridPos": {}})

    assert summarize(live, desired) == [
        "refresh changed",
        "panel 1 'Renamed' changed",
        "panel 9 'New' added",
        "panel 3 'Panel 3' removed",
    ]


def test_a_change_inside_a_row_is_reported_once_for_the_inner_panel() -> None:
    row = {"id": 10, "type": "row", "title": "Row", "collapsed": True, "gridPos": {"y": 0}}
    inner = {"id": 11, "type": "stat", "title": "Inner", "gridPos": {"y": 1}}
    live = comparable({"uid": "d", "title": "D", "panels": [row | {"panels": [inner]}]})
    changed_inner = inner | {"title": "Inner v2"}
    desired = comparable({"uid": "d", "title": "D", "panels": [row | {"panels": [changed_inner]}]})

    assert summarize(live, desired) == ["panel 11 'Inner v2' changed"]


def test_identical_dashboards_have_an_empty_diff() -> None:
    same = comparable(make_dashboard("d"))

    assert summarize(same, same) == []
    assert unified_diff(same, same, "d.json") == ""
    assert unified_diff(None, same, "d.json").startswith("--- grafana/d.json\n+++ build/d.json")

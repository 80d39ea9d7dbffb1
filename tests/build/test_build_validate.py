from __future__ import annotations

from dashgen.model.normalize import normalize
from dashgen.model.validate import validate


def _messages(d: dict) -> list[tuple[str, str]]:
    return [(p.severity, p.message) for p in validate(normalize(d))]


def test_valid_dashboard_has_no_problems() -> None:
    d = {
        "title": "ok",
        "uid": "ok",
        "templating": {"list": [{"name": "ds", "type": "datasource"}]},
        "panels": [
            {"type": "stat", "datasource": {"uid": "${ds}"}, "targets": [{"datasource": "$ds"}]}
        ],
    }
    assert _messages(d) == []


def test_errors() -> None:
    assert ("error", "dashboard has an empty title") in _messages({"uid": "x", "title": " "})
    assert ("error", "dashboard has no uid") in _messages({"title": "x"})
    dup = _messages(
        {"title": "x", "uid": "x", "panels": [{"id": 1, "type": "a"}, {"id": 1, "type": "b"}]}
    )
    assert ("error", "duplicate panel id 1: panel 1 and panel 1") in dup


def test_warnings() -> None:
    d = {
        "title": "x",
        "uid": "x",
        "panels": [
            {"id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}},
            {
                "id": 2,
                "type": "a",
                "gridPos": {"x": 11, "y": 7, "w": 2, "h": 2},
                "targets": [{"datasource": {"uid": "${missing}"}}],
            },
            {"id": 3, "type": "row", "gridPos": {"x": 0, "y": 9, "w": 24, "h": 1}},
            {"id": 4, "libraryPanel": {"uid": "lib"}, "gridPos": {"x": 0, "y": 10, "w": 6, "h": 4}},
        ],
    }
    assert _messages(d) == [
        ("warning", "panel 1 has no type"),
        ("warning", "panel 2 overlaps panel 1 (gridPos)"),
        (
            "warning",
            "panel 2 uses datasource $missing, but the dashboard defines no template "
            "variable of that name",
        ),
    ]


def test_datasource_variable_syntaxes() -> None:
    variables = {"list": [{"name": "ds"}]}
    for reference in ("$ds", "${ds}", "${ds:raw}", "[[ds]]", "-- Mixed --", "prometheus"):
        d = {"title": "x", "uid": "x", "templating": variables, "panels": [{"type": "a"}]}
        d["panels"][0]["datasource"] = reference
        assert _messages(d) == [], reference
    for reference in ("$other", "${other:text}", "[[other]]"):
        d = {"title": "x", "uid": "x", "templating": variables, "panels": [{"type": "a"}]}
        d["panels"][0]["datasource"] = {"uid": reference}
        assert [m for _, m in _messages(d)] == [
            "panel 1 uses datasource $other, but the dashboard defines no template variable "
            "of that name"
        ], reference


def test_uid_type_and_length() -> None:
    assert ("error", "uid must be a string, got 12") in _messages({"title": "x", "uid": 12})
    assert _messages({"title": "x", "uid": "a" * 40}) == []

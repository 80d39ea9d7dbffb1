from __future__ import annotations

from dashgen.model.normalize import normalize
from dashgen.model.validate import validate


def _messages(d: dict) -> list[tuple[str, str]]:
    """The problems of ``d`` (given a schemaVersion unless it has its own)."""
    return [(p.severity, p.message) for p in validate(normalize({"schemaVersion": 39, **d}))]


def _schema_messages(d: dict) -> list[str]:
    return [p.message for p in validate(normalize(d)) if "schemaVersion" in p.message]


def test_schema_version_missing_or_below_the_apis_minimum_is_a_warning() -> None:
    missing = validate(normalize({"title": "x", "uid": "x"}))
    assert [(p.severity, p.message) for p in missing] == [
        (
            "warning",
            "dashboard has no schemaVersion (Grafana's /apis reads that as 0): Grafana 12 and "
            "later refuse it over /apis (422); set schemaVersion to 12 or above, or publish "
            "with --api classic",
        )
    ]
    assert missing[0].pointer == ()
    low = validate(normalize({"title": "x", "uid": "x", "schemaVersion": 11}))
    assert [p.message.split(":")[0] for p in low] == ["dashboard has schemaVersion 11"]
    assert low[0].pointer == ("schemaVersion",)
    assert _schema_messages({"title": "x", "uid": "x", "schemaVersion": 12}) == []
    assert _schema_messages({"title": "x", "uid": "x", "schemaVersion": 42}) == []
    # Not an integer: one error from the structure check, no warning on top.
    assert [
        p.severity for p in validate(normalize({"title": "x", "uid": "x", "schemaVersion": "39"}))
    ] == ["error"]


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

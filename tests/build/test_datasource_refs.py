"""``model.datasource_refs``: every shape of datasource reference real dashboards use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from dashgen.model.datasource_refs import bind, references


def panel(pid: int, datasource: Any = None, *targets: Any, title: str = "P") -> dict[str, Any]:
    body: dict[str, Any] = {"id": pid, "type": "timeseries", "title": title}
    if datasource is not None:
        body["datasource"] = datasource
    body["targets"] = [
        {"refId": chr(ord("A") + i), **({"datasource": t} if t is not None else {})}
        for i, t in enumerate(targets)
    ]
    return body


def refs_of(dashboard: dict[str, Any]) -> list[tuple[str, str, str | None, str]]:
    return [(r.kind, r.value, r.type, r.location.describe()) for r in references(dashboard)]


def test_uid_objects_strings_and_name_bindings_with_their_places() -> None:
    dashboard = {
        "panels": [
            panel(1, {"type": "prometheus", "uid": "P1"}, {"type": "prometheus", "uid": "P1"}),
            panel(2, {"uid": "grr-server"}, title="Uid only"),
            panel(3, "Old Graphite", "Old Graphite", title="Legacy"),
            panel(4, {"type": "loki", "name": "Loki"}, title="Bound"),
        ]
    }

    assert refs_of(dashboard) == [
        ("uid", "P1", "prometheus", 'panel 1 "P"'),
        ("uid", "P1", "prometheus", 'panel 1 "P" target A'),
        ("uid", "grr-server", None, 'panel 2 "Uid only"'),
        ("string", "Old Graphite", None, 'panel 3 "Legacy"'),
        ("string", "Old Graphite", None, 'panel 3 "Legacy" target A'),
        ("name", "Loki", "loki", 'panel 4 "Bound"'),
    ]


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "default",
        {"type": "prometheus"},  # no uid: the org's default of that type
        {"type": "prometheus", "uid": None},
        "$datasource",
        "${ds}",
        "${ds:raw}",
        "[[ds]]",
        "prom-${env}",
        {"type": "prometheus", "uid": "${ds_prometheus}"},
        {"uid": "$datasource"},
        "-- Grafana --",
        "-- Mixed --",
        "-- Dashboard --",
        "grafana",
        {"type": "grafana", "uid": "-- Grafana --"},
        {"type": "datasource", "uid": "grafana"},
        {"type": "datasource", "uid": "-- Mixed --"},
        {"type": "datasource", "uid": "-- Dashboard --"},
        {"type": "__expr__", "uid": "__expr__"},
        {"type": "__expr__", "uid": "-100"},
        {"uid": "__expr__"},
        {"name": "-- Grafana --"},
    ],
)
def test_variables_builtins_and_defaults_are_not_concrete(value: Any) -> None:
    dashboard = {
        "panels": [panel(1, value, value)],
        "annotations": {"list": [{"name": "A", "datasource": value}]},
        "templating": {"list": [{"name": "q", "type": "query", "datasource": value}]},
    }

    assert references(dashboard) == []


def test_rows_variables_annotations_and_deeper_keys() -> None:
    dashboard = {
        "panels": [
            {
                "id": 10,
                "type": "row",
                "title": "Row",
                "collapsed": True,
                "panels": [panel(11, {"type": "tempo", "uid": "T"}, title="In row")],
            },
            {"id": 12, "type": "text", "libraryPanel": {"uid": "lib", "name": "L"}},
        ],
        "rows": [{"panels": [panel(20, "Legacy DS", title="Old row")]}],
        "templating": {
            "list": [
                {"name": "ds", "type": "datasource", "query": "prometheus"},
                {"name": "dsv", "type": "datasource", "query": "$kind"},
                {"name": "job", "type": "query", "datasource": {"type": "loki", "uid": "L"}},
                {"name": "f", "type": "adhoc", "datasource": {"type": "loki", "uid": "L2"}},
            ]
        },
        "annotations": {"list": [{"name": "Deploys", "datasource": {"uid": "E", "type": "es"}}]},
        "datasource": "Dashboard-wide",
    }
    dashboard["panels"][0]["panels"][0]["options"] = {"extra": {"datasource": {"uid": "X"}}}

    assert refs_of(dashboard) == [
        ("uid", "T", "tempo", 'panel 11 "In row"'),
        ("uid", "X", None, 'panel 11 "In row"'),
        ("string", "Legacy DS", None, 'panel 20 "Old row"'),
        ("type", "prometheus", "prometheus", 'template variable "ds"'),
        ("uid", "L", "loki", 'template variable "job"'),
        ("uid", "L2", "loki", 'template variable "f"'),
        ("uid", "E", "es", 'annotation "Deploys"'),
        ("string", "Dashboard-wide", None, "the dashboard"),
    ]


def test_bind_replaces_name_references_in_a_copy() -> None:
    dashboard = {"panels": [panel(1, {"type": "loki", "name": "Loki"}, {"name": "Loki"})]}
    found = references(dashboard)
    bound = bind(dashboard, {ref.path: {"type": "loki", "uid": "u1"} for ref in found})

    assert bound["panels"][0]["datasource"] == {"type": "loki", "uid": "u1"}
    assert bound["panels"][0]["targets"][0]["datasource"] == {"type": "loki", "uid": "u1"}
    assert dashboard["panels"][0]["datasource"] == {"type": "loki", "name": "Loki"}
    assert references(bound)[0].kind == "uid"


# -- the corpus: real third-party dashboards ------------------------------------------------

CORPUS_FACTS = {
    # every panel goes through the ${ds_prometheus} variable: nothing concrete but its type
    "rfmoz__node-exporter-full.json": {("type", "prometheus")},
    "kube-prometheus__apiserver.json": {("type", "prometheus")},  # and -- Grafana -- annotations
    # object references by uid; the export's ${DS_...} inputs are variables
    "powerwall__dashboard-simple.json": {("uid", "wzyByQkRz")},
    # {"uid": ...} without a type, as Grafana 8 saved them; the same dashboard before: a name
    "grr__fleetspeak-grr-worker-resaved.json": {("uid", "grr-server")},
    "grr__legacy-workers.json": {("string", "grr-server")},
    # grafanalib and old rows: plain strings naming the datasource
    "grafanalib__example.dashboard.json": {("string", "prometheus")},
    "grafana__dashboard_with_rows.json": {("string", "Prometheus")},
}


@pytest.mark.parametrize("name", sorted(CORPUS_FACTS))
def test_corpus_dashboards(corpus_dir: Path, name: str) -> None:
    document = json.loads((corpus_dir / "dashboards" / name).read_text())
    dashboard = document.get("dashboard", document)  # the API envelope, where there is one

    found = {(r.kind, r.value) for r in references(dashboard)}

    assert found == CORPUS_FACTS[name]


def test_no_corpus_reference_is_a_variable_or_builtin(corpus_dir: Path) -> None:
    checked = 0
    for path in sorted((corpus_dir / "dashboards").glob("*.json")):
        document = json.loads(path.read_text())
        for ref in references(document.get("dashboard", document)):
            checked += 1
            assert "$" not in ref.value and not ref.value.startswith("-- "), (path.name, ref)
            assert ref.value not in ("grafana", "__expr__", "default"), (path.name, ref)
    assert checked > 50


def as_found(found: list) -> list[tuple]:
    return sorted((r.kind, r.value, r.path) for r in found)


def test_the_quick_read_of_known_places_finds_what_the_full_walk_finds(corpus_dir: Path) -> None:
    """With the JSON text, only the usual places are read unless the text has more keys."""
    deep = {"panels": [panel(1, {"uid": "A"})]}
    deep["panels"][0]["options"] = {"datasource": {"uid": "hidden"}}
    documents = [deep]
    for path in sorted((corpus_dir / "dashboards").glob("*.json")):
        document = json.loads(path.read_text())
        documents.append(document.get("dashboard", document))
    for document in documents:
        for text in (orjson.dumps(document), orjson.dumps(document, option=orjson.OPT_INDENT_2)):
            assert as_found(references(document, text)) == as_found(references(document))
    assert ("uid", "hidden") in {(r.kind, r.value) for r in references(deep, orjson.dumps(deep))}

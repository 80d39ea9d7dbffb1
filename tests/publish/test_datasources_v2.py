"""Datasources per org for schema v2 dashboards: the references in v2 queries, annotations
and variables are checked before any write, and ``{"type", "name"}`` binds to each org's
``{"name": <uid>}`` (the real CLI against an emulator server in 13.0 mode, /apis v2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from publish_support import ORG, OTHER_ORG
from scenario import BackendMode, Scenario, dashboard, k8s_mode

from dashgen.model.normalize import content_hash
from dashgen.publish.provenance import wrote
from v2_dashboards import grid, panel, panel_query


@pytest.fixture
def backend_mode() -> BackendMode:
    """Only Grafana 13 serves dashboard.grafana.app/v2 (the other modes refuse v2)."""
    return k8s_mode("13.0")


def query(ref_id: str, datasource: Any, group: str = "prometheus") -> dict[str, Any]:
    return panel_query(datasource, "up", ref_id=ref_id, group=group)


def v2_resource(uid: str, *queries: dict[str, Any], **spec: Any) -> dict[str, Any]:
    body = {
        "title": f"Board {uid}",
        "elements": {"panel-1": panel(1, "Errors", *queries)},
        "layout": grid(("panel-1", 0, 0, 12, 8)),
        **spec,
    }
    return {
        "apiVersion": "dashboard.grafana.app/v2",
        "kind": "Dashboard",
        "metadata": {"name": uid},
        "spec": body,
    }


def seed_datasources(scenario: Scenario) -> None:
    add = scenario.emulator.create_datasource
    add(scenario.org_id, "Prometheus", "prometheus", uid="P1")
    add(scenario.org_id, "Thanos", "prometheus", uid="T1")
    add(scenario.org_id, "Loki", "loki", uid="L1")


def test_a_missing_datasource_in_a_v2_query_is_reported_before_any_write(
    scenario: Scenario,
) -> None:
    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/good.json", v2_resource("good", query("A", {"name": "P1"})))
    bad = v2_resource("bad", query("A", {"name": "P1"}), query("B", {"name": "gone-uid"}))
    scenario.write_source(f"{ORG}/team-a/bad.json", bad)
    scenario.write_source(f"{ORG}/v1.json", dashboard("v1"))

    run = scenario.publish()

    assert run.code == 1, run.output
    said = run.stderr
    assert "dashboard 'Board bad' (uid bad) was not written" in said
    assert (
        'datasource uid \'gone-uid\' (prometheus) of element "panel-1" (panel "Errors") query B'
        " is not in org 'apiorg'" in said
    )
    assert "'Prometheus' (uid P1), 'Thanos' (uid T1)" in said and "Loki" not in said
    assert sorted(scenario.uids()) == ["good", "v1"]
    stored = scenario.stored("good")
    assert stored is not None and stored.api_version == "v2"
    log = [(e.method, e.path) for e in scenario.emulator.request_log]
    assert log.count(("GET", "/api/datasources")) == 1
    assert log.index(("GET", "/api/datasources")) < scenario.mode.first_write(scenario.emulator)

    allowed = scenario.publish("--allow-missing-datasources")

    assert allowed.code == 0, allowed.output
    assert "warning: dashboard 'Board bad' (uid bad) in org 'apiorg'" in allowed.stderr
    assert "query B is not in org 'apiorg'" in allowed.stderr
    assert sorted(scenario.uids()) == ["bad", "good", "v1"]


def test_annotations_and_variables_of_a_v2_dashboard_are_checked(scenario: Scenario) -> None:
    seed_datasources(scenario)
    annotation = {
        "kind": "AnnotationQuery",
        "spec": {
            "name": "Deploys",
            "enable": True,
            "query": {"kind": "DataQuery", "group": "loki", "datasource": {"name": "old-loki"}},
        },
    }
    builtin = {
        "kind": "AnnotationQuery",
        "spec": {
            "name": "Annotations & Alerts",
            "builtIn": True,
            "query": {
                "kind": "DataQuery",
                "group": "grafana",
                "datasource": {"name": "-- Grafana --"},
            },
        },
    }
    variables = [
        {"kind": "DatasourceVariable", "spec": {"name": "ds", "pluginId": "elasticsearch"}},
        {
            "kind": "AdhocVariable",
            "group": "prometheus",
            "datasource": {"name": "${ds}"},
            "spec": {"name": "filters"},
        },
    ]
    document = v2_resource(
        "annotated",
        query("A", {"name": "${ds}"}),  # a variable: not a concrete datasource
        query("B", None),  # no datasource: the org's default of the type
        query("C", {"name": "-- Mixed --"}, group="datasource"),
        annotations=[builtin, annotation],
        variables=variables,
    )
    scenario.write_source(f"{ORG}/annotated.json", document)

    run = scenario.diff("--output", "json")

    assert run.code == 1, run.output
    (record,) = run.json_lines()
    error = record["error"]
    assert "datasource uid 'old-loki' (loki) of annotation \"Deploys\"" in error
    assert 'template variable "ds" needs a elasticsearch datasource' in error
    for fine in ("${ds}", "-- Grafana --", "-- Mixed --", "query A", "query B"):
        assert fine not in error


def test_a_v2_name_binding_takes_each_orgs_uid_and_republishes_nothing(
    scenario: Scenario,
) -> None:
    emulator = scenario.emulator
    emulator.create_datasource(scenario.org_id, "Prometheus", "prometheus", uid="api-prom")
    emulator.create_datasource(scenario.other_org_id, "Loki", "loki", uid="other-loki")
    emulator.create_datasource(scenario.other_org_id, "Prometheus", "prometheus", uid="other-prom")
    binding = {"type": "prometheus", "name": "Prometheus"}
    scenario.write_source("shared/svc.json", v2_resource("svc", query("A", binding)))
    python_source = (
        "from dashgen import context\n"
        f"dashboard = {v2_resource('py', query('A', None))!r}\n"
        'dashboard["spec"]["elements"]["panel-1"]["spec"]["data"]["spec"]["queries"][0]'
        '["spec"]["query"]["datasource"] = context.datasource("Prometheus", type="prometheus")\n'
    )
    scenario.write_source(f"{OTHER_ORG}/py.dashboard.py", python_source)
    scenario.write_config(
        f'project = "alpha"\n[orgs.{ORG}]\nsources = ["shared/**"]\n'
        f'[orgs.{OTHER_ORG}]\nsources = ["shared/**", "{OTHER_ORG}/**"]\n'
    )
    both = ("--org", ORG, "--org", OTHER_ORG, "--grafana-url", scenario.server.url)

    first = scenario.cli("publish", *both)

    assert first.code == 0, first.output

    def datasource_of(uid: str, org_id: int) -> Any:
        stored = scenario.stored(uid, org_id)
        assert stored is not None and stored.api_version == "v2"
        queries = stored.data["elements"]["panel-1"]["spec"]["data"]["spec"]["queries"]
        return queries[0]["spec"]["query"]["datasource"]

    assert datasource_of("svc", scenario.org_id) == {"name": "api-prom"}
    assert datasource_of("svc", scenario.other_org_id) == {"name": "other-prom"}
    assert datasource_of("py", scenario.other_org_id) == {"name": "other-prom"}
    built = json.loads((scenario.root / "build" / OTHER_ORG / "svc.json").read_text())
    assert (
        built["elements"]["panel-1"]["spec"]["data"]["spec"]["queries"][0]["spec"]["query"][
            "datasource"
        ]
        == binding
    )  # the build stays offline: it keeps the name
    writes = len(scenario.mode.writes(emulator))

    again = scenario.cli("publish", *both)
    diff = scenario.cli("diff", *both)

    assert again.code == 0, again.output
    assert "3 unchanged" in again.stdout
    assert len(scenario.mode.writes(emulator)) == writes  # zero writes
    assert diff.code == 0, diff.output
    # The version message names the bound content: the drift guard knows it as dashgen's.
    stored = scenario.stored("svc", scenario.other_org_id)
    assert stored is not None and wrote(stored.message, content_hash(stored.data))


def test_a_v2_name_that_binds_to_nothing_is_an_error(scenario: Scenario) -> None:
    seed_datasources(scenario)
    binding = {"type": "prometheus", "name": "Graphite"}
    scenario.write_source(f"{ORG}/svc.json", v2_resource("svc", query("A", binding)))

    run = scenario.publish("--allow-missing-datasources")

    assert run.code == 1, run.output
    assert (
        'element "panel-1" (panel "Errors") query A binds the datasource named \'Graphite\', '
        "which org 'apiorg' does not have" in run.stderr
    )
    assert scenario.uids() == []

"""Datasources per org: publish and diff check every reference before any write, and bind
``{"type", "name"}`` references to each org's uid (the real CLI against an emulator server)."""

from __future__ import annotations

import json
from typing import Any

from publish_support import ORG, OTHER_ORG
from scenario import CONFIG, Scenario, dashboard

from dashgen.model.normalize import content_hash
from dashgen.publish.events import Action
from dashgen.publish.provenance import wrote


def with_datasource(uid: str, reference: Any, *, target: Any = "same", **extra: Any) -> dict:
    document = dashboard(uid, **extra)
    panel = document["panels"][0]
    panel["title"] = "Errors"
    panel["datasource"] = reference
    panel["targets"][0]["datasource"] = reference if target == "same" else target
    return document


def seed_datasources(scenario: Scenario) -> None:
    add = scenario.emulator.create_datasource
    add(scenario.org_id, "Prometheus", "prometheus", uid="P1")
    add(scenario.org_id, "Thanos", "prometheus", uid="T1")
    add(scenario.org_id, "Loki", "loki", uid="L1")


def test_a_missing_datasource_is_reported_before_any_write(scenario: Scenario) -> None:
    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/good.json", with_datasource("good", {"uid": "P1"}))
    missing = {"type": "prometheus", "uid": "gone-uid"}
    scenario.write_source(f"{ORG}/team-a/bad.json", with_datasource("bad", missing))

    run = scenario.publish()

    assert run.code == 1
    # Why a dashboard was not published is said once, under "Not published:" (stderr).
    assert "failed       apiorg/bad  Dashboard bad" in run.stdout
    assert "Not published:\n  apiorg/bad (failed): " in run.stderr
    assert "dashboard 'Dashboard bad' (uid bad) was not written" in run.stderr
    assert "datasource uid 'gone-uid' (prometheus) of panel 1 \"Errors\"" in run.stderr
    assert "'Prometheus' (uid P1), 'Thanos' (uid T1)" in run.stderr
    assert "Loki" not in run.output  # only the datasources of that type are listed
    emulator = scenario.emulator
    assert scenario.uids() == ["good"]
    # One read of the org's datasources, before anything is written; no folder for "bad".
    log = [(e.method, e.path) for e in emulator.request_log]
    assert log.count(("GET", "/api/datasources")) == 1
    first_write = next(i for i, (m, _) in enumerate(log) if m == "POST")
    assert log.index(("GET", "/api/datasources")) < first_write
    assert "team-a" not in emulator.folder_uids(scenario.org_id)

    allowed = scenario.publish("--allow-missing-datasources")

    assert allowed.code == 0, allowed.output
    assert "warning: dashboard 'Dashboard bad' (uid bad)" in allowed.stderr
    assert "written anyway" in allowed.stderr
    assert sorted(scenario.uids()) == ["bad", "good"]


def test_diff_reports_the_missing_datasource_too(scenario: Scenario) -> None:
    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/bad.json", with_datasource("bad", "Graphite"))

    run = scenario.diff("--output", "json")

    assert run.code == 1
    (record,) = run.json_lines()
    assert record["status"] == "failed"
    assert "datasource 'Graphite' of panel 1 \"Errors\" is not in org 'apiorg'" in record["error"]
    assert "its datasources: 'Loki' (uid L1), 'Prometheus' (uid P1)" in record["error"]


def test_variables_builtins_and_names_are_understood(scenario: Scenario) -> None:
    seed_datasources(scenario)
    document = dashboard("fine")
    document["templating"] = {
        "list": [
            {"name": "ds", "type": "datasource", "query": "prometheus"},
            {"name": "job", "type": "query", "datasource": {"type": "prometheus", "uid": "$ds"}},
        ]
    }
    document["annotations"] = {
        "list": [
            {
                "name": "Annotations & Alerts",
                "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            },
            {"name": "Old style", "datasource": "-- Grafana --"},
        ]
    }
    panel = document["panels"][0]
    panel["datasource"] = {"type": "datasource", "uid": "-- Mixed --"}
    panel["targets"] = [
        {"refId": "A", "datasource": {"type": "prometheus", "uid": "${ds}"}},
        {"refId": "B", "datasource": {"type": "__expr__", "uid": "__expr__"}},
        {"refId": "C", "datasource": "Loki"},  # a legacy name
        {"refId": "D", "datasource": "P1"},  # a legacy string holding a uid
        {"refId": "E", "datasource": {"uid": "[[ds]]"}},
    ]
    document["panels"].append(
        {
            "id": 2,
            "type": "table",
            "title": "Reuse",
            "gridPos": {"h": 4, "w": 4, "x": 0, "y": 8},
            "datasource": {"type": "datasource", "uid": "-- Dashboard --"},
        }
    )
    scenario.write_source(f"{ORG}/fine.json", document)

    run = scenario.publish()

    assert run.code == 0, run.output
    assert scenario.uids() == ["fine"]


def test_a_datasource_variable_needs_one_of_its_type(scenario: Scenario) -> None:
    seed_datasources(scenario)
    document = dashboard("traces")
    document["templating"] = {"list": [{"name": "tempo", "type": "datasource", "query": "tempo"}]}
    scenario.write_source(f"{ORG}/traces.json", document)

    run = scenario.publish()

    assert run.code == 1
    assert 'template variable "tempo" needs a tempo datasource' in run.stderr
    assert scenario.uids() == []


BOUND = {"type": "prometheus", "name": "Prometheus"}


def test_one_source_bound_by_name_in_two_orgs_then_republished_with_no_write(
    scenario: Scenario,
) -> None:
    emulator = scenario.emulator
    emulator.create_datasource(scenario.org_id, "Prometheus", "prometheus", uid="api-prom")
    emulator.create_datasource(scenario.other_org_id, "Loki", "loki", uid="other-loki")
    emulator.create_datasource(scenario.other_org_id, "Prometheus", "prometheus", uid="other-prom")
    template = json.dumps(with_datasource("svc", BOUND)).replace(
        '"title": "Errors"', '"title": {{ panel_title | default("Errors") | tojson }}'
    )
    scenario.write_source("shared/svc.json.j2", template)  # one source for both orgs
    scenario.write_config(
        f'project = "alpha"\n[orgs.{ORG}]\nsources = ["shared/**"]\n'
        f'[orgs.{OTHER_ORG}]\nsources = ["shared/**", "{OTHER_ORG}/**"]\n'
    )
    python_source = (
        "from dashgen import context\n"
        "dashboard = {\n"
        '    "uid": "py", "title": "From Python", "schemaVersion": 39,\n'
        '    "panels": [{"id": 1, "type": "stat", "title": "Up",\n'
        '                "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0},\n'
        '                "datasource": context.datasource("Prometheus", type="prometheus"),\n'
        '                "targets": [{"refId": "A", "expr": "up"}]}],\n'
        "}\n"
    )
    scenario.write_source(f"{OTHER_ORG}/py.dashboard.py", python_source)
    built = scenario.root / "build"

    first = scenario.cli(
        "publish", "--org", ORG, "--org", OTHER_ORG, "--grafana-url", scenario.server.url
    )

    assert first.code == 0, first.output
    api = scenario.stored("svc")
    other = scenario.stored("svc", scenario.other_org_id)
    assert api is not None and other is not None
    assert api.data["panels"][0]["datasource"] == {"type": "prometheus", "uid": "api-prom"}
    assert other.data["panels"][0]["datasource"] == {"type": "prometheus", "uid": "other-prom"}
    assert other.data["panels"][0]["targets"][0]["datasource"]["uid"] == "other-prom"
    py = scenario.stored("py", scenario.other_org_id)
    assert py is not None
    assert py.data["panels"][0]["datasource"] == {"type": "prometheus", "uid": "other-prom"}
    # The build stays offline: it keeps the name; the version message names what was sent.
    assert (
        json.loads((built / OTHER_ORG / "svc.json").read_text())["panels"][0]["datasource"] == BOUND
    )
    message = emulator.versions(scenario.other_org_id, "svc")[-1].message
    assert wrote(message, content_hash(other.data))

    writes = len(scenario.mode.writes(emulator))
    again = scenario.cli(
        "publish", "--org", ORG, "--org", OTHER_ORG, "--grafana-url", scenario.server.url
    )
    diff = scenario.cli(
        "diff", "--org", ORG, "--org", OTHER_ORG, "--grafana-url", scenario.server.url
    )

    assert again.code == 0, again.output
    assert "3 unchanged" in again.stdout
    assert len(scenario.mode.writes(emulator)) == writes  # zero writes
    assert diff.code == 0, diff.output

    # A change to the source is an update (the drift guard knows the bound content as dashgen's).
    changed = scenario.cli(
        "publish",
        "--org",
        OTHER_ORG,
        "--grafana-url",
        scenario.server.url,
        "--var",
        "panel_title=Failures",
    )
    assert changed.code == 0, changed.output
    assert "updated      otherorg/svc" in changed.stdout


def test_a_name_that_binds_to_nothing_or_to_two_is_an_error(scenario: Scenario) -> None:
    add = scenario.emulator.create_datasource
    add(scenario.org_id, "Prometheus", "prometheus", uid="big-p")
    add(scenario.org_id, "prometheus", "prometheus", uid="small-p")
    add(scenario.org_id, "Loki", "loki", uid="L1")
    scenario.write_source(f"{ORG}/none.json", with_datasource("none", {"name": "Mimir"}))
    scenario.write_source(f"{ORG}/two.json", with_datasource("two", {"name": "PROMETHEUS"}))
    scenario.write_source(f"{ORG}/exact.json", with_datasource("exact", {"name": "prometheus"}))
    kind = {"type": "prometheus", "name": "Loki"}
    scenario.write_source(f"{ORG}/kind.json", with_datasource("kind", kind))

    report = scenario.library_publish()

    errors = {e.uid: e.error or "" for e in report.events if e.action is Action.FAILED}
    assert sorted(errors) == ["kind", "none", "two"]
    assert "binds the datasource named 'Mimir', which org 'apiorg' does not have" in errors["none"]
    assert "its datasources: 'Loki' (uid L1), 'Prometheus' (uid big-p)" in errors["none"]
    assert "matches 'Prometheus' (uid big-p) and 'prometheus' (uid small-p)" in errors["two"]
    assert "binds 'Loki' as a prometheus datasource" in errors["kind"]
    exact = scenario.stored("exact")
    assert exact is not None
    assert exact.data["panels"][0]["datasource"] == {"type": "prometheus", "uid": "small-p"}


def test_unreadable_datasources_skip_the_check_but_not_the_bindings(scenario: Scenario) -> None:
    scenario.write_source(f"{ORG}/plain.json", with_datasource("plain", {"uid": "whatever"}))
    scenario.write_source(f"{ORG}/bound.json", with_datasource("bound", BOUND))
    scenario.emulator.faults.add(method="GET", path="/api/datasources", status=403, times=None)

    report = scenario.library_publish()

    actions = {e.uid: e.action for e in report.events}
    assert actions == {"plain": Action.CREATED, "bound": Action.FAILED}
    assert any("were not checked" in w for w in report.warnings)


def test_a_uid_of_a_datasource_of_another_type_is_a_warning(scenario: Scenario) -> None:
    # A Share > Export input mapped to a Loki uid for a Prometheus panel: Grafana would run
    # the panel's PromQL on Loki. Said, not refused: a renamed plugin (postgres ->
    # grafana-postgresql-datasource) keeps its old id as an alias and such panels work.
    seed_datasources(scenario)
    scenario.write_config(CONFIG + '[inputs]\nDS_PROM = "L1"\n')
    exported = with_datasource("exp", {"type": "prometheus", "uid": "${DS_PROM}"})
    exported["__inputs"] = [
        {"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus", "label": "Prom"}
    ]
    scenario.write_source(f"{ORG}/exp.json", exported)

    run = scenario.publish()

    assert run.code == 0, run.output
    assert (
        "datasource uid 'L1' (prometheus) of panel 1 \"Errors\" is 'Loki' (uid L1) in org "
        "'apiorg', a loki datasource, not prometheus (its prometheus datasources: "
        "'Prometheus' (uid P1), 'Thanos' (uid T1))"
    ) in run.output
    assert scenario.uids() == ["exp"]

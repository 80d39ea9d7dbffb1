"""A dashboard whose schemaVersion is newer than the Grafana's latest (a 42 dashboard, as
12.2+ saves them, sent to a 12.0/12.1 whose latest is 41) is refused by /apis with 422: no
migration step leads down to the latest (apps/dashboard/pkg/migration/migrate.go). dashgen
says so, and does not ask for "12 or above" as it does for one below the minimum; ``diff``
shows such a dashboard as failed, as ``publish --dry-run`` does, new or changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from backends_support import K8S_DASHBOARDS, dashboard, make_setup

from dashgen.testing import EmulatorServer


def test_too_new_a_schema_version_is_refused_with_its_reason(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer]
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version="12.0")
    setup.source(dashboard("newer", schemaVersion=42))
    setup.source(dashboard("older", schemaVersion=39))

    for run in (setup.diff("--api", "k8s"), setup.publish("--api", "k8s", "--dry-run")):
        assert run.code == 1, run.output
    run = setup.publish("--api", "k8s")

    assert run.code == 1, run.output
    assert "1 failed, 1 created" in run.stdout, run.output
    assert "newer than this Grafana knows" in run.output
    assert "12 or above" not in run.output
    assert "--api classic" in run.output
    assert [d.uid for d in setup.emulator.dashboards(setup.org_id)] == ["older"]


def test_diff_shows_what_grafana_would_refuse_as_failed(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer]
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version="12.0")
    setup.source(dashboard("newer", schemaVersion=42))
    setup.source(dashboard("oldest", schemaVersion=1))
    setup.source(dashboard("changed", schemaVersion=39))
    assert setup.publish("--api", "k8s", "--uid", "changed").code == 0
    setup.source(dashboard("changed", schemaVersion=42))

    diff = setup.diff("--api", "k8s", "--output", "json")

    assert diff.code == 1, diff.output
    records = {r["uid"]: r for r in diff.json_lines() if "uid" in r}
    assert {uid: r["status"] for uid, r in records.items()} == dict.fromkeys(
        ("changed", "newer", "oldest"), "failed"
    ), diff.stdout
    assert "newer than this Grafana knows" in str(records["changed"])
    assert "cannot be migrated" in str(records["oldest"])
    assert len(setup.requests("POST", K8S_DASHBOARDS)) == 1  # (the first publish only)
    assert setup.requests("PUT", f"{K8S_DASHBOARDS}/*") == []

"""A dashboard whose schemaVersion is newer than the Grafana's latest (a 42 dashboard, as
12.2+ saves them, sent to a 12.0/12.1 whose latest is 41) is refused by /apis with 422: no
migration step leads down to the latest (apps/dashboard/pkg/migration/migrate.go). dashgen
says so, and does not ask for "13 or above" as it does for one below the minimum."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from backends_support import dashboard, make_setup

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
    assert "13 or above" not in run.output
    assert "--api classic" in run.output
    assert [d.uid for d in setup.emulator.dashboards(setup.org_id)] == ["older"]

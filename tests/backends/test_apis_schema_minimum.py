"""The build's schemaVersion warning names exactly the versions /apis refuses: a dashboard
at the warning's threshold builds without the warning and is stored over /apis by every
emulated release that serves it; one below it is warned about at build and refused (422)
by at least one such release (``inputVersion < MIN_VERSION``, migrate.go)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from backends_support import dashboard, make_setup

from dashgen.model.validate import APIS_MIN_SCHEMA_VERSION
from dashgen.testing import EmulatorServer
from dashgen.testing.profiles import PROFILES

APIS_RELEASES = [name for name, profile in PROFILES.items() if profile.apis_dashboard_versions]


def test_the_threshold_is_the_highest_minimum_of_the_releases() -> None:
    minimums = [PROFILES[name].schema_minimum for name in APIS_RELEASES]
    assert max(minimums) == APIS_MIN_SCHEMA_VERSION, minimums


@pytest.mark.parametrize("version", APIS_RELEASES)
def test_at_the_threshold_no_warning_and_stored(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer], version: str
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version=version)
    setup.source(dashboard("at", schemaVersion=APIS_MIN_SCHEMA_VERSION))

    run = setup.publish("--api", "k8s")

    assert run.code == 0, run.output
    assert "schemaVersion" not in run.output, run.output
    assert [d.uid for d in setup.emulator.dashboards(setup.org_id)] == ["at"]


def test_below_the_threshold_warned_and_refused_somewhere(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer]
) -> None:
    strictest = max(APIS_RELEASES, key=lambda name: PROFILES[name].schema_minimum)
    setup = make_setup(tmp_path, make_grafana_server, version=strictest)
    setup.source(dashboard("below", schemaVersion=APIS_MIN_SCHEMA_VERSION - 1))

    run = setup.publish("--api", "k8s")

    assert run.code == 1, run.output
    assert f"dashboard has schemaVersion {APIS_MIN_SCHEMA_VERSION - 1}" in run.output
    assert "cannot be migrated" in run.output, run.output
    assert setup.emulator.dashboards(setup.org_id) == []

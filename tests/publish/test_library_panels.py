"""A dashboard that shows a library panel the org lacks is failed before it is sent
(dashgen creates no library panels; Grafana would store it, then answer 500); with the
panel in the org it is written (the real CLI against an emulator server, both APIs)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from publish_support import ORG
from scenario import Scenario, dashboard


def with_library_panel(uid: str) -> dict[str, Any]:
    document = dashboard(uid)
    document["panels"].append(
        {
            "id": 9,
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 16},
            "libraryPanel": {"uid": "lib-cpu", "name": "CPU usage"},
        }
    )
    return document


def test_a_library_panel_the_org_lacks_fails_the_dashboard_unsent(scenario: Scenario) -> None:
    scenario.write_source(f"{ORG}/plain.json", dashboard("plain"))
    scenario.write_source(f"{ORG}/shows.json", with_library_panel("shows"))

    run = scenario.publish()

    assert run.code == 1, run.output
    assert "Not published:\n  apiorg/shows (failed): " in run.stderr
    assert "shows library panel(s) 'CPU usage' (uid lib-cpu) that org 'apiorg'" in run.stderr
    assert "does not create library panels" in run.stderr
    assert scenario.uids() == ["plain"]  # never sent: no half-saved dashboard
    log = [(e.method, e.path) for e in scenario.emulator.request_log]
    assert log.count(("GET", "/api/library-elements/lib-cpu")) == 1
    assert run.code == scenario.publish("--dry-run").code  # a dry run says the same
    assert "apiorg/shows (failed)" in scenario.runs[-1].stderr

    panel = {"type": "timeseries", "title": "CPU usage"}
    scenario.emulator.create_library_panel(scenario.org_id, "lib-cpu", "CPU usage", panel)
    again = scenario.publish()

    assert again.code == 0, again.output
    assert sorted(scenario.uids()) == ["plain", "shows"]
    assert scenario.publish().code == 0  # unchanged now: nothing to check, nothing written
    log = [(e.method, e.path) for e in scenario.emulator.request_log]
    assert log.count(("GET", "/api/library-elements/lib-cpu")) == 3  # one per run that writes


def test_another_orgs_library_panel_does_not_count(scenario: Scenario) -> None:
    panel = {"type": "timeseries", "title": "CPU usage"}
    scenario.emulator.create_library_panel(scenario.other_org_id, "lib-cpu", "CPU usage", panel)
    scenario.write_source(f"{ORG}/shows.json", with_library_panel("shows"))

    run = scenario.publish(org=ORG)

    assert run.code == 1 and "uid lib-cpu" in run.stderr
    assert scenario.uids() == []


def test_a_write_reads_its_output_file_once(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its library panels are looked for in the bytes that are then sent."""
    panel = {"type": "timeseries", "title": "CPU usage"}
    scenario.emulator.create_library_panel(scenario.org_id, "lib-cpu", "CPU usage", panel)
    scenario.write_source(f"{ORG}/plain.json", dashboard("plain"))
    scenario.write_source(f"{ORG}/shows.json", with_library_panel("shows"))
    assert scenario.cli("build").code == 0
    reads: Counter[str] = Counter()
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        if _writing() and path.parent.name == ORG and path.parent.parent.name == "build":
            reads[path.name] += 1
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    run = scenario.publish()

    assert run.code == 0, run.output
    assert sorted(scenario.uids()) == ["plain", "shows"]
    assert reads == {"plain.json": 1, "shows.json": 1}


def _writing() -> bool:
    """Whether ``dashgen.publish.writing`` is on the calling thread's stack."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") != "dashgen.publish.writing":
        frame = frame.f_back  # type: ignore[assignment]
    return frame is not None

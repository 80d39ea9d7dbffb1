"""Schema v2 sources end to end through the real CLI (`dashgen publish`, `dashgen diff`,
`--output json`) against the emulator: 13.0 publishes them on the v2 path; 12.0 and 11.2
refuse them, one sentence each, while the v1 dashboards of the same build go out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from backends_support import Setup, dashboard, make_setup
from v2_support import v2_spec

from dashgen.testing import EmulatorServer

MakeServer = Callable[..., EmulatorServer]


def resource(uid: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "dashboard.grafana.app/v2",
        "kind": "Dashboard",
        "metadata": {"name": uid, "annotations": {"grafana.app/folder": "team-v2"}},
        "spec": spec,
    }


def project(tmp_path: Path, make_server: MakeServer, version: str) -> Setup:
    setup = make_setup(tmp_path, make_server, version=version)
    sources = setup.root / "dashboards"
    (sources / "tabs.json").write_text(json.dumps(resource("tabs", v2_spec())))
    (sources / "bare.json").write_text(json.dumps(v2_spec("Bare v2")))  # uid from the path
    (sources / "py_v2.py").write_text(f"dashboard = {v2_spec('From Python')!r}\n")
    setup.source(dashboard("flat"))
    return setup


def test_v2_sources_publish_on_13_0_and_diff_reads_their_elements(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    setup = project(tmp_path, make_grafana_server, "13.0")

    first = setup.publish()
    again = setup.publish()
    (setup.root / "dashboards" / "tabs.json").write_text(
        json.dumps(resource("tabs", v2_spec(panel_title="Memory")))
    )
    diff = setup.diff()
    diff_json = setup.diff("--output", "json")
    changed = setup.publish("--output", "json")

    assert first.code == 0, first.output
    assert "4 created" in first.stdout
    assert again.code == 0 and "4 unchanged" in again.stdout, again.output
    stored = {d.uid: d for d in setup.emulator.dashboards(setup.org_id)}
    assert {uid: d.api_version for uid, d in stored.items()} == {
        "bare": "v2",
        "flat": "v1",
        "py_v2": "v2",
        "tabs": "v2",
    }
    assert "elements" in stored["tabs"].data and "uid" not in stored["tabs"].data
    # The config's folder wins over the resource's annotation (issue 16's contract).
    assert stored["tabs"].folder_uid == "platform"
    assert diff.code == 1, diff.output
    assert "element panel-1 'Memory' changed" in diff.stdout
    records = {r["uid"]: r for r in map(json.loads, diff_json.stdout.splitlines()) if "uid" in r}
    record = records["tabs"]
    assert {uid for uid, r in records.items() if r["status"] != "unchanged"} == {"tabs"}
    assert record["changes"] == ["element panel-1 'Memory' changed"]
    events = [line for line in changed.json_lines() if line.get("uid") == "tabs"]
    assert [event["action"] for event in events] == ["updated"]
    assert setup.emulator.dashboard(setup.org_id, "tabs").version == 2


@pytest.mark.parametrize(
    ("version", "api"), [("12.0", "auto"), ("11.2", "auto"), ("13.0", "classic")]
)
def test_v2_sources_are_refused_one_sentence_each_and_the_rest_goes_out(
    tmp_path: Path, make_grafana_server: MakeServer, version: str, api: str
) -> None:
    setup = project(tmp_path, make_grafana_server, version)

    run = setup.publish("--api", api)
    as_json = setup.publish("--api", api, "--output", "json")
    diff = setup.diff("--api", api)

    assert run.code == 1, run.output
    assert "created      apiorg/flat" in run.stdout
    for uid in ("bare", "py_v2", "tabs"):
        assert f"failed       apiorg/{uid}" in run.stdout
    assert "3 failed, 1 created in" in run.stdout
    sentences = [line for line in run.stderr.splitlines() if "is a schema v2 dashboard" in line]
    assert len(sentences) == 3, run.stderr
    tabs = next(line for line in sentences if "(uid tabs)" in line)
    assert "from dashboards/tabs.json" in tabs
    assert "Grafana 13.0 and later accept it through /apis" in tabs
    events = {e["uid"]: e for e in as_json.json_lines() if e.get("uid")}
    assert as_json.code == 1
    assert events["tabs"]["action"] == "failed"
    assert "is a schema v2 dashboard" in events["tabs"]["error"]
    assert events["flat"]["action"] == "unchanged"
    assert diff.code == 1 and "is a schema v2 dashboard" in diff.output
    assert [d.uid for d in setup.emulator.dashboards(setup.org_id)] == ["flat"]

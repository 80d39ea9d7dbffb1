"""`dashgen publish` into nested folders (the config's `parent`), end to end through the
real CLI against the emulator's real server on 127.0.0.1, both APIs: parents first, a
folder under another parent is left where it is with one warning, a Grafana without
nested folders is an error, and a project with no parent sends what it always sent."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from scenario import BackendMode

from cli_run import Run, invoke
from dashgen.testing import EmulatorServer
from dashgen.testing.profiles import profile_for
from project_files import write_file

ORG = "apiorg"
CONFIG = """\
[orgs.apiorg]
[orgs.apiorg.folders]
"teams" = { title = "Teams", uid = "t1" }
"sre" = { title = "SRE", uid = "s1", parent = "t1" }
"oncall" = { title = "On call", uid = "o1", parent = "s1" }
"""


def _dashboard(uid: str) -> dict[str, object]:
    return {"uid": uid, "title": uid.title(), "schemaVersion": 39, "panels": []}


@pytest.fixture
def mode(backend_mode: BackendMode, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """(DASHGEN_API, Grafana version) of the conftest's backend mode (both APIs)."""
    for name in list(os.environ):
        if name.startswith("DASHGEN_TOKEN_") or name == "GRAFANA_URL":
            monkeypatch.delenv(name)
    return backend_mode.api, backend_mode.grafana_version


def _project(tmp_path: Path, config: str = CONFIG) -> Path:
    root = tmp_path / "project"
    write_file(root, "dashgen.toml", config)
    write_file(root, "dashboards/oncall/pager.json", _dashboard("pager"))
    write_file(root, "dashboards/sre/slo.json", _dashboard("slo"))
    return root


def _publish(root: Path, server: EmulatorServer, api: str, org_id: int, token: str) -> Run:
    env = {"GRAFANA_URL": server.url, "DASHGEN_TOKEN_APIORG": token, "DASHGEN_API": api}
    env["DASHGEN_TOKEN_STORE"] = str(root / ".no-store" / "tokens.json")
    return invoke(root, "publish", "--org", ORG, env=env)


def _grafana(
    make: Callable[..., EmulatorServer], version: str, **options: object
) -> tuple[EmulatorServer, int, str]:
    server = make(version, **options)
    org_id = server.emulator.create_org(ORG)
    token = server.emulator.create_service_account_token(org_id, "Editor", name="dashgen")
    return server, org_id, token


def _parents(server: EmulatorServer, org_id: int) -> dict[str, str | None]:
    state = server.emulator.state
    return {f.uid: f.parent_uid for (o, _), f in state.folders.items() if o == org_id}


def test_missing_folders_are_created_under_their_parents(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer], mode: tuple[str, str]
) -> None:
    api, version = mode
    server, org_id, token = _grafana(make_grafana_server, version)
    root = _project(tmp_path)
    result = _publish(root, server, api, org_id, token)
    assert result.code == 0, result.output
    parents = _parents(server, org_id)
    assert {uid: parents[uid] for uid in ("t1", "s1", "o1")} == {
        "t1": None,
        "s1": "t1",
        "o1": "s1",
    }
    assert server.emulator.dashboard(org_id, "pager").folder_uid == "o1"
    # parents first: each folder's create comes after its parent's
    ids = {f.uid: f.id for (o, _), f in server.emulator.state.folders.items() if o == org_id}
    assert ids["t1"] < ids["s1"] < ids["o1"]  # (Grafana refuses a child before its parent)
    again = _publish(root, server, api, org_id, token)
    assert again.code == 0 and "warning" not in again.output.lower(), again.output


def test_a_folder_under_another_parent_is_not_moved(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer], mode: tuple[str, str]
) -> None:
    api, version = mode
    server, org_id, token = _grafana(make_grafana_server, version)
    server.emulator.create_folder(org_id, "Elsewhere", uid="x1")
    server.emulator.create_folder(org_id, "SRE", uid="s1", parent_uid="x1")
    root = _project(tmp_path)
    result = _publish(root, server, api, org_id, token)
    assert result.code == 0, result.output
    said = [line for line in result.output.splitlines() if "folder 'SRE' (uid s1)" in line]
    assert len(said) == 1, result.output
    assert "is in folder x1 in Grafana, not in folder t1" in said[0]
    assert "dashgen does not move folders" in said[0]
    parents = _parents(server, org_id)
    assert parents["s1"] == "x1" and parents["o1"] == "s1"


def test_a_grafana_without_nested_folders_is_an_error(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer], mode: tuple[str, str]
) -> None:
    api, version = mode
    flat = dataclasses.replace(profile_for(version), nested_folders=False)
    server, org_id, token = _grafana(make_grafana_server, version, profile=flat)
    root = _project(tmp_path)
    result = _publish(root, server, api, org_id, token)
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    assert "has no nested folders" in result.output
    assert "Grafana created folder 'SRE' (uid s1) at the root, not in folder t1" in result.output
    # neither dashboard went out, and the output names both
    assert server.emulator.dashboard(org_id, "slo") is None
    assert server.emulator.dashboard(org_id, "pager") is None
    assert "slo" in result.output and "pager" in result.output


def test_one_level_folders_send_the_same_requests(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer], mode: tuple[str, str]
) -> None:
    api, version = mode
    server, org_id, token = _grafana(make_grafana_server, version)
    flat = CONFIG.replace(', parent = "t1"', "").replace(', parent = "s1"', "")
    root = _project(tmp_path, flat)
    assert _publish(root, server, api, org_id, token).code == 0
    server.emulator.clear_request_log()
    write_file(root, "dashboards/sre/slo.json", {**_dashboard("slo"), "title": "Changed"})
    assert _publish(root, server, api, org_id, token).code == 0
    touched = [
        (e.method, e.path.rsplit("/", 1)[1])
        for e in server.emulator.request_log
        if "folders" in e.path and e.path.rsplit("/", 1)[1] in ("t1", "s1")
    ]
    # one existence read of the dashboard's folder, as before nesting: no parent read
    assert touched == [("GET", "s1")], touched
    assert json.dumps(server.emulator.dashboard(org_id, "slo").data).count("Changed") == 1


def test_a_parent_with_dashboards_of_its_own_is_created_once(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer], mode: tuple[str, str]
) -> None:
    api, version = mode
    server, org_id, token = _grafana(make_grafana_server, version)
    root = _project(tmp_path)
    write_file(root, "dashboards/teams/home.json", _dashboard("home"))
    result = _publish(root, server, api, org_id, token)
    assert result.code == 0, result.output
    creates = [
        e
        for e in server.emulator.request_log
        if e.method == "POST" and "folders" in e.path and e.status != 200 and e.status != 201
    ]
    assert creates == [], creates  # no second create of t1 (a 409)
    assert server.emulator.dashboard(org_id, "home").folder_uid == "t1"


def test_diff_warns_of_a_folder_elsewhere_even_before_its_parent_exists(
    tmp_path: Path, make_grafana_server: Callable[..., EmulatorServer], mode: tuple[str, str]
) -> None:
    api, version = mode
    server, org_id, token = _grafana(make_grafana_server, version)
    server.emulator.create_folder(org_id, "Elsewhere", uid="x1")
    server.emulator.create_folder(org_id, "SRE", uid="s1", parent_uid="x1")
    root = _project(tmp_path)
    env = {"GRAFANA_URL": server.url, "DASHGEN_TOKEN_APIORG": token, "DASHGEN_API": api}
    result = invoke(root, "diff", "--org", ORG, env=env)
    assert result.code == 1, result.output  # two new dashboards
    assert result.output.count("folder 'SRE' (uid s1) is in folder x1 in Grafana") == 1
    assert _parents(server, org_id).keys() == {"x1", "s1"}  # a diff creates nothing

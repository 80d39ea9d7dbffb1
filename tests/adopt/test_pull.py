"""`dashgen pull` against the emulator over HTTP, then build, diff and publish without drift."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from adopt_support import Project, dashboard

from cli_run import Run
from dashgen.publish.pulled import PULLED_FILE_NAME
from dashgen.testing import Emulator, EmulatorServer

ORG = "apiorg"


@dataclass
class Grafana:
    server: EmulatorServer
    org_id: int
    token: str

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    @property
    def env(self) -> dict[str, str]:
        return {"GRAFANA_URL": self.server.url, "DASHGEN_TOKEN_APIORG": self.token}

    def stored(self, uid: str) -> dict[str, Any]:
        found = self.emulator.dashboard(self.org_id, uid)
        assert found is not None
        return json.loads(json.dumps(found.data))


def seed(server: EmulatorServer) -> Grafana:
    emulator = server.emulator
    org_id = emulator.create_org(ORG)
    token = emulator.create_service_account_token(org_id, "Editor", name="dashgen")
    emulator.create_datasource(org_id, "Prometheus", "prometheus", uid="prom-a")
    emulator.create_folder(org_id, "Platform Team", uid="plat")
    emulator.create_folder(org_id, "Databases", uid="db")
    for uid, folder in [("svc", "plat"), ("api", "plat"), ("pg", "db"), ("home", None)]:
        doc = dashboard(uid)
        doc.pop("id")
        doc.pop("version")
        emulator.save_dashboard(org_id, doc, folder_uid=folder, message="", user="alice")
    return Grafana(server, org_id, token)


@pytest.fixture
def grafana(
    make_grafana_server: Callable[..., EmulatorServer], backend_mode: tuple[str, str]
) -> Grafana:
    return seed(make_grafana_server(backend_mode[1]))


def pull(project: Project, grafana: Grafana, *args: str) -> Run:
    return project.dashgen("pull", "--org", ORG, *args, env=grafana.env)


def test_pull_one_uid(project: Project, grafana: Grafana) -> None:
    result = pull(project, grafana, "--uid", "svc")
    assert result.code == 0, result.output
    assert project.sources() == ["apiorg/platform-team/service-svc.json"]
    assert "created" in result.stdout and PULLED_FILE_NAME in result.stdout
    record = json.loads((project.root / PULLED_FILE_NAME).read_text())
    entry = record["orgs"][ORG]["svc"]
    assert entry["version"] == 1
    assert entry["source"] == "dashboards/apiorg/platform-team/service-svc.json"
    assert '"apiorg/platform-team" = {title = "Platform Team", uid = "plat"}' in result.stdout


def test_pull_a_folder(project: Project, grafana: Grafana) -> None:
    result = pull(project, grafana, "--folder", "db", "--folder", "general")
    assert result.code == 0, result.output
    assert project.sources() == ["apiorg/databases/service-pg.json", "apiorg/service-home.json"]


def test_pull_of_a_missing_uid_is_refused(project: Project, grafana: Grafana) -> None:
    result = pull(project, grafana, "--uid", "svc", "--uid", "nope")
    assert result.code == 1 and "apiorg/nope: no dashboard with this uid" in result.stderr
    assert project.sources() == ["apiorg/platform-team/service-svc.json"]


@pytest.mark.parametrize("version", ["12.0", "11.2"])
@pytest.mark.parametrize("output_format", ["json", "jinja", "python"])
def test_pull_all_then_build_then_diff_is_unchanged(
    project: Project,
    make_grafana_server: Callable[..., EmulatorServer],
    version: str,
    output_format: str,
) -> None:
    grafana = seed(make_grafana_server(version))
    if version == "11.2":  # no /apis there: auto publishes through the classic API
        os.environ["DASHGEN_API"] = "auto"
    result = pull(project, grafana, "--all", "--as", output_format, "--write-config")
    assert result.code == 0, result.output
    assert len(project.sources()) == 4
    assert project.dashgen("build").code == 0
    diff = project.dashgen("diff", "--org", ORG, env=grafana.env)
    assert diff.code == 0, diff.output
    assert "4 unchanged" in diff.stdout


def test_edit_then_publish_without_force(project: Project, grafana: Grafana) -> None:
    assert pull(project, grafana, "--all", "--write-config").code == 0
    source = project.root / "dashboards/apiorg/platform-team/service-svc.json"
    edited = json.loads(source.read_text())
    edited["title"] = "Service svc (from git)"
    source.write_text(json.dumps(edited, indent=2))
    # CI works from a fresh checkout: no build/ from the pull, only the committed files.
    result = project.dashgen("publish", "--org", ORG, env=grafana.env)
    assert result.code == 0, result.output
    assert "updated" in result.stdout and "3 unchanged" in result.stdout
    assert grafana.stored("svc")["title"] == "Service svc (from git)"
    assert grafana.emulator.dashboard(grafana.org_id, "svc").folder_uid == "plat"
    # From now on dashgen's own version message is the proof.
    edited["title"] = "Service svc (second edit)"
    source.write_text(json.dumps(edited, indent=2))
    assert project.dashgen("publish", "--org", ORG, env=grafana.env).code == 0
    assert grafana.stored("svc")["title"] == "Service svc (second edit)"


def test_an_edit_in_grafana_after_the_pull_is_still_drift(
    project: Project, grafana: Grafana
) -> None:
    assert pull(project, grafana, "--all", "--write-config").code == 0
    live = grafana.stored("svc")
    live["description"] = "changed in the UI"
    grafana.emulator.save_dashboard(grafana.org_id, live, folder_uid="plat", user="bob")
    source = project.root / "dashboards/apiorg/platform-team/service-svc.json"
    edited = json.loads(source.read_text())
    edited["title"] = "Service svc (from git)"
    source.write_text(json.dumps(edited, indent=2))
    diff = project.dashgen("diff", "--org", ORG, env=grafana.env)
    assert diff.code == 1 and "drifted" in diff.stdout
    result = project.dashgen("publish", "--org", ORG, env=grafana.env)
    assert result.code == 1 and "drifted" in result.stdout + result.stderr
    assert grafana.stored("svc")["description"] == "changed in the UI"


def test_pull_again_is_unchanged_and_keeps_the_record(project: Project, grafana: Grafana) -> None:
    assert pull(project, grafana, "--all", "--as", "python", "--write-config").code == 0
    record = (project.root / PULLED_FILE_NAME).read_text()
    config = (project.root / "dashgen.toml").read_text()
    again = pull(project, grafana, "--all", "--as", "python", "--write-config")
    assert again.code == 0 and "4 unchanged" in again.stdout
    assert (project.root / PULLED_FILE_NAME).read_text() == record
    assert (project.root / "dashgen.toml").read_text() == config


def test_pull_over_a_changed_source_needs_overwrite(project: Project, grafana: Grafana) -> None:
    assert pull(project, grafana, "--uid", "svc").code == 0
    live = grafana.stored("svc")
    live["title"] = "Renamed in Grafana"
    grafana.emulator.save_dashboard(grafana.org_id, live, folder_uid="plat", user="bob")
    refused = pull(project, grafana, "--uid", "svc")
    assert refused.code == 1 and "--overwrite replaces it" in refused.stderr
    replaced = pull(project, grafana, "--uid", "svc", "--overwrite")
    assert replaced.code == 0, replaced.output
    # the same file (from the record), not a new one named after the new title
    assert project.sources() == ["apiorg/platform-team/service-svc.json"]
    record = json.loads((project.root / PULLED_FILE_NAME).read_text())
    assert record["orgs"][ORG]["svc"]["version"] == 2


def test_pull_inlines_library_panels_from_grafana(project: Project, grafana: Grafana) -> None:
    model = {"type": "stat", "title": "Cost", "targets": [{"refId": "A", "expr": "cost"}]}
    grafana.emulator.create_library_panel(grafana.org_id, "lib-cost", "Cost", model)
    stub = {
        "id": 9,
        "gridPos": {"h": 4, "w": 6, "x": 0, "y": 8},
        "libraryPanel": {"uid": "lib-cost", "name": "Cost"},
    }
    doc = copy.deepcopy(dashboard("withlib"))
    doc.pop("id")
    doc["panels"].append(stub)
    grafana.emulator.save_dashboard(grafana.org_id, doc, user="alice")
    result = pull(project, grafana, "--uid", "withlib", "--inline-library-panels")
    assert result.code == 0, result.output
    [panel] = [p for p in project.built(ORG)["withlib"]["panels"] if p["id"] == 9]
    assert panel["type"] == "stat" and "libraryPanel" not in panel
    assert panel["gridPos"] == stub["gridPos"]
    library_reads = [
        e for e in grafana.emulator.request_log if e.path == "/api/library-elements/lib-cost"
    ]
    assert len(library_reads) == 1


def test_pull_refuses_a_token_of_another_org(project: Project, grafana: Grafana) -> None:
    other = grafana.emulator.create_org("otherorg")
    wrong = grafana.emulator.create_service_account_token(other, "Editor", name="x")
    env = {**grafana.env, "DASHGEN_TOKEN_APIORG": wrong}
    result = project.dashgen("pull", "--org", ORG, "--all", env=env)
    assert result.code == 1 and "belongs to org 'otherorg'" in result.stderr
    assert wrong not in result.output and project.sources() == []
    searches = [e for e in grafana.emulator.request_log if e.path == "/api/search"]
    assert searches == []


def test_pull_without_a_token_says_how_to_get_one(project: Project, grafana: Grafana) -> None:
    result = project.dashgen("pull", "--org", ORG, "--all", env={"GRAFANA_URL": grafana.server.url})
    assert result.code == 1 and "DASHGEN_TOKEN_APIORG" in result.stderr
    assert "Traceback" not in result.output


def test_pull_needs_exactly_one_selection(project: Project, grafana: Grafana) -> None:
    result = pull(project, grafana, "--all", "--uid", "svc")
    assert result.code == 2 and "--uid UID ..., --folder UID ... or --all" in result.stderr


def test_org_folder_in_the_config_and_general_dashboards(
    project: Project, grafana: Grafana
) -> None:
    project.config('[orgs.apiorg]\nfolder = "Platform Team"\nfolder_uid = "plat"\n')
    result = pull(project, grafana, "--all", "--write-config")
    assert result.code == 0, result.output
    config = (project.root / "dashgen.toml").read_text()
    assert 'apiorg = {title = ""}' in config  # General, under an org with a folder
    # below that General entry, the org's own folder needs one too
    assert '"apiorg/platform-team" = {title = "Platform Team", uid = "plat"}' in config
    assert project.dashgen("diff", "--org", ORG, env=grafana.env).code == 0


def test_an_export_stored_as_is_in_grafana_is_refused(project: Project, grafana: Grafana) -> None:
    doc = dashboard("raw")
    doc.pop("id")
    doc["__inputs"] = [{"name": "DS_P", "type": "datasource", "pluginId": "prometheus"}]
    grafana.emulator.save_dashboard(grafana.org_id, doc, user="alice")
    result = pull(project, grafana, "--uid", "raw", "--uid", "svc")
    assert (
        result.code == 1 and "apiorg/raw: Grafana holds this dashboard as a Share" in result.stderr
    )
    assert project.sources() == ["apiorg/platform-team/service-svc.json"]


def test_pull_of_a_missing_folder_is_refused(project: Project, grafana: Grafana) -> None:
    result = pull(project, grafana, "--folder", "nope", "--folder", "db")
    assert result.code == 1 and "apiorg/nope: no folder with this uid" in result.stderr
    assert project.sources() == ["apiorg/databases/service-pg.json"]


@pytest.mark.parametrize(
    ("option", "uid"),
    [("--uid", "../../api/org"), ("--uid", "a/b"), ("--uid", ""), ("--folder", "x?y=1")],
)
def test_a_uid_that_is_no_uid_is_a_usage_error_before_any_request(
    project: Project, grafana: Grafana, option: str, uid: str
) -> None:
    # it would go into a request path: "a/b" or "../x" names another resource
    before = len(grafana.emulator.request_log)
    result = pull(project, grafana, option, uid)
    assert result.code == 2, result.output
    assert f"{option} {uid!r} is not a uid: 1 to 40 letters, digits" in result.stderr
    assert len(grafana.emulator.request_log) == before
    assert project.sources() == []

"""`dashgen pull` of dashboards Grafana stores as schema v2 (grafana-apis.md §7.1): read on
their own version's path and written as v2 resource sources (never converted), then build →
diff unchanged and publish without --force; refused with one sentence where they cannot be
read as stored. The real CLI against the emulator over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from backends_support import ORG, Setup, dashboard, make_setup
from v2_support import V2_PATH, v2_spec

from dashgen.adopt import AdoptOptions, Selection, pull
from dashgen.config import load_config
from dashgen.grafana.client import Connection
from dashgen.model.normalize import content_hash
from dashgen.testing import EmulatorServer
from v2_dashboards import panel_query

MakeServer = Callable[..., EmulatorServer]
V2 = V2_PATH.format(version="v2")


def v2_with_query(datasource_uid: str) -> dict[str, Any]:
    spec = v2_spec()
    group = spec["elements"]["panel-1"]["spec"]["data"]["spec"]
    group["queries"] = [panel_query({"name": datasource_uid}, "up")]
    return spec


def make(tmp_path: Path, make_server: MakeServer, version: str) -> Setup:
    setup = make_setup(tmp_path, make_server, version=version)
    setup.emulator.create_folder(setup.org_id, "Platform", uid="platform")
    setup.emulator.create_datasource(setup.org_id, "Prometheus", "prometheus", uid="prom-1")
    return setup


@pytest.fixture
def setup(tmp_path: Path, make_grafana_server: MakeServer) -> Setup:
    made = make(tmp_path, make_grafana_server, "13.0")
    emulator = made.emulator
    emulator.save_resource(
        made.org_id, "tabs", v2_with_query("prom-1"), api_version="v2", folder_uid="platform"
    )
    emulator.save_dashboard(made.org_id, dashboard("flat"), folder_uid="platform")
    return made


def pull_cli(setup: Setup, *args: str) -> Any:
    return setup.dashgen("pull", "--org", ORG, "--grafana-url", setup.server.url, *args)


def test_a_v2_dashboard_is_pulled_as_a_v2_resource_source(setup: Setup) -> None:
    run = pull_cli(setup, "--all")

    assert run.code == 0, run.output
    source = setup.root / "dashboards" / ORG / "platform" / "tabs-board.json"
    written = json.loads(source.read_text())
    assert written == {
        "apiVersion": "dashboard.grafana.app/v2",
        "kind": "Dashboard",
        "metadata": {"name": "tabs"},
        "spec": v2_with_query("prom-1"),  # as stored: nothing converted, no server fields
    }
    # Read on the v2 path (the v1 path's answer was a failed conversion).
    assert setup.requests("GET", f"{V2}/tabs")
    record = json.loads((setup.root / "dashgen.pulled.json").read_text())["orgs"][ORG]["tabs"]
    assert record["content_hash"] == content_hash(v2_with_query("prom-1"))
    assert (
        record["source"] == f"dashboards/{ORG}/platform/tabs-board.json" and record["version"] == 1
    )


def test_pull_then_build_diff_and_publish_without_force(setup: Setup) -> None:
    assert pull_cli(setup, "--all").code == 0

    built = setup.dashgen("build")
    diff = setup.diff()
    publish = setup.publish()

    assert built.code == 0, built.output
    assert json.loads((setup.root / "build" / ORG / "tabs.json").read_text()) == v2_with_query(
        "prom-1"
    )
    assert diff.code == 0, diff.output
    assert publish.code == 0 and "2 unchanged" in publish.stdout, publish.output
    assert setup.requests("PUT", f"{V2}/*") == []

    source = setup.root / "dashboards" / ORG / "platform" / "tabs-board.json"
    edited = json.loads(source.read_text())
    edited["spec"]["title"] = "Tabs board, edited in the source"
    source.write_text(json.dumps(edited))

    update = setup.publish()

    assert update.code == 0, update.output  # no --force: the pull record is the proof
    assert "updated" in update.stdout and "tabs" in update.stdout
    stored = setup.emulator.dashboard(setup.org_id, "tabs")
    assert stored is not None and stored.api_version == "v2"
    assert stored.data["title"] == "Tabs board, edited in the source"
    assert len(setup.requests("PUT", f"{V2}/tabs")) == 1


def test_a_v2_dashboard_edited_in_grafana_after_the_pull_is_drift(setup: Setup) -> None:
    assert pull_cli(setup, "--all").code == 0
    edited = v2_with_query("prom-1")
    edited["title"] = "Changed in the UI"
    setup.emulator.save_resource(
        setup.org_id, "tabs", edited, api_version="v2", folder_uid="platform", message=""
    )
    source = setup.root / "dashboards" / ORG / "platform" / "tabs-board.json"
    mine = json.loads(source.read_text())
    mine["spec"]["tags"] = ["from-source"]
    source.write_text(json.dumps(mine))

    run = setup.publish()

    assert run.code == 1, run.output
    assert "tabs" in run.output and "drift" in run.output.lower()
    stored = setup.emulator.dashboard(setup.org_id, "tabs")
    assert stored is not None and stored.data["title"] == "Changed in the UI"


def test_a_v2_dashboard_pulled_as_jinja_gets_datasource_variables(setup: Setup) -> None:
    run = pull_cli(setup, "--uid", "tabs", "--as", "jinja")

    assert run.code == 0, run.output
    template = (setup.root / "dashboards" / ORG / "platform" / "tabs-board.json.j2").read_text()
    assert '"datasource": {\n' in template and '"name": "{{ prometheus_uid }}"' in template
    assert "prom-1" not in template.split("#}", 1)[1]
    assert 'prometheus_uid = "prom-1"' in run.stdout
    again = pull_cli(setup, "--uid", "tabs", "--as", "jinja", "--write-config")
    assert again.code == 0 and "unchanged" in again.stdout, again.output
    assert setup.diff().code == 0


def test_the_classic_api_cannot_return_a_v2_dashboard(setup: Setup) -> None:
    run = pull_cli(setup, "--all", "--api", "classic")

    assert run.code == 1 and "Traceback" not in run.output
    assert f"{ORG}/tabs: Grafana stores this dashboard as a schema v2 dashboard" in run.stderr
    assert "classic API (/api/dashboards) cannot return" in run.stderr
    assert "dashboard.grafana.app/v2 (13.0 and later)" in run.stderr
    pulled = sorted(p.name for p in (setup.root / "dashboards").rglob("*.json"))
    assert pulled == ["dashboard-flat.json"], run.output


def test_grafana_13_0_broken_v2_path_refuses_only_that_dashboard(setup: Setup) -> None:
    # 13.0.x's v2 path answers 500 to every request (gcx#598), so nothing can be stored
    # through it: the dashboard is stored first, then the emulator answers as 13.0.1 does.
    dispatcher = setup.emulator._dispatcher
    dispatcher.profile = replace(dispatcher.profile, apis_v2_unregistered=True)

    run = pull_cli(setup, "--all")

    assert run.code == 1 and "Traceback" not in run.output
    assert f"{ORG}/tabs: not pulled: Grafana at" in run.stderr
    assert "cannot use schema v2 dashboards" in run.stderr and "gcx#598" in run.stderr
    pulled = sorted(p.name for p in (setup.root / "dashboards").rglob("*.json"))
    assert pulled == ["dashboard-flat.json"], run.output


class ConvertingGrafana(httpx.BaseTransport):
    """Grafana 13 converts a v2-stored dashboard read on the v1 path when it can (§7.1:
    ``status.conversion = {storedVersion: v2, failed: false}`` and a flattened v1 spec); the
    emulator never converts (docs/emulator-apis.md). This transport answers that one GET as
    such a conversion would and passes everything else to the emulator."""

    def __init__(self, inner: httpx.BaseTransport, path: str) -> None:
        self.inner = inner
        self.path = path

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method != "GET" or request.url.path != self.path:
            return response
        response.read()
        item = json.loads(response.content)
        title = item["status"]["conversion"]["source"]["title"]
        item["spec"] = {"title": title, "schemaVersion": 42, "panels": [{"id": 1, "type": "row"}]}
        item["status"] = {"conversion": {"failed": False, "storedVersion": "v2"}}
        return httpx.Response(200, json=item, headers={"Content-Type": "application/json"})


def test_a_v2_dashboard_read_converted_is_read_again_as_stored(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHGEN_TOKEN_APIORG", setup.token)
    v1_path = f"/apis/dashboard.grafana.app/v1/namespaces/org-{setup.org_id}/dashboards/tabs"
    transport = ConvertingGrafana(setup.emulator.transport(), v1_path)
    connection = Connection(url="http://localhost:3000", transport=transport)

    report = pull(
        load_config(setup.root),
        ORG,
        Selection(uids=("tabs",)),
        AdoptOptions(),
        connection=connection,
    )

    assert report.ok, [str(e) for e in report.refused]
    [adopted] = report.adopted
    written = json.loads((setup.root / adopted.path).read_text())
    assert written["apiVersion"] == "dashboard.grafana.app/v2"
    assert written["spec"] == v2_with_query("prom-1")  # as stored, not the converted form
    paths = [e.path for e in setup.emulator.request_log if e.method == "GET"]
    assert v1_path in paths and v1_path.replace("/v1/", "/v2/") in paths


def test_grafana_12_pulls_a_v2alpha1_dashboard_as_that_version(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    setup = make(tmp_path, make_grafana_server, "12.0")
    setup.emulator.save_resource(
        setup.org_id, "tabs", v2_spec(), api_version="v2alpha1", folder_uid="platform"
    )

    run = pull_cli(setup, "--uid", "tabs")

    assert run.code == 0, run.output
    source = setup.root / "dashboards" / ORG / "platform" / "tabs-board.json"
    written = json.loads(source.read_text())
    assert written["apiVersion"] == "dashboard.grafana.app/v2alpha1"
    assert written["spec"] == v2_spec()
    assert setup.dashgen("build").code == 0
    assert setup.diff().code == 0

"""A pull that Grafana fails half-way (5xx on the Nth read, every retry too) writes nothing
and says so: no source, no dashgen.toml change, no dashgen.pulled.json change, and the
read that failed is named."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from adopt_support import Project, dashboard
from test_pull import ORG, Grafana

from dashgen.publish.pulled import PULLED_FILE_NAME
from dashgen.testing import EmulatorServer

CONFIG = f"[orgs.{ORG}]\n"


@pytest.fixture
def grafana(
    make_grafana_server: Callable[..., EmulatorServer], backend_mode: tuple[str, str]
) -> Grafana:
    server = make_grafana_server(backend_mode[1])
    emulator = server.emulator
    org_id = emulator.create_org(ORG)
    token = emulator.create_service_account_token(org_id, "Editor", name="dashgen")
    emulator.create_datasource(org_id, "Prometheus", "prometheus", uid="prom-a")
    emulator.create_folder(org_id, "Team", uid="t1")
    for index in range(5):
        doc = dashboard(f"d{index}")
        doc.pop("id")
        doc.pop("version")
        emulator.save_dashboard(org_id, doc, folder_uid="t1", message="", user="al")
    return Grafana(server, org_id, token)


def state(project: Project) -> tuple[list[str], str, str | None]:
    pulled = project.root / PULLED_FILE_NAME
    return (
        project.sources(),
        (project.root / "dashgen.toml").read_text(),
        pulled.read_text() if pulled.exists() else None,
    )


@pytest.mark.parametrize("after", [1, 3])
def test_a_pull_failed_half_way_writes_nothing_and_says_so(
    project: Project, grafana: Grafana, backend_mode: tuple[str, str], after: int
) -> None:
    project.config(CONFIG)
    assert project.dashgen("pull", "--org", ORG, "--uid", "d0", env=grafana.env).code == 0
    before = state(project)
    # classic: a GET per dashboard; /apis: the LIST (or GET) of the dashboards
    path = (
        "/api/dashboards/uid/*" if backend_mode[0] == "classic" else "/apis/dashboard.grafana.app/*"
    )
    grafana.emulator.faults.add(method="GET", path=path, status=500, times=None, after=after)
    uids = [f"--uid=d{index}" for index in range(5)]
    result = project.dashgen("pull", "--org", ORG, *uids, "--write-config", env=grafana.env)
    assert result.code == 1, result.output
    assert "Grafana answered 500" in result.stderr
    assert "Nothing was pulled: no source, dashgen.toml or dashgen.pulled.json was written" in (
        result.stderr
    )
    assert "Traceback" not in result.output
    assert state(project) == before

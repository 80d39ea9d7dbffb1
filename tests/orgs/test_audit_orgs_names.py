"""Org names with characters a URL path treats specially: bootstrap, its re-run and
`token create` work for each, against the emulator on 127.0.0.1.

A router that matches the decoded path (the emulator's; older Grafana's) never takes
`GET /api/orgs/name/Team%20A%2FB` to the by-name route: an org with a "/" in its name is
found in the list of orgs, which every version serves.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from orgs_helpers import CANARY_PASSWORD

from dashgen.cli import main
from dashgen.grafana import GrafanaClient
from dashgen.testing import EmulatorServer
from dashgen.tokens import TokenStore

MakeServer = Callable[..., EmulatorServer]
NAMES = ["Team A/B", "a/b/c", "équipe", "a?b#c", "100%"]


def run(server: EmulatorServer, *args: str) -> Result:
    env = {"GRAFANA_URL": server.url, "GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def token_org(server: EmulatorServer, org: str) -> str:
    entry = TokenStore().get(server.url, org)
    assert entry is not None
    with GrafanaClient(server.url, token=entry.token) as client:
        return str(client.get("/api/org")["name"])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("version", ["12.0", "11.2"])
def test_bootstrap_rerun_and_rotate_work_for_any_org_name(
    make_grafana_server: MakeServer, version: str, name: str
) -> None:
    server = make_grafana_server(version=version, admin_password=CANARY_PASSWORD)

    first = run(server, "bootstrap", name)
    assert first.exit_code == 0, first.output
    assert token_org(server, name) == name
    again = run(server, "bootstrap", name)  # the org exists: 409, then found by name
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output
    rotated = run(server, "token", "create", "--org", name, "--rotate")
    assert rotated.exit_code == 0, rotated.output
    assert token_org(server, name) == name
    assert [o.name for o in server.emulator.state.orgs.values()] == ["Main Org.", name]

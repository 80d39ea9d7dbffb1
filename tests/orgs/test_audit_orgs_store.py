"""A token store that cannot take the new token is found before anything is made in
Grafana: `bootstrap` and `token create` then change nothing there, name the store, and
exit 2 for a malformed store (1 for one that cannot be written), never after the org or
a token was made."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from orgs_helpers import CANARY_PASSWORD

from dashgen.cli import main
from dashgen.testing import EmulatorServer
from dashgen.tokens import STORE_ENV

MakeServer = Callable[..., EmulatorServer]
ORG = "teamorg"


def make_folder(store: Path) -> None:
    store.mkdir(parents=True)


def make_not_json(store: Path) -> None:
    store.parent.mkdir(parents=True)
    store.write_text("{not json")
    os.chmod(store, 0o600)


def make_plain_string_entry(store: Path, url: str) -> None:
    store.parent.mkdir(parents=True)
    store.write_text(json.dumps({"version": 1, "grafana": {url: {"orgs": {ORG: "a string"}}}}))
    os.chmod(store, 0o600)


def make_parent_a_file(store: Path) -> None:
    store.parent.parent.mkdir(parents=True, exist_ok=True)
    store.parent.write_text("not a folder")


def run(server: EmulatorServer, store: Path, *args: str) -> Result:
    env = {
        "GRAFANA_URL": server.url,
        "GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD,
        STORE_ENV: str(store),
    }
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def writes(server: EmulatorServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.emulator.request_log if r.method != "GET"]


@pytest.mark.parametrize(
    ("make", "code", "says"),
    [
        pytest.param(make_folder, 2, "is a folder", id="folder"),
        pytest.param(make_not_json, 2, "is not valid JSON", id="not-json"),
        pytest.param(make_parent_a_file, 1, "cannot write token store", id="parent-is-a-file"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["bootstrap", ORG], id="bootstrap"),
        pytest.param(["bootstrap", ORG, "--rotate"], id="bootstrap-rotate"),
        pytest.param(["token", "create", "--org", ORG, "--rotate"], id="token-create-rotate"),
    ],
)
def test_a_store_that_cannot_take_the_token_changes_nothing_in_grafana(
    make_grafana_server: MakeServer,
    tmp_path: Path,
    make: Callable[[Path], None],
    code: int,
    says: str,
    command: list[str],
) -> None:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    store = tmp_path / "cfg" / "tokens.json"
    make(store)
    if command[0] == "token":  # the org exists: token create needs it
        assert run(server, tmp_path / "other.json", "org", "create", ORG).exit_code == 0
        server.emulator.clear_request_log()

    result = run(server, store, *command)

    assert result.exit_code == code, result.output
    assert says in result.output
    assert writes(server) == []  # no org, no service account, no token made and revoked


def test_a_malformed_entry_of_the_org_stops_bootstrap_before_the_org_is_made(
    make_grafana_server: MakeServer, tmp_path: Path
) -> None:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    store = tmp_path / "cfg" / "tokens.json"
    make_plain_string_entry(store, server.url)

    result = run(server, store, "bootstrap", ORG)

    assert result.exit_code == 2, result.output
    assert f"the entry of org {ORG!r}" in result.output
    assert "--rotate" in result.output
    assert writes(server) == []
    rotated = run(server, store, "bootstrap", ORG, "--rotate")  # which replaces it
    assert rotated.exit_code == 0, rotated.output

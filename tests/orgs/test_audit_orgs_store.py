"""A token store that cannot take the new token is found before anything is made in
Grafana: `bootstrap` and `token create` then change nothing there, name the store, and
exit 2 for a malformed store (1 for one that cannot be written), never after the org or
a token was made."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from orgs_helpers import CANARY_PASSWORD

from dashgen.cli import main
from dashgen.secrets import Secret
from dashgen.testing import EmulatorServer
from dashgen.tokens import STORE_ENV, StoredToken, TokenStore

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


KILLED_WRITE = """
import os, signal, sys
from pathlib import Path
import dashgen.tokens as tokens
from dashgen.secrets import Secret

tokens.os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)  # killed mid-write
entry = tokens.StoredToken("http://127.0.0.1:3000", "teamorg", Secret(sys.argv[2]),
                           "service-account", 2, "dashgen", "Editor", "2026-01-01T00:00:00+00:00")
tokens.TokenStore(Path(sys.argv[1])).put(entry)
"""


def test_the_copy_a_killed_write_left_is_removed_by_the_next_write(tmp_path: Path) -> None:
    store = tmp_path / "cfg" / "tokens.json"
    secret = "leftover-secret-0123456789abcdef"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITE, str(store), secret], check=False, timeout=60
    )
    assert killed.returncode == -signal.SIGKILL
    leftovers = [p for p in store.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and secret in leftovers[0].read_text()  # a copy of the token

    TokenStore(store).put(
        StoredToken(
            "http://127.0.0.1:3000",
            "other",
            Secret("another-secret-0123456789"),
            "service-account",
            3,
            "dashgen",
            "Editor",
            "2026-01-01T00:00:00+00:00",
        )
    )

    assert sorted(p.name for p in store.parent.iterdir()) == ["tokens.json", "tokens.json.lock"]
    assert files_holding_text(tmp_path, secret) == []


def files_holding_text(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and text in p.read_text(errors="replace")]

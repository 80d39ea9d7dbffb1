"""Issue 11, bootstraps on Grafana 11.2 run concurrently: four bootstraps at once on the
legacy API-key path, over real HTTP (an EmulatorServer in 11.2 mode), many rounds. Every
stored key is in its own org, no stray key stays alive, the admin's org never moves."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from orgs_helpers import CANARY_PASSWORD, admin_active_org

from dashgen import orgs
from dashgen.grafana import Connection, GrafanaClient
from dashgen.orgs import AdminCredentials, TokenRequest
from dashgen.secrets import Secret
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import StoredToken, TokenStore

ORGS = ("team-a", "team-b", "team-c", "team-d")
ROUNDS = 6
DASHGEN = (sys.executable, "-m", "dashgen")


@pytest.fixture
def server() -> EmulatorServer:
    with EmulatorServer(Emulator(version="11.2", admin_password=CANARY_PASSWORD)) as running:
        yield running


def _live_keys(emu: Emulator) -> dict[int, list[int]]:
    """org id → ids of the API keys that still authenticate there."""
    live: dict[int, list[int]] = {}
    with emu.state.lock:
        for key in emu.state.api_keys.values():
            if not key.revoked:
                live.setdefault(key.org_id, []).append(key.id)
    return live


def _org_of(url: str, token: Secret) -> str:
    with GrafanaClient(url, token=token) as client:
        return client.get("/api/org")["name"]


def _check(server: EmulatorServer, store: TokenStore, start_org: int) -> None:
    emu = server.emulator
    live = _live_keys(emu)
    for name in ORGS:
        entry = store.get(server.url, name)
        assert entry is not None, name
        org_id = emu.org_id_by_name(name)
        assert entry.org_id == org_id
        assert _org_of(server.url, entry.token) == name  # the stored key is in its own org
        assert live.get(org_id) == [entry.token_id], (name, live)  # and is the only live one
    assert set(live) == {emu.org_id_by_name(name) for name in ORGS}  # none anywhere else
    assert admin_active_org(emu) == start_org


def test_four_concurrent_bootstraps_many_rounds(server: EmulatorServer, tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    target = Connection(server.url)
    admin = AdminCredentials("admin", Secret(CANARY_PASSWORD))
    start_org = admin_active_org(server.emulator)
    for round_number in range(ROUNDS):
        failures = _one_round(target, admin, store, rotate=round_number > 0)
        assert failures == []
        _check(server, store, start_org)


def _one_round(
    target: Connection, admin: AdminCredentials, store: TokenStore, *, rotate: bool
) -> list[BaseException]:
    """Bootstrap every org at once (threads released together); the errors raised."""
    barrier = threading.Barrier(len(ORGS))
    failures: list[BaseException] = []

    def run(name: str) -> None:
        barrier.wait()
        try:
            request = TokenRequest(name, legacy_api_key=True, rotate=rotate)
            orgs.bootstrap(target, admin, request, store=store)
        except BaseException as error:  # reported by the test, in its own thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(name,)) for name in ORGS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures


def test_four_concurrent_bootstrap_processes(server: EmulatorServer, tmp_path: Path) -> None:
    """The same with the real CLI, four processes at once, twice (mint, then rotate)."""
    store_file = tmp_path / "tokens.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env |= {"DASHGEN_TOKEN_STORE": str(store_file), "GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
    start_org = admin_active_org(server.emulator)
    for extra in ((), ("--rotate",)):
        processes = [
            subprocess.Popen(
                [
                    *DASHGEN,
                    "bootstrap",
                    name,
                    "--legacy-api-key",
                    "--grafana-url",
                    server.url,
                    *extra,
                ],
                env=env,
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ORGS
        ]
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, out + err
            assert "already gone" not in out + err
            assert CANARY_PASSWORD not in out + err
        _check(server, TokenStore(store_file), start_org)


def test_rotate_revokes_a_key_that_works_in_another_org_instead_of_calling_it_gone(
    server: EmulatorServer, tmp_path: Path
) -> None:
    """A key a racing bootstrap once made in the wrong org: the store says org A, Grafana
    has it in org B. Deleting it in org A answers 404, yet the key still works."""
    emu = server.emulator
    store = TokenStore(tmp_path / "tokens.json")
    target = Connection(server.url)
    admin = AdminCredentials("admin", Secret(CANARY_PASSWORD))
    orgs.ensure_org(target, admin, "team-a")
    orgs.ensure_org(target, admin, "team-b")
    wrong = emu.create_api_key(emu.org_id_by_name("team-b"), "Editor", name="dashgen")
    key_id = max(emu.state.api_keys)
    store.put(
        StoredToken(
            grafana_url=server.url,
            org="team-a",
            token=Secret(wrong),
            kind="api-key",
            org_id=emu.org_id_by_name("team-a"),
            name="dashgen",
            role="Editor",
            created_at="2025-01-01T00:00:00+00:00",
            token_id=key_id,
        )
    )

    result = orgs.create_token(
        target, admin, TokenRequest("team-a", legacy_api_key=True, rotate=True), store=store
    )

    notes = " ".join(result.notes)
    assert "already gone" not in notes
    assert "in org 'team-b'" in notes and "revoked" in notes
    assert key_id not in emu.state.api_keys  # deleted where it worked
    assert _org_of(server.url, result.entry.token) == "team-a"

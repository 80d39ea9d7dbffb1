"""``dashgen bootstrap`` when Grafana loses the answer to ``POST /api/orgs``: the create
is never sent twice, but the org it may have made is read back by name, so a create that
landed is not reported as "nothing was changed" (and the bootstrap goes on to the token);
one that did not land still says nothing was changed.

The real CLI in a process of its own against the emulator over real HTTP; the admin
password and the token minted never show in what it printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_project import NO_HANG_S
from scenario import BACKEND_MODES

from dashgen.testing import Emulator, EmulatorServer

PASSWORD = "audit-admin-Pa55word"
ONE_MODE = pytest.mark.parametrize("backend_mode", BACKEND_MODES[:1], ids=["classic"])


def _bootstrap(root: Path, server: EmulatorServer) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env |= {"DASHGEN_TOKEN_STORE": str(root / "store.json"), "GRAFANA_ADMIN_PASSWORD": PASSWORD}
    (root / "dashgen.toml").write_text("")
    command = [sys.executable, "-m", "dashgen", "-C", str(root), "bootstrap", "neworg"]
    run = subprocess.run(
        [*command, "--grafana-url", server.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=NO_HANG_S,
    )
    assert "Traceback" not in run.stderr and PASSWORD not in run.stdout + run.stderr
    return run


def _org_creates(emulator: Emulator) -> int:
    return sum(1 for e in emulator.request_log if (e.method, e.path) == ("POST", "/api/orgs"))


@ONE_MODE
def test_an_org_create_whose_answer_was_lost_is_found_and_used(tmp_path: Path) -> None:
    emulator = Emulator(admin_password=PASSWORD)
    with EmulatorServer(emulator) as server:
        emulator.faults.add("POST", "/api/orgs", kind="commit_then_drop")
        run = _bootstrap(tmp_path, server)
    assert run.returncode == 0, run.stdout + run.stderr
    org_id = emulator.org_id_by_name("neworg")
    assert (
        org_id is not None and f"Org 'neworg' created at {server.url}: id {org_id}." in run.stdout
    )
    assert "Verified: GET /api/org with the token answers org 'neworg'" in run.stdout
    assert _org_creates(emulator) == 1  # (never sent twice)
    stored = json.loads((tmp_path / "store.json").read_text())
    tokens = [v for v in json.dumps(stored).split('"') if v.startswith("glsa_")]
    assert tokens and not any(token in run.stdout + run.stderr for token in tokens)


@ONE_MODE
def test_an_org_create_refused_before_grafana_still_changes_nothing(tmp_path: Path) -> None:
    emulator = Emulator(admin_password=PASSWORD)
    with EmulatorServer(emulator) as server:
        emulator.faults.add("POST", "/api/orgs", status=503)
        run = _bootstrap(tmp_path, server)
    assert run.returncode == 1, run.stdout + run.stderr
    assert emulator.org_id_by_name("neworg") is None
    assert run.stderr.rstrip().endswith("nothing was changed"), run.stderr
    assert _org_creates(emulator) == 1 and not (tmp_path / "store.json").exists()

"""What the tests that run ``dashgen publish`` in a process of its own share: the project
on disk, the orgs and their tokens in the emulator, the process's environment, and the
backend modes of the tests that wait (for a deadline or an interrupt)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from publish_support import issued, make_dashboard
from scenario import BACKEND_MODES

from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import env_var_name

# A run that ends within this did not wait out a held or slow request (the faults would
# hold a publish for minutes without the deadline or the interrupt).
NO_HANG_S = 90

# The tests that wait run on the classic API and on /apis of 13.0 (the /apis of 12.0 takes
# the same path: a third run would only add its seconds). They are not generated for it at
# all (overriding the conftest's parametrised ``backend_mode``).
WAITING_MODES = [
    mode for mode in BACKEND_MODES if not (mode.api == "k8s" and mode.grafana_version == "12.0")
]


def write_project(root: Path, orgs: dict[str, list[str]], extra: str = "") -> None:
    """One JSON dashboard per uid under ``dashboards/<org>/``, each org in folder Platform."""
    (root / "dashboards").mkdir(parents=True, exist_ok=True)
    config = [extra]
    for org, uids in orgs.items():
        config.append(f'[orgs.{org}]\nfolder = "Platform"\nsources = ["{org}/**"]\n')
        (root / "dashboards" / org).mkdir(parents=True, exist_ok=True)
        for uid in uids:
            document = make_dashboard(uid, f"Dashboard {uid}")
            (root / "dashboards" / org / f"{uid}.json").write_text(json.dumps(document))
    (root / "dashgen.toml").write_text("\n".join(config))


def seed_orgs(emulator: Emulator, *orgs: str) -> tuple[dict[str, int], dict[str, str]]:
    """Each org created in the emulator, with an Editor service-account token of its own."""
    ids = {org: emulator.create_org(org) for org in orgs}
    tokens = {
        org: issued(emulator.create_service_account_token(org_id, "Editor"))
        for org, org_id in ids.items()
    }
    return ids, tokens


def cli_env(root: Path, tokens: dict[str, str], **extra: str) -> dict[str, str]:
    """This process's environment without its dashgen/Grafana settings, plus each org's
    token and a token store of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env["DASHGEN_API"] = os.environ.get("DASHGEN_API", "auto")
    env["DASHGEN_TOKEN_STORE"] = str(root / "store.json")
    return env | {env_var_name(org): token for org, token in tokens.items()} | extra


def run_publish(
    root: Path, server: EmulatorServer, tokens: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """``dashgen publish`` in a process of its own against ``server``: no token in what it
    printed, no traceback."""
    command = [sys.executable, "-m", "dashgen", "-C", str(root), "publish"]
    run = subprocess.run(
        [*command, "--grafana-url", server.url, *args],
        env=cli_env(root, tokens),
        capture_output=True,
        text=True,
        timeout=NO_HANG_S,
    )
    assert not any(token in run.stdout + run.stderr for token in tokens.values())
    assert "Traceback" not in run.stderr, run.stderr
    return run


def json_events(run: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    """The dashboard events of a ``--output json`` run, by ``org/uid``."""
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return {f"{e['org']}/{e['uid']}": e for e in lines if "uid" in e}

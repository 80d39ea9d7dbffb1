"""Issue 11, slow answers: ``--timeout`` and ``[grafana] timeout_s``; a write that landed
after dashgen stopped waiting is never written twice (with ``--force`` too), never called
"changed by someone else" when both versions are dashgen's, never "failed" when a re-read
shows it in place.

The emulator is a real server on 127.0.0.1 whose ``delay`` fault holds a request before
it is served, so a write can reach Grafana after dashgen gave up waiting for its answer.
Delays are chosen with wide margins (each step has seconds to spare); nothing is timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from publish_support import ORG, Project, add_fault, issued, make_dashboard, on_k8s, posts, seed

from dashgen.config import default_config
from dashgen.grafana.client import RetryPolicy
from dashgen.publish import Action, Connection, publish
from dashgen.publish.provenance import hash_in_message
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import env_var_name

WRITE = ("POST", "/api/dashboards/db")


def _project(root: Path, title: str, org: str = ORG) -> None:
    (root / "dashboards").mkdir(parents=True, exist_ok=True)
    (root / "dashgen.toml").write_text(f'[orgs.{org}]\nfolder = "Platform"\n')
    (root / "dashboards" / "slow.json").write_text(json.dumps(make_dashboard("slow", title)))


def _cli(
    root: Path, server: EmulatorServer, token: str, org: str = ORG, *args: str
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env["DASHGEN_API"] = os.environ.get("DASHGEN_API", "auto")
    env |= {env_var_name(org): token, "DASHGEN_TOKEN_STORE": str(root / "store.json")}
    command = [sys.executable, "-m", "dashgen", "-C", str(root), "publish", "--org", org]
    return subprocess.Popen(
        [*command, "--grafana-url", server.url, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_write_that_lands_late_is_neither_repeated_nor_called_a_conflict(
    tmp_path: Path,
) -> None:
    """The first save waits 3 s in Grafana and lands (dashgen gave up after 2 s); dashgen
    reads the old version and sends it again, which Grafana holds 1.5 s and then refuses:
    the live version moved, to dashgen's own first write. Without and with ``--force``
    (two orgs, two processes at once)."""
    emulator = Emulator()
    variants = {"plain": (), "force": ("--force",)}
    orgs = {name: emulator.create_org(f"{ORG}-{name}") for name in variants}
    tokens = {
        name: issued(emulator.create_service_account_token(org_id, "Editor"))
        for name, org_id in orgs.items()
    }
    roots = {name: tmp_path / name for name in variants}
    with EmulatorServer(emulator) as server:
        for name, root in roots.items():
            _project(root, "Before", f"{ORG}-{name}")
            assert _cli(root, server, tokens[name], f"{ORG}-{name}").wait(timeout=120) == 0
            _project(root, "After", f"{ORG}-{name}")
        for _ in variants:
            add_fault(emulator, *WRITE, kind="delay", delay_ms=3000, times=1)
        for _ in variants:
            add_fault(emulator, *WRITE, kind="delay", delay_ms=1500, times=1)
        runs = {
            name: _cli(root, server, tokens[name], f"{ORG}-{name}", "--timeout", "2", *extra)
            for (name, extra), root in zip(variants.items(), roots.values(), strict=True)
        }
        outputs = {name: run.communicate(timeout=120) for name, run in runs.items()}

    for name, (out, err) in outputs.items():
        assert runs[name].returncode == 0, out + err
        assert f"updated      {ORG}-{name}/slow" in out
        assert "someone else" not in out + err
        versions = emulator.versions(orgs[name], "slow")
        assert [v.version for v in versions] == [1, 2], name  # no duplicate version
        assert all(hash_in_message(v.message) for v in versions)
        assert emulator.dashboard(orgs[name], "slow").data["title"] == "After"
    # Each late first write landed (its answer went nowhere); each second one was refused.
    if on_k8s():  # the updates are PUTs; a stale resourceVersion answers 409 Conflict
        assert sorted(e.status for e in posts(emulator) if e.method == "PUT") == [
            200,
            200,
            409,
            409,
        ]
    else:
        assert sorted(e.status for e in posts(emulator))[-4:] == [200, 200, 412, 412]


def test_in_place_after_the_last_attempt_is_not_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every attempt outlasts the timeout; the first one lands before dashgen's last look."""
    emulator = Emulator()
    seeded = seed(emulator, monkeypatch)
    project = Project(tmp_path, default_config(tmp_path))
    publish_args = {"dashboards": project.write(ORG, [make_dashboard("a")])}
    retry = RetryPolicy(attempts=2, initial_wait_s=0.01, max_wait_s=0.01)
    with EmulatorServer(emulator) as server:
        connection = Connection(url=server.url, retry=retry, timeout_s=1.0)
        publish(project.config, [ORG], connection=connection, **publish_args)
        emulator.faults.add(*WRITE, kind="delay", delay_ms=1600, times=1)  # lands at 1.6 s
        emulator.faults.add(*WRITE, kind="delay", delay_ms=2000, times=1)  # refused later
        changed = project.write(ORG, [make_dashboard("a", panels=3)])
        report = publish(project.config, [ORG], connection=connection, dashboards=changed)
    (event,) = report.events
    assert event.action is Action.UPDATED, event.error
    assert event.version_after == 2
    assert [v.version for v in emulator.versions(seeded.org_id, "a")] == [1, 2]


def test_timeout_option_and_config(tmp_path: Path) -> None:
    """--timeout and [grafana] timeout_s bound each answer; a bad value is a config error."""
    emulator = Emulator()
    org_id = emulator.create_org(ORG)
    token = issued(emulator.create_service_account_token(org_id, "Editor"))
    root = tmp_path / "project"
    _project(root, "Slow")
    with EmulatorServer(emulator) as server:
        emulator.faults.add("GET", "/api/org", kind="delay", delay_ms=1000, times=None)
        by_option = _cli(root, server, token, ORG, "--timeout", "0.3")
        out, err = by_option.communicate(timeout=120)
        assert by_option.returncode == 1
        assert "did not answer in time" in out + err and "Traceback" not in err

        config = root / "dashgen.toml"
        config.write_text(config.read_text() + "\n[grafana]\ntimeout_s = 0.3\n")
        by_config = _cli(root, server, token)
        out, err = by_config.communicate(timeout=120)
        assert by_config.returncode == 1
        assert "did not answer in time" in out + err

        emulator.faults.clear()
        config.write_text(config.read_text().replace("timeout_s = 0.3", "timeout_s = -1"))
        bad = _cli(root, server, token)
        out, err = bad.communicate(timeout=120)
        assert bad.returncode == 2
        assert "grafana.timeout_s" in err and "Traceback" not in err
    assert emulator.dashboard(org_id, "slow") is None

"""Issue 11, out of a drift report: once the source matches a dashboard edited in Grafana,
the next publish adopts it (one write, dashgen's message) and later edits publish normally,
from a fresh checkout too; ``--uid`` aims ``publish --force`` and ``diff`` at one dashboard.

The real CLI in subprocesses against the emulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from publish_support import ORG, issued, on_k8s, posts, stored_json

from dashgen.publish.provenance import hash_in_message
from dashgen.testing import EmulatorServer
from dashgen.tokens import env_var_name

CONFIG = f'[orgs.{ORG}]\nfolder = "Platform"\nfolder_uid = "platform"\n'


def _dashboard(uid: str, title: str) -> dict:
    return {
        "uid": uid,
        "title": title,
        "schemaVersion": 39,
        "panels": [
            {
                "id": 1,
                "type": "timeseries",
                "title": "Requests",
                "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
            }
        ],
    }


@dataclass
class Cli:
    root: Path
    server: EmulatorServer
    org_id: int
    env: dict[str, str]

    def source(self, uid: str, title: str) -> None:
        path = self.root / "dashboards" / f"{uid}.json"
        path.write_text(json.dumps(_dashboard(uid, title), indent=2))

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "dashgen", "-C", str(self.root), *args]
        command += ["--org", ORG, "--grafana-url", self.server.url]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=120, check=False
        )

    def edit_in_grafana(self, uid: str, title: str) -> None:
        """What a person does in Grafana's UI: save a change, without dashgen's message."""
        edited = stored_json(self.server.emulator, self.org_id, uid) | {"title": title}
        self.server.emulator.save_dashboard(
            self.org_id, edited, folder_uid="platform", user="alice"
        )

    def versions(self, uid: str) -> list:
        return self.server.emulator.versions(self.org_id, uid)


@pytest.fixture
def cli(tmp_path: Path, grafana_server: EmulatorServer) -> Cli:
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    (root / "dashgen.toml").write_text(CONFIG)
    org_id = grafana_server.emulator.create_org(ORG)
    token = issued(grafana_server.emulator.create_service_account_token(org_id, "Editor"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env["DASHGEN_API"] = os.environ.get("DASHGEN_API", "auto")
    env |= {env_var_name(ORG): token, "DASHGEN_TOKEN_STORE": str(tmp_path / "store.json")}
    project = Cli(root, grafana_server, org_id, env)
    project.source("plain", "Plain")
    project.source("service", "Service")
    return project


def test_source_brought_to_match_is_adopted_once_then_edits_publish(cli: Cli) -> None:
    assert cli.run("publish").returncode == 0
    cli.edit_in_grafana("plain", "Edited in UI")
    drifted = cli.run("publish")
    assert drifted.returncode == 1 and "drifted" in drifted.stdout

    cli.source("plain", "Edited in UI")  # the advice: bring the change into the source
    writes_before = len(posts(cli.server.emulator))
    adopted = cli.run("publish")

    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert "updated (adopted the change made in Grafana) apiorg/plain" in adopted.stdout
    assert len(posts(cli.server.emulator)) == writes_before + 1  # at most one write
    if on_k8s():  # the same spec again: no new version; the object now carries the message
        *_, human = cli.versions("plain")
        assert human.created_by == "alice"
    else:
        *_, human, dashgens = cli.versions("plain")
        assert human.created_by == "alice"
        assert hash_in_message(dashgens.message) is not None
    assert stored_json(cli.server.emulator, cli.org_id, "plain")["title"] == "Edited in UI"

    again = cli.run("publish")
    assert again.returncode == 0 and "2 unchanged" in again.stdout
    assert len(posts(cli.server.emulator)) == writes_before + 1  # nothing more to record

    # A later edit of the source, published from a fresh checkout (no build/, no cache).
    shutil.rmtree(cli.root / "build")
    cli.source("plain", "Edited in the source")
    later = cli.run("publish")
    assert later.returncode == 0, later.stdout + later.stderr
    assert "updated      apiorg/plain" in later.stdout and "drifted" not in later.stdout
    assert stored_json(cli.server.emulator, cli.org_id, "plain")["title"] == "Edited in the source"


def test_diff_and_dry_run_show_the_adoption_without_writing(cli: Cli) -> None:
    assert cli.run("publish").returncode == 0
    cli.edit_in_grafana("plain", "Edited in UI")
    cli.source("plain", "Edited in UI")
    writes = len(posts(cli.server.emulator))

    diff = cli.run("diff")
    dry = cli.run("publish", "--dry-run")

    assert diff.returncode == 0, diff.stdout  # the content is the same on both sides
    assert "would-update (adopted the change made in Grafana) apiorg/plain" in dry.stdout
    assert len(posts(cli.server.emulator)) == writes


def test_force_aimed_at_one_uid(cli: Cli) -> None:
    assert cli.run("publish").returncode == 0
    cli.edit_in_grafana("plain", "Plain, edited")
    cli.edit_in_grafana("service", "Service, edited")

    diff = cli.run("diff", "--uid", "service")
    assert diff.returncode == 1
    assert "apiorg/service" in diff.stdout and "apiorg/plain" not in diff.stdout

    forced = cli.run("publish", "--force", "--uid", "plain")

    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "apiorg/plain" in forced.stdout and "apiorg/service" not in forced.stdout
    assert stored_json(cli.server.emulator, cli.org_id, "plain")["title"] == "Plain"
    assert stored_json(cli.server.emulator, cli.org_id, "service")["title"] == "Service, edited"
    still = cli.run("publish")
    assert still.returncode == 1
    assert "drifted      apiorg/service" in still.stdout and "plain" not in still.stderr


def test_unknown_uid_is_a_usage_error(cli: Cli) -> None:
    for command in ("publish", "diff"):
        result = cli.run(command, "--uid", "plian")
        assert result.returncode == 2, result.stderr
        assert "'plian'" in result.stderr and "no such dashboard" in result.stderr
        assert "Traceback" not in result.stderr
    assert posts(cli.server.emulator) == []

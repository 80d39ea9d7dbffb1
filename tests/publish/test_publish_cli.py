"""End to end: the real ``dashgen`` CLI in a subprocess against the emulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from publish_support import ORG, OTHER_ORG, issued, posts, stored_json, stored_writes

from dashgen.cli import main, publish_cmd
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import env_var_name

CONFIG = """\
[vars]
prometheus_uid = "prom-default"

[orgs.apiorg]
folder = "Platform"
folder_uid = "platform"

[orgs.apiorg.vars]
prometheus_uid = "prom-api"

[orgs.otherorg.vars]
prometheus_uid = "prom-other"
"""

TEMPLATE = """\
{
  "uid": "service",
  "title": "Service",
  "schemaVersion": 39,
  "panels": [
    {
      "id": 1,
      "type": "timeseries",
      "title": {{ panel_title | default("Requests") | tojson }},
      "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
      "datasource": {"type": "prometheus", "uid": {{ prometheus_uid | tojson }}},
      "targets": [{"refId": "A", "expr": "sum(rate(http_requests_total[5m]))"}]
    }
  ]
}
"""

PLAIN = {"uid": "plain", "title": "Plain", "schemaVersion": 39, "panels": []}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@dataclass
class Setup:
    root: Path
    server: EmulatorServer
    org_id: int
    other_org_id: int
    env: dict[str, str] = field(repr=False)
    tokens: list[str] = field(repr=False)
    runs: list[Run] = field(default_factory=list, repr=False)

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    def dashgen(self, *args: str, env: dict[str, str] | None = None) -> Run:
        completed = subprocess.run(
            [sys.executable, "-m", "dashgen", "-C", str(self.root), *args],
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        run = Run(completed.returncode, completed.stdout, completed.stderr)
        self.runs.append(run)
        return run

    def publish(self, *args: str) -> Run:
        return self.dashgen("publish", "--grafana-url", self.server.url, *args)


@pytest.fixture
def setup(tmp_path: Path, grafana_server: EmulatorServer) -> Setup:
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    (root / "dashgen.toml").write_text(CONFIG)
    (root / "dashboards" / "service.json.j2").write_text(TEMPLATE)
    (root / "dashboards" / "plain.json").write_text(json.dumps(PLAIN))
    emulator = grafana_server.emulator
    org_id = emulator.create_org(ORG)
    other_org_id = emulator.create_org(OTHER_ORG)
    # The datasources the template's per-org uids name (publish checks they exist).
    emulator.create_datasource(org_id, "Prometheus", "prometheus", uid="prom-api")
    emulator.create_datasource(other_org_id, "Prometheus", "prometheus", uid="prom-other")
    tokens = [
        issued(emulator.create_service_account_token(org_id, "Editor", name="publisher-a")),
        issued(emulator.create_service_account_token(other_org_id, "Editor", name="publisher-b")),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env |= {
        "DASHGEN_TOKEN_STORE": str(tmp_path / "store" / "tokens.json"),
        env_var_name(ORG): tokens[0],
        env_var_name(OTHER_ORG): tokens[1],
        "DASHGEN_API": os.environ.get("DASHGEN_API", "auto"),
    }
    return Setup(root, grafana_server, org_id, other_org_id, env, tokens)


def test_publish_two_orgs_with_their_own_vars_and_tokens(setup: Setup) -> None:
    first = setup.publish("--org", ORG, "--org", OTHER_ORG, "--output", "json")

    assert first.code == 0, first.stderr
    *events, summary = first.json_lines()
    assert sorted((e["org"], e["uid"], e["action"]) for e in events) == [
        (ORG, "plain", "created"),
        (ORG, "service", "created"),
        (OTHER_ORG, "plain", "created"),
        (OTHER_ORG, "service", "created"),
    ]
    assert summary["summary"] == {"created": 4}
    emulator = setup.emulator
    api_panel = stored_json(emulator, setup.org_id, "service")["panels"][0]
    other_panel = stored_json(emulator, setup.other_org_id, "service")["panels"][0]
    assert api_panel["datasource"]["uid"] == "prom-api"
    assert other_panel["datasource"]["uid"] == "prom-other"
    assert emulator.dashboard(setup.org_id, "service").folder_uid == "platform"
    assert emulator.dashboard(setup.other_org_id, "service").folder_uid in (None, "")
    own_org = {
        f"sa-{setup.org_id}-publisher-a": setup.org_id,
        f"sa-{setup.other_org_id}-publisher-b": setup.other_org_id,
    }
    for entry in emulator.request_log:
        assert entry.org_id == own_org[entry.identity], entry

    emulator.clear_request_log()
    again = setup.publish("--org", ORG, "--org", OTHER_ORG)

    assert again.code == 0, again.stderr
    assert "4 unchanged" in again.stdout
    assert posts(emulator) == []


def test_drifted_dashboard_exits_1_until_forced(setup: Setup) -> None:
    assert setup.publish("--org", ORG).code == 0
    edited = stored_json(setup.emulator, setup.org_id, "plain") | {"title": "Edited in UI"}
    setup.emulator.save_dashboard(setup.org_id, edited, folder_uid="platform")

    drifted = setup.publish("--org", ORG)

    assert drifted.code == 1
    assert "drifted" in drifted.stdout and "--force" in drifted.stderr
    assert stored_json(setup.emulator, setup.org_id, "plain")["title"] == "Edited in UI"
    forced = setup.publish("--org", ORG, "--force")
    assert forced.code == 0, forced.stderr
    assert stored_json(setup.emulator, setup.org_id, "plain")["title"] == "Plain"


def test_diff_shows_panel_changes_and_exit_codes(setup: Setup) -> None:
    diff_args = ("diff", "--org", ORG, "--grafana-url", setup.server.url)
    before = setup.dashgen(*diff_args)
    assert before.code == 1
    assert "new" in before.stdout and "service" in before.stdout
    assert setup.emulator.dashboards(setup.org_id) == []

    assert setup.publish("--org", ORG).code == 0
    assert [e.method for e in posts(setup.emulator)] == ["POST"] * 2  # two creates
    writes_of_the_publish = stored_writes(setup.emulator)
    assert setup.dashgen(*diff_args).code == 0

    changed = setup.dashgen(*diff_args, "--var", "panel_title=Throughput")
    assert changed.code == 1
    assert "changed" in changed.stdout
    assert "panel 1 'Throughput' changed" in changed.stdout
    assert '-      "title": "Requests"' in changed.stdout
    assert '+      "title": "Throughput"' in changed.stdout
    as_json = setup.dashgen(*diff_args, "--var", "panel_title=Throughput", "--output", "json")
    statuses = {record["uid"]: record["status"] for record in as_json.json_lines()}
    assert statuses == {"plain": "unchanged", "service": "changed"}
    # diff never writes (the publish wrote its dashboards, its folder and its lock; on /apis
    # a changed dashboard is compared as the server would store it: a dry run)
    assert stored_writes(setup.emulator) == writes_of_the_publish


def test_dry_run_writes_nothing(setup: Setup) -> None:
    run = setup.publish("--org", ORG, "--dry-run")

    assert run.code == 0, run.stderr
    assert run.stdout.count("would-create apiorg/") == 2
    assert stored_writes(setup.emulator) == []


def test_usage_errors_exit_2(setup: Setup) -> None:
    no_org = setup.publish()
    assert no_org.code == 2 and "--org NAME" in no_org.stderr
    no_url = setup.dashgen("publish", "--org", ORG)
    assert no_url.code == 2 and "GRAFANA_URL" in no_url.stderr
    remote_http = setup.dashgen("publish", "--org", ORG, "--grafana-url", "http://grafana.example")
    assert remote_http.code == 2 and "--allow-insecure-http" in remote_http.stderr


def test_no_token_anywhere_in_output_or_files(setup: Setup) -> None:
    canary = "glsa_" + "CANARYcanaryCANARYcanaryCANARY12_deadbeef"
    bad_env = setup.env | {env_var_name(OTHER_ORG): canary}
    runs = [
        setup.publish("--org", ORG, "--output", "json"),
        setup.publish("--org", ORG, "--insecure"),
        setup.dashgen("diff", "--org", ORG, "--grafana-url", setup.server.url, "--output", "json"),
        setup.dashgen(
            "publish", "--org", OTHER_ORG, "--grafana-url", setup.server.url, env=bad_env
        ),
        setup.dashgen(
            "publish",
            "--org",
            OTHER_ORG,
            "--output",
            "json",
            "--grafana-url",
            setup.server.url,
            env=bad_env,
        ),
    ]

    assert runs[0].code == 0 and "certificate verification is off" in runs[1].stderr
    assert runs[3].code == 1 and "DASHGEN_TOKEN_OTHERORG" in runs[3].stderr
    secrets = [*setup.tokens, canary]
    captured = [text for run in setup.runs for text in (run.stdout, run.stderr)]
    captured += [
        path.read_text(errors="replace") for path in setup.root.rglob("*") if path.is_file()
    ]
    for secret in secrets:
        for text in captured:
            assert secret not in text
            assert secret[5:25] not in text  # nor a recognisable piece of it


def test_progress_bar_on_a_terminal_instead_of_lines(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(6):
        page = PLAIN | {"uid": f"page-{index}", "title": f"Page {index}"}
        (setup.root / "dashboards" / f"page_{index}.json").write_text(json.dumps(page))
    for name, value in setup.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(publish_cmd, "_is_tty", lambda: True)
    args = ["-C", str(setup.root), "publish", "--org", ORG, "--grafana-url", setup.server.url]

    result = CliRunner().invoke(main, args)

    assert result.exit_code == 0, result.output
    assert "Publishing" in result.stderr
    # No line per new dashboard after the bar: only the summary.
    assert result.stdout.splitlines()[0].startswith("8 created")
    assert "apiorg/" not in result.stdout


def test_an_org_the_config_does_not_declare_gets_every_source_in_general(setup: Setup) -> None:
    emulator = setup.emulator
    extra_id = emulator.create_org("extraorg")
    emulator.create_datasource(extra_id, "Prometheus", "prometheus", uid="prom-default")
    token = issued(emulator.create_service_account_token(extra_id, "Editor", name="extra"))
    env = setup.env | {env_var_name("extraorg"): token}

    run = setup.dashgen("publish", "--org", "extraorg", "--grafana-url", setup.server.url, env=env)

    assert run.code == 0, run.stderr
    stored = {d.uid: d for d in emulator.dashboards(extra_id)}
    assert sorted(stored) == ["plain", "service"]
    assert all(d.folder_uid in (None, "") for d in stored.values())
    panel = stored_json(emulator, extra_id, "service")["panels"][0]
    assert panel["datasource"]["uid"] == "prom-default"  # global vars only

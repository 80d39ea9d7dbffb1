"""A project on disk, an emulator server and the real CLI: the setting of the prune and
datasource tests, for any dashboard backend.

``BACKEND_MODES`` lists the backends the tests run against (the ``backend_mode`` fixture is
parametrised over it). A backend is an emulator version plus the config lines that make
dashgen choose it, and the request paths its deletes and writes go to; the tests assert on
the emulator's stored state and on these, never on one API's URLs directly. The ``/apis``
backend joins by adding its mode here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from publish_support import FAST_RETRY, ORG, OTHER_ORG, issued

from dashgen.build import build
from dashgen.cli import main
from dashgen.config import load_config
from dashgen.publish import Connection, PlanReport, PublishReport, plan, publish
from dashgen.publish.lock import LOCK_FOLDER_UID
from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.model import LoggedRequest, StoredDashboard
from dashgen.tokens import env_var_name

PROJECT = "alpha"


@dataclass(frozen=True)
class BackendMode:
    name: str
    grafana_version: str
    config: str = ""  # dashgen.toml lines that select this backend (none: the default)
    dashboard_delete: str = "/api/dashboards/uid/*"
    folder_delete: str = "/api/folders/*"
    dashboard_write: tuple[str, str] = ("POST", "/api/dashboards/db")

    def deletes(self, emulator: Emulator) -> list[LoggedRequest]:
        return _matching(emulator, "DELETE", self.dashboard_delete)

    def folder_deletes(self, emulator: Emulator) -> list[LoggedRequest]:
        """Folder deletes, but the publish lock's (handed back after every writing publish)."""
        lock = self.folder_delete.replace("*", LOCK_FOLDER_UID)
        return [e for e in _matching(emulator, "DELETE", self.folder_delete) if e.path != lock]

    def lock_deletes(self, emulator: Emulator) -> list[LoggedRequest]:
        return _matching(emulator, "DELETE", self.folder_delete.replace("*", LOCK_FOLDER_UID))

    def writes(self, emulator: Emulator) -> list[LoggedRequest]:
        return _matching(emulator, *self.dashboard_write)


BACKEND_MODES = (BackendMode("classic", "12.0"),)


def _matching(emulator: Emulator, method: str, pattern: str) -> list[LoggedRequest]:
    return [e for e in emulator.request_log if e.method == method and fnmatchcase(e.path, pattern)]


def dashboard(uid: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title or f"Dashboard {uid}",
        "schemaVersion": 39,
        "panels": [
            {
                "id": 1,
                "type": "timeseries",
                "title": "Requests",
                "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                "targets": [{"refId": "A", "expr": f"up{{job='{uid}'}}"}],
            }
        ],
        **extra,
    }


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


CONFIG = f"""\
project = "{PROJECT}"

[orgs.{ORG}]
folder = "Platform"
folder_uid = "platform"
sources = ["{ORG}/**"]

[orgs.{ORG}.folders]
"{ORG}/team-a" = {{ title = "Team A", uid = "team-a" }}

[orgs.{OTHER_ORG}]
sources = ["{OTHER_ORG}/**", "shared/**"]
"""


@dataclass
class Scenario:
    root: Path
    server: EmulatorServer
    mode: BackendMode
    org_id: int
    other_org_id: int
    runs: list[Result] = field(default_factory=list)

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    @property
    def sources(self) -> Path:
        return self.root / "dashboards"

    def write_config(self, text: str) -> None:
        (self.root / "dashgen.toml").write_text(text + self.mode.config)

    def write_source(self, name: str, document: dict[str, Any] | str) -> Path:
        path = self.sources / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        return path

    def remove_source(self, name: str) -> None:
        (self.sources / name).unlink()

    def cli(self, *args: str) -> Result:
        result = CliRunner().invoke(main, ["-C", str(self.root), *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        run = Result(result.exit_code, result.stdout, result.stderr)
        self.runs.append(run)
        return run

    def publish(self, *args: str, org: str = ORG) -> Result:
        return self.cli("publish", "--org", org, "--grafana-url", self.server.url, *args)

    def diff(self, *args: str, org: str = ORG) -> Result:
        return self.cli("diff", "--org", org, "--grafana-url", self.server.url, *args)

    def library_publish(self, *orgs: str, **options: Any) -> PublishReport:
        """Build, then ``dashgen.publish.publish`` with tiny retry waits."""
        config = load_config(self.root)
        targets = list(orgs or (ORG,))
        result = build(config, orgs=targets)
        assert result.ok, [str(p) for p in result.errors]
        connection = Connection(url=self.server.url, retry=FAST_RETRY)
        return publish(
            config, targets, connection=connection, dashboards=result.dashboards, **options
        )

    def library_plan(self, *orgs: str, **options: Any) -> PlanReport:
        config = load_config(self.root)
        targets = list(orgs or (ORG,))
        result = build(config, orgs=targets)
        assert result.ok, [str(p) for p in result.errors]
        connection = Connection(url=self.server.url, retry=FAST_RETRY)
        return plan(config, targets, connection=connection, dashboards=result.dashboards, **options)

    def stored(self, uid: str, org_id: int | None = None) -> StoredDashboard | None:
        return self.emulator.dashboard(org_id or self.org_id, uid)

    def uids(self, org_id: int | None = None) -> list[str]:
        return [d.uid for d in self.emulator.dashboards(org_id or self.org_id)]

    def edit_in_ui(self, uid: str, change: Callable[[dict[str, Any]], None]) -> None:
        """Save the live dashboard again as a person would: changed, no message."""
        stored = self.stored(uid)
        assert stored is not None
        data = json.loads(json.dumps(stored.data))
        change(data)
        self.emulator.save_dashboard(
            self.org_id, data, folder_uid=stored.folder_uid, message="", user="alice"
        )


def make_scenario(
    tmp_path: Path,
    make_grafana_server: Callable[..., EmulatorServer],
    mode: BackendMode,
    monkeypatch: pytest.MonkeyPatch,
) -> Scenario:
    server = make_grafana_server(version=mode.grafana_version)
    emulator = server.emulator
    org_id = emulator.create_org(ORG)
    other_org_id = emulator.create_org(OTHER_ORG)
    for org, org_number in ((ORG, org_id), (OTHER_ORG, other_org_id)):
        token = issued(emulator.create_service_account_token(org_number, "Editor", name="dashgen"))
        monkeypatch.setenv(env_var_name(org), token)
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    scenario = Scenario(root, server, mode, org_id, other_org_id)
    scenario.write_config(CONFIG)
    return scenario

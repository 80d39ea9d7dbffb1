"""A project on disk, an emulator server and the real CLI: the setting of the prune and
datasource tests, for any dashboard backend.

``BACKEND_MODES`` lists the backends the tests run against (the ``backend_mode`` fixture is
parametrised over it): the classic API on 12.0, and ``/apis`` on 12.0 (``v1beta1``) and 13.0
(``v1``). A backend is an emulator version plus the ``DASHGEN_API`` that makes dashgen
choose it, and the request paths its deletes and writes go to; the tests assert on the
emulator's stored state and on these, never on one API's URLs directly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import httpx
import pytest
from publish_support import FAST_RETRY, ORG, OTHER_ORG, issued

from cli_run import Run, invoke
from dashgen.build import build
from dashgen.config import load_config
from dashgen.publish import Connection, PlanReport, PublishReport, plan, publish
from dashgen.publish.lock import LOCK_FOLDER_UID
from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.model import LoggedRequest, StoredDashboard
from dashgen.tokens import env_var_name

PROJECT = "alpha"


K8S_DASHBOARDS = "/apis/dashboard.grafana.app/*/namespaces/*/dashboards"
K8S_FOLDERS = "/apis/folder.grafana.app/*/namespaces/*/folders"


@dataclass(frozen=True)
class BackendMode:
    name: str
    grafana_version: str
    api: str = "classic"  # DASHGEN_API for this mode (dashgen.grafana.discovery)
    config: str = ""  # dashgen.toml lines that select this backend (none: the default)
    dashboard_delete: str = "/api/dashboards/uid/*"
    folder_delete: str = "/api/folders/*"
    dashboard_write: tuple[tuple[str, str], ...] = (("POST", "/api/dashboards/db"),)
    api_version: str = ""  # the dashboard.grafana.app version dashgen writes (k8s modes)

    @property
    def is_k8s(self) -> bool:
        return self.api == "k8s"

    def dashboard(self, uid: str) -> str:
        """The path pattern of one dashboard (its reads, updates and delete)."""
        return (
            self.dashboard_delete.replace("/*", f"/{uid}")
            if not self.is_k8s
            else (f"{K8S_DASHBOARDS}/{uid}")
        )

    def folder(self, uid: str) -> str:
        return f"{K8S_FOLDERS}/{uid}" if self.is_k8s else f"/api/folders/{uid}"

    @property
    def folder_create(self) -> tuple[str, str]:
        return ("POST", K8S_FOLDERS if self.is_k8s else "/api/folders")

    @property
    def history_read(self) -> tuple[str, str]:
        """Where the version history is read (on /apis: the dashboards LIST, §6)."""
        return ("GET", K8S_DASHBOARDS if self.is_k8s else "/api/dashboards/uid/*/versions")

    def add_write_fault(self, emulator: Emulator, **fault: Any) -> None:
        """The same fault on every path a dashboard write takes."""
        for method, path in self.dashboard_write:
            emulator.faults.add(method=method, path=path, **fault)

    def deletes(self, emulator: Emulator) -> list[LoggedRequest]:
        return _matching(emulator, "DELETE", self.dashboard_delete)

    def folder_deletes(self, emulator: Emulator) -> list[LoggedRequest]:
        """Folder deletes, but the publish lock's (handed back after every writing publish)."""
        lock = self.folder(LOCK_FOLDER_UID)
        return [
            e
            for e in _matching(emulator, "DELETE", self.folder_delete)
            if not fnmatchcase(e.path, lock)
        ]

    def lock_deletes(self, emulator: Emulator) -> list[LoggedRequest]:
        return _matching(emulator, "DELETE", self.folder(LOCK_FOLDER_UID))

    def first_write(self, emulator: Emulator) -> int:
        """Where in the request log the first stored dashboard write is."""
        return next(
            i
            for i, e in enumerate(emulator.request_log)
            if "dryRun" not in e.query
            and any(e.method == m and fnmatchcase(e.path, p) for m, p in self.dashboard_write)
        )

    def writes(self, emulator: Emulator) -> list[LoggedRequest]:
        """Dashboard writes that store something (a server dry run does not)."""
        return [
            e
            for method, pattern in self.dashboard_write
            for e in _matching(emulator, method, pattern)
            if "dryRun" not in e.query
        ]


def k8s_mode(grafana_version: str) -> BackendMode:
    return BackendMode(
        f"k8s-{grafana_version}",
        grafana_version,
        api="k8s",
        api_version="v1" if grafana_version >= "13" else "v1beta1",
        dashboard_delete=f"{K8S_DASHBOARDS}/*",
        folder_delete=f"{K8S_FOLDERS}/*",
        dashboard_write=(("POST", K8S_DASHBOARDS), ("PUT", f"{K8S_DASHBOARDS}/*")),
    )


BACKEND_MODES = (BackendMode("classic", "12.0"), k8s_mode("12.0"), k8s_mode("13.0"))


def index_of(log: list[tuple[str, str]], method: str, pattern: str) -> int:
    """The first ``(method, path)`` of ``log`` whose path matches ``pattern``."""
    return next(i for i, (m, p) in enumerate(log) if m == method and fnmatchcase(p, pattern))


def count_of(log: list[tuple[str, str]], method: str, pattern: str) -> int:
    return sum(1 for m, p in log if m == method and fnmatchcase(p, pattern))


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
    runs: list[Run] = field(default_factory=list)

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

    def cli(self, *args: str) -> Run:
        run = invoke(self.root, *args)
        self.runs.append(run)
        return run

    def publish(self, *args: str, org: str = ORG) -> Run:
        return self.cli("publish", "--org", org, "--grafana-url", self.server.url, *args)

    def diff(self, *args: str, org: str = ORG) -> Run:
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

    def latest_message(self, uid: str) -> str:
        """The message of the live version as dashgen reads it: on /apis the object's
        ``grafana.app/message`` (read over HTTP), on the classic API the newest version's."""
        if not self.mode.is_k8s:
            return self.emulator.versions(self.org_id, uid)[-1].message
        namespace = "default" if self.org_id == 1 else f"org-{self.org_id}"
        path = (
            f"/apis/dashboard.grafana.app/{self.mode.api_version}/namespaces/{namespace}"
            f"/dashboards/{uid}"
        )
        token = os.environ[env_var_name(ORG)]
        answer = httpx.get(f"{self.server.url}{path}", headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.json()["metadata"].get("annotations", {}).get("grafana.app/message", "")

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
    monkeypatch.setenv("DASHGEN_API", mode.api)
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

"""A one-org project, an emulator server and the real CLI (imported by name: keep it unique)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import httpx

from cli_run import Run, invoke
from dashgen.testing import Emulator, EmulatorServer
from dashgen.testing.model import LoggedRequest

ORG = "apiorg"
K8S_DASHBOARDS = "/apis/dashboard.grafana.app/*/namespaces/*/dashboards"
CONFIG = f'[orgs.{ORG}]\nfolder = "Platform"\nfolder_uid = "platform"\n'


def is_probe(entry: LoggedRequest) -> bool:
    """The ``GET …/dashboards?limit=1`` with which ``--api auto``/``k8s`` checks that /apis
    works for the token (``dashgen.grafana.fallback``), once per org and run."""
    return entry.method == "GET" and entry.query == "limit=1" and entry.path.endswith("/dashboards")


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
            }
        ],
        **extra,
    }


@dataclass
class Setup:
    root: Path
    server: EmulatorServer
    org_id: int
    token: str = field(repr=False)
    runs: list[Run] = field(default_factory=list)

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    def source(self, document: dict[str, Any], subdirectory: str = "") -> None:
        path = self.root / "dashboards" / subdirectory / f"{document['uid']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document))

    def dashgen(self, *args: str, env: dict[str, str] | None = None) -> Run:
        return invoke(self.root, *args, env={"DASHGEN_TOKEN_APIORG": self.token, **(env or {})})

    def publish(self, *args: str, env: dict[str, str] | None = None) -> Run:
        return self.dashgen(
            "publish", "--org", ORG, "--grafana-url", self.server.url, *args, env=env
        )

    def diff(self, *args: str, env: dict[str, str] | None = None) -> Run:
        return self.dashgen("diff", "--org", ORG, "--grafana-url", self.server.url, *args, env=env)

    def requests(
        self, method: str, pattern: str, dry_runs: bool = False, probes: bool = False
    ) -> list[LoggedRequest]:
        """Logged requests on ``pattern`` (server dry runs only with ``dry_runs``; the
        choice's check that /apis lists the org's dashboards only with ``probes``)."""
        return [
            e
            for e in self.emulator.request_log
            if e.method == method
            and fnmatchcase(e.path, pattern)
            and (dry_runs or "dryRun" not in e.query)
            and (probes or not is_probe(e))
        ]

    def object_path(self, uid: str = "") -> str:
        """The org's dashboards on /apis (v1 on 13.x, v1beta1 on 12.x), or one of them."""
        api_version = "v1" if self.emulator.version.startswith("13") else "v1beta1"
        base = f"/apis/dashboard.grafana.app/{api_version}/namespaces/org-{self.org_id}/dashboards"
        return f"{base}/{uid}" if uid else base

    def client(self, token: str | None = None) -> httpx.Client:
        """A plain HTTP client of the server with ``token`` (dashgen's own by default)."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.server.url, headers=headers)

    def edit_through_classic_api(self, uid: str, title: str) -> None:
        """A person (another Editor token) saves version 1 of ``uid`` with a new title
        through POST /api/dashboards/db, as Grafana's UI does."""
        person = self.emulator.create_service_account_token(self.org_id, "Editor", name="alice")
        edited = dict(dashboard(uid, title), version=1)
        body = {"dashboard": edited, "folderUid": "platform", "message": "", "overwrite": False}
        with self.client(person) as client:
            client.post("/api/dashboards/db", json=body).raise_for_status()


def make_setup(
    tmp_path: Path, make_server: Callable[..., EmulatorServer], role: str = "Editor", **options: Any
) -> Setup:
    server = make_server(**options)
    org_id = server.emulator.create_org(ORG)
    token = server.emulator.create_service_account_token(org_id, role, name="dashgen")
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    (root / "dashgen.toml").write_text(CONFIG)
    return Setup(root, server, org_id, token)

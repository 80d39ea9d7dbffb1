"""Helpers for publish/diff tests: seeding, built dashboards, request-log queries."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import httpx
import pytest

from dashgen.build import BuiltDashboard
from dashgen.config import Config
from dashgen.grafana.client import RetryPolicy
from dashgen.model.normalize import content_hash, dumps, normalize
from dashgen.testing import Emulator
from dashgen.tokens import env_var_name

ORG = "apiorg"
OTHER_ORG = "otherorg"
FOLDER = "Platform"
FOLDER_UID = "platform"
# Tiny waits: retries are exercised, never timed.
FAST_RETRY = RetryPolicy(attempts=4, initial_wait_s=0.001, max_wait_s=0.005, max_retry_after_s=0.01)


@dataclass
class Seeded:
    emulator: Emulator
    org_id: int
    other_org_id: int
    token: str = field(repr=False)  # the publisher's Editor token of ORG
    other_token: str = field(repr=False)


# Every token a test creates; conftest checks that none shows up in captured output.
ISSUED_TOKENS: set[str] = set()


def issued(token: str) -> str:
    ISSUED_TOKENS.add(token)
    return token


def seed(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    org_id = emulator.create_org(ORG)
    other_org_id = emulator.create_org(OTHER_ORG)
    token = issued(emulator.create_service_account_token(org_id, "Editor", name="publisher-a"))
    other = issued(
        emulator.create_service_account_token(other_org_id, "Editor", name="publisher-b")
    )
    monkeypatch.setenv(env_var_name(ORG), token)
    monkeypatch.setenv(env_var_name(OTHER_ORG), other)
    return Seeded(emulator, org_id, other_org_id, token, other)


def make_dashboard(uid: str, title: str | None = None, panels: int = 2, **extra: Any) -> dict:
    return {
        "uid": uid,
        "title": title or f"Dashboard {uid}",
        "schemaVersion": 39,
        "tags": ["dashgen-test"],
        "panels": [
            {
                "id": index + 1,
                "type": "timeseries",
                "title": f"Panel {index + 1}",
                "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
                "targets": [{"refId": "A", "expr": f"up{{job='{uid}-{index}'}}"}],
            }
            for index in range(panels)
        ],
        **extra,
    }


@dataclass
class Project:
    root: Path
    config: Config

    def write(
        self,
        org: str,
        documents: list[dict],
        folder: str | None = FOLDER,
        folder_uid: str | None = FOLDER_UID,
    ) -> list[BuiltDashboard]:
        """Write build outputs the way ``dashgen build`` does and describe them."""
        built = []
        for document in documents:
            canonical = normalize(document)
            path = self.config.output_dir / org / f"{canonical['uid']}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dumps(canonical))
            built.append(
                BuiltDashboard(
                    org=org,
                    uid=canonical["uid"],
                    title=canonical["title"],
                    source=Path("dashboards") / f"{canonical['uid']}.json",
                    path=path,
                    content_hash=content_hash(canonical),
                    folder=folder,
                    folder_uid=folder_uid,
                )
            )
        return built


K8S_DASHBOARDS = "/apis/dashboard.grafana.app/*/namespaces/*/dashboards"
_WRITES = (
    ("POST", "/api/dashboards/db"),
    ("POST", K8S_DASHBOARDS),
    ("PUT", f"{K8S_DASHBOARDS}/*"),
)


def posts(emulator: Emulator) -> list[Any]:
    """The dashboard writes that stored something, whichever API (a dry run stores nothing)."""
    return [
        e
        for e in emulator.request_log
        if "dryRun" not in e.query
        and any(e.method == m and fnmatchcase(e.path, p) for m, p in _WRITES)
    ]


def requests_to(emulator: Emulator, method: str, prefix: str) -> list[Any]:
    return [e for e in emulator.request_log if e.method == method and e.path.startswith(prefix)]


def stored_json(emulator: Emulator, org_id: int, uid: str) -> dict:
    stored = emulator.dashboard(org_id, uid)
    assert stored is not None, f"{uid} is not stored in org {org_id}"
    return json.loads(json.dumps(stored.data))


# -- the same test against either dashboard API (DASHGEN_API: the backend mode's) ----------

K8S_FOLDERS = "/apis/folder.grafana.app/*/namespaces/*/folders"


def on_k8s() -> bool:
    return os.environ.get("DASHGEN_API") == "k8s"


def saved_by(emulator: Emulator, login: str) -> str:
    """How a saver is named in dashgen's sentences: the login on the classic API, the
    identity reference (``user:<uid>``, grafana.app/updatedBy) on /apis."""
    if not on_k8s():
        return login
    user = emulator.state.user_by_login(login)
    assert user is not None, login
    return f"user:{user.uid}"


def routes(method: str, path: str) -> list[tuple[str, str]]:
    """The requests of the current API that do what ``method path`` does on the classic one."""
    if not on_k8s():
        return [(method, path)]
    if (method, path) == ("POST", "/api/dashboards/db"):
        return [("POST", K8S_DASHBOARDS), ("PUT", f"{K8S_DASHBOARDS}/*")]
    if path == "/api/search":
        return [(method, K8S_DASHBOARDS)]  # the LIST
    if path.startswith("/api/dashboards/uid/"):
        return [(method, f"{K8S_DASHBOARDS}/{path.removeprefix('/api/dashboards/uid/')}")]
    if path == "/api/folders":
        return [(method, K8S_FOLDERS)]
    if path.startswith("/api/folders/") and not path.endswith("/counts"):
        return [(method, f"{K8S_FOLDERS}/{path.removeprefix('/api/folders/')}")]
    return [(method, path)]


def add_fault(emulator: Emulator, method: str, path: str, **fault: Any) -> None:
    """``emulator.faults.add`` on the route(s) of the current API (never on a dry run: the
    fault meets what a real write meets)."""
    for route_method, route_path in routes(method, path):
        emulator.faults.add(method=route_method, path=route_path, dry_runs=False, **fault)


def is_save(request: httpx.Request) -> bool:
    """A dashboard write that stores something, on either API."""
    if b"dryRun" in request.url.query:
        return False
    return any(request.method == m and fnmatchcase(request.url.path, p) for m, p in _WRITES)


def is_probe(entry: Any) -> bool:
    """The ``GET …/dashboards?limit=1`` with which choosing /apis checks that it lists the
    org's dashboards (``dashgen.grafana.fallback``): once per session, not a search."""
    return entry.method == "GET" and entry.query == "limit=1" and entry.path.endswith("/dashboards")


def requests_of(emulator: Emulator, method: str, path: str) -> list[Any]:
    """Logged requests on the current API's route(s) for classic ``method path`` (not the
    check of /apis made when choosing it, ``is_probe``)."""
    wanted = routes(method, path)
    return [
        e
        for e in emulator.request_log
        if any(e.method == m and fnmatchcase(e.path, p) for m, p in wanted) and not is_probe(e)
    ]


def sent(emulator: Emulator) -> list[tuple[str, str]]:
    """``(method, path[?query])`` of every logged request, in order."""
    return [(e.method, f"{e.path}?{e.query}" if e.query else e.path) for e in emulator.request_log]


def same_requests(emulator: Emulator, classic: list[tuple[str, str]], k8s: list) -> bool:
    """The log is ``classic`` on the classic API, or matches the ``k8s`` patterns on /apis
    (``K8S_DASHBOARDS``/``K8S_FOLDERS`` stand for any version and namespace)."""
    log = sent(emulator)
    if not on_k8s():
        return log == classic
    return len(log) == len(k8s) and all(
        m == want_m and fnmatchcase(p, want_p)
        for (m, p), (want_m, want_p) in zip(log, k8s, strict=True)
    )


def stored_writes(emulator: Emulator) -> list[Any]:
    """Every request but reads and server dry runs (which store nothing)."""
    return [e for e in emulator.request_log if e.method != "GET" and "dryRun" not in e.query]

"""Whole-process publish runs against an emulator in its own process, and the baseline.

``dashgen -C ROOT publish`` runs as a fresh subprocess (start-up, config, the build's
staleness check, the org check, folders, datasources, every dashboard), timed from outside;
the baseline is a fresh subprocess too: a plain loop POSTing each built file one after the
other with ``overwrite: true`` (``sequential_post.py``, what a ``for f in *.json; do curl``
loop does, over one keep-alive connection, which is kinder to it than curl is).

The emulator serves every org given; each gets a Prometheus datasource ``prom-<org>`` (what
the synthetic Jinja sources reference) and an Editor token; one more org takes the
baseline's writes. Requests are counted on the server: ``writes`` are the stored dashboard
writes on either API (``POST /api/dashboards/db``; ``POST``/``PUT`` of a dashboard on
``/apis/dashboard.grafana.app``), ``dry_runs`` the /apis writes sent with ``dryRun`` (they
store nothing). ``api`` picks the backend (``--api``): "classic", or "auto" (the default
emulated release, 12.0, serves /apis, so auto publishes through it).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from multiprocessing.connection import Connection as Pipe
from pathlib import Path

import measure

BASELINE_ORG = "baseline"
HERE = Path(__file__).resolve().parent
WRITES = (
    ("POST", "/api/dashboards/db"),
    ("POST", "/apis/dashboard.grafana.app/*/namespaces/*/dashboards"),
    ("PUT", "/apis/dashboard.grafana.app/*/namespaces/*/dashboards/*"),
)


def _is_write(method: str, path: str) -> bool:
    return any(method == m and fnmatchcase(path, p) for m, p in WRITES)


def _serve(
    latency_ms: float, orgs: Sequence[str], baseline_folders: Sequence[str], pipe: Pipe
) -> None:
    from dashgen.testing import Emulator, EmulatorServer
    from dashgen.testing.process import tune_collector

    emulator = Emulator(latency_ms=latency_ms, seed=1)
    tokens: dict[str, str] = {}
    for org in [*orgs, BASELINE_ORG]:
        org_id = emulator.create_org(org)
        emulator.create_datasource(org_id, "Prometheus", "prometheus", uid=f"prom-{org}")
        tokens[org] = emulator.create_service_account_token(org_id, "Editor")
        if org == BASELINE_ORG:
            for uid in baseline_folders:
                emulator.create_folder(org_id, uid, uid=uid)
    tune_collector()  # as python -m dashgen.testing does
    with EmulatorServer(emulator) as server:
        pipe.send((server.url, tokens))
        while pipe.recv() == "count":
            log = [e for e in emulator.request_log if _is_write(e.method, e.path)]
            dry_runs = sum(1 for e in log if "dryRun" in e.query)
            pipe.send((len(emulator.request_log), len(log) - dry_runs, dry_runs))


@dataclass(frozen=True)
class Run:
    name: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    requests: int
    writes: int  # stored dashboard writes, either API
    dry_runs: int  # /apis writes with dryRun (nothing stored)

    def counted(self) -> str:
        dry = f", {self.dry_runs} dry runs" if self.dry_runs else ""
        return f"{self.requests} requests, {self.writes} writes{dry}"


class RemoteEmulator:
    """The emulator in a child process (a remote Grafana does not share our interpreter)."""

    def __init__(
        self, latency_ms: float, orgs: Sequence[str], baseline_folders: Sequence[str] = ()
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(latency_ms, list(orgs), list(baseline_folders), child_end),
            daemon=True,
        )
        self.process.start()
        self.url, self.tokens = self.pipe.recv()

    def counts(self) -> tuple[int, int, int]:
        self.pipe.send("count")
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send("stop")
        self.process.join(timeout=10)

    def __enter__(self) -> RemoteEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def env(self) -> dict[str, str]:
        env = {**os.environ, "GRAFANA_URL": self.url}
        for org, token in self.tokens.items():
            env[_token_var(org)] = token
        return env

    def timed(self, name: str, command: Sequence[str], env: dict[str, str] | None = None) -> Run:
        before = self.counts()
        result = measure.run(command, env=env or self.env()).check()
        after = self.counts()
        requests, writes, dry_runs = (a - b for a, b in zip(after, before, strict=True))
        return Run(name, result.wall_s, result.cpu_s, result.peak_mb, requests, writes, dry_runs)

    def publish(self, root: Path, name: str, *args: str) -> Run:
        command = [sys.executable, "-m", "dashgen", "-C", str(root), "publish", *args]
        return self.timed(name, [*command, "--output", "json"])

    def sequential(self, files: Sequence[Path], list_file: Path, folder_uid: str | None) -> Run:
        list_file.write_text("".join(f"{path}\n" for path in files))
        script = str(HERE / "sequential_post.py")
        command = [sys.executable, script, self.url, str(list_file), folder_uid or ""]
        env = {**self.env(), "SEQUENTIAL_TOKEN": self.tokens[BASELINE_ORG]}
        return self.timed("sequential POST loop", command, env)


def _token_var(org: str) -> str:
    from dashgen.tokens import env_var_name

    return env_var_name(org)

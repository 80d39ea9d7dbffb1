"""Publish 1,000 dashboards to the emulator over real HTTP with 20 ms latency per request,
through both dashboard APIs side by side (a Grafana 13.0 emulator, which serves both).

Reports, in one run, per backend (the classic ``/api/dashboards/db`` and ``/apis``
``dashboard.grafana.app/v1``, each against its own fresh emulator):

1. first publish: wall time and requests sent (``dashgen.publish.publish``);
2. unchanged republish: wall time, requests and writes (must be 0);

and the baseline: the same dashboards POSTed one at a time in a plain loop, as the
tutorial's curl loop (and grizzly/gdg) do, into a fresh org (over one keep-alive
connection, which is kinder to the baseline than curl's connection per request).

The emulator runs in its own process, as a remote Grafana would: its CPU is not ours.
"our CPU s" is this process only. The build is timed separately and not counted.

Targets: first publish >= 4x faster than the baseline; republish >= 2x faster than the first;
the unchanged republish over /apis sends at most ceil(count / 500) + 3 requests and takes at
most a quarter of the classic unchanged republish's time.

    .venv/bin/python bench/publish_bench.py [--count 1000] [--latency-ms 20] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path

import httpx

from dashgen.build import BuiltDashboard, build
from dashgen.config import load_config
from dashgen.grafana.discovery import ApiChoice
from dashgen.grafana.k8s import LIST_LIMIT
from dashgen.publish import DEFAULT_CONCURRENCY, Connection, publish
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import env_var_name

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import make_project

ORG = "apiorg"
BASELINE_ORG = "baseline"


GRAFANA_VERSION = "13.0"  # serves the classic API and /apis v1
WRITES = (
    ("POST", "/api/dashboards/db"),
    ("POST", "/apis/dashboard.grafana.app/*/namespaces/*/dashboards"),
    ("PUT", "/apis/dashboard.grafana.app/*/namespaces/*/dashboards/*"),
)


def serve_emulator(latency_ms: float, folder_uid: str | None, pipe: Pipe) -> None:
    """Child process: a seeded emulator server (a remote Grafana does not share our CPU)."""
    from fnmatch import fnmatchcase

    emulator = Emulator(version=GRAFANA_VERSION, latency_ms=latency_ms)
    org_id = emulator.create_org(ORG)
    baseline_org = emulator.create_org(BASELINE_ORG)
    # What the synthetic dashboards reference (publish checks it exists): the Jinja ones
    # `prom-<org>`, the others a `datasource` variable of type prometheus.
    emulator.create_datasource(org_id, "Prometheus", "prometheus", uid=f"prom-{ORG}")
    tokens = {
        ORG: emulator.create_service_account_token(org_id, "Editor"),
        BASELINE_ORG: emulator.create_service_account_token(baseline_org, "Editor"),
    }
    if folder_uid:
        emulator.create_folder(baseline_org, "Synthetic", uid=folder_uid)
    with EmulatorServer(emulator) as server:
        pipe.send((server.url, tokens))
        while pipe.recv() == "log":
            log = emulator.request_log
            writes = sum(
                1
                for e in log
                if "dryRun" not in e.query
                and any(e.method == m and fnmatchcase(e.path, p) for m, p in WRITES)
            )
            pipe.send((len(log), writes))


@dataclass(frozen=True)
class Measured:
    name: str
    wall_s: float
    cpu_s: float  # this process only: the emulator runs in its own
    requests: int
    posts: int
    counts: dict[str, int]


class RemoteEmulator:
    def __init__(self, latency_ms: float, folder_uid: str | None) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child_end = context.Pipe()
        self.process = context.Process(
            target=serve_emulator, args=(latency_ms, folder_uid, child_end), daemon=True
        )
        self.process.start()
        self.url, self.tokens = self.pipe.recv()

    def counts(self) -> tuple[int, int]:
        """(requests, stored dashboard writes) the server has seen so far."""
        self.pipe.send("log")
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send("stop")
        self.process.join(timeout=10)


def sequential_baseline(url: str, token: str, dashboards: Sequence[BuiltDashboard]) -> Measured:
    """One POST after the other, overwrite true, like ``for f in *.json; do curl ...; done``."""
    started, cpu_before = time.perf_counter(), time.process_time()
    headers = {"Authorization": f"Bearer {token}"}
    # A generous timeout: on a loaded machine one save can stall past httpx's default 5 s.
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for built in dashboards:
            body = {"dashboard": built.load(), "overwrite": True, "folderUid": built.folder_uid}
            client.post("/api/dashboards/db", content=json.dumps(body)).raise_for_status()
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_before
    count = len(dashboards)
    return Measured("sequential baseline", wall_s, cpu_s, count, count, {})


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dashgen-publish-bench-") as tmp:
        root = Path(tmp) / "project"
        make_project(root, count=args.count, seed=0, orgs=(ORG,))
        config = load_config(root)
        started = time.perf_counter()
        result = build(config, orgs=[ORG])
        build_s = time.perf_counter() - started
        if not result.ok:
            raise SystemExit(f"build failed: {[str(p) for p in result.errors][:5]}")
        dashboards = [built for built in result.dashboards if built.org == ORG]

        def run(remote: RemoteEmulator, api: str, name: str) -> Measured:
            connection = Connection(url=remote.url, api=ApiChoice(api, "bench"))
            os.environ[env_var_name(ORG)] = remote.tokens[ORG]
            requests_before, writes_before = remote.counts()
            cpu_before = time.process_time()
            report = publish(
                config,
                [ORG],
                connection=connection,
                dashboards=dashboards,
                concurrency=args.concurrency,
            )
            requests_after, writes_after = remote.counts()
            return Measured(
                name,
                report.duration_s,
                time.process_time() - cpu_before,
                requests_after - requests_before,
                writes_after - writes_before,
                report.counts(),
            )

        rows: dict[str, tuple[Measured, Measured]] = {}
        baseline = None
        for api in ("classic", "k8s"):
            remote = RemoteEmulator(args.latency_ms, dashboards[0].folder_uid)
            try:
                first = run(remote, api, f"{api}: first publish")
                again = run(remote, api, f"{api}: unchanged")
                rows[api] = (first, again)
                if baseline is None:
                    baseline = sequential_baseline(
                        remote.url, remote.tokens[BASELINE_ORG], dashboards
                    )
            finally:
                remote.close()
    assert baseline is not None

    print(
        f"{len(dashboards)} dashboards, emulator Grafana {GRAFANA_VERSION}, latency "
        f"{args.latency_ms:g} ms (own process), --concurrency {args.concurrency}; build "
        f"{build_s:.1f}s (not counted); load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'run':<26}{'wall s':>8}{'our CPU s':>11}{'requests':>10}{'writes':>8}  events")
    for row in (*rows["classic"], *rows["k8s"], baseline):
        print(
            f"{row.name:<26}{row.wall_s:>8.2f}{row.cpu_s:>11.2f}{row.requests:>10}"
            f"{row.posts:>8}  {row.counts or ''}"
        )
    for api, (first, again) in rows.items():
        print(
            f"{api}: first publish vs baseline {baseline.wall_s / first.wall_s:.1f}x faster "
            f"(target >= 4x); republish vs first {first.wall_s / again.wall_s:.1f}x faster "
            f"(target >= 2x); republish writes {again.posts} (must be 0)"
        )
    classic_again, k8s_again = rows["classic"][1], rows["k8s"][1]
    budget = math.ceil(len(dashboards) / LIST_LIMIT) + 3
    print(
        f"unchanged republish over /apis: {k8s_again.requests} requests (target <= "
        f"ceil({len(dashboards)}/{LIST_LIMIT}) + 3 = {budget}), "
        f"{k8s_again.wall_s / classic_again.wall_s:.0%} of the classic one's time "
        f"(target <= 25%)"
    )


if __name__ == "__main__":
    main()

"""Publish 1,000 dashboards to the emulator over real HTTP with 20 ms latency per request.

Reports, in one run:

1. first publish: wall time and requests sent (``dashgen.publish.publish``);
2. unchanged republish: wall time, requests and POSTs (must be 0);
3. baseline: the same dashboards POSTed one at a time in a plain loop, as the tutorial's
   curl loop (and grizzly/gdg) do, into a fresh org (over one keep-alive connection, which
   is kinder to the baseline than curl's connection per request).

The emulator runs in its own process, as a remote Grafana would: its CPU is not ours.
"our CPU s" is this process only. The build is timed separately and not counted.

Targets: first publish >= 4x faster than the baseline; republish >= 2x faster than the first.

    .venv/bin/python bench/publish_bench.py [--count 1000] [--latency-ms 20] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
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
from dashgen.publish import DEFAULT_CONCURRENCY, Connection, publish
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import env_var_name

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import make_project

ORG = "apiorg"
BASELINE_ORG = "baseline"


def serve_emulator(latency_ms: float, folder_uid: str | None, pipe: Pipe) -> None:
    """Child process: a seeded emulator server (a remote Grafana does not share our CPU)."""
    emulator = Emulator(latency_ms=latency_ms)
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
            posts = sum(1 for e in log if e.method == "POST" and e.path == "/api/dashboards/db")
            pipe.send((len(log), posts))


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
        """(requests, dashboard POSTs) the server has seen so far."""
        self.pipe.send("log")
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send("stop")
        self.process.join(timeout=10)


def sequential_baseline(url: str, token: str, dashboards: Sequence[BuiltDashboard]) -> Measured:
    """One POST after the other, overwrite true, like ``for f in *.json; do curl ...; done``."""
    started, cpu_before = time.perf_counter(), time.process_time()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
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

        remote = RemoteEmulator(args.latency_ms, dashboards[0].folder_uid)
        os.environ[env_var_name(ORG)] = remote.tokens[ORG]
        connection = Connection(url=remote.url)

        def run(name: str) -> Measured:
            requests_before, posts_before = remote.counts()
            cpu_before = time.process_time()
            report = publish(
                config,
                [ORG],
                connection=connection,
                dashboards=dashboards,
                concurrency=args.concurrency,
            )
            requests_after, posts_after = remote.counts()
            return Measured(
                name,
                report.duration_s,
                time.process_time() - cpu_before,
                requests_after - requests_before,
                posts_after - posts_before,
                report.counts(),
            )

        try:
            first = run("first publish")
            again = run("unchanged republish")
            baseline = sequential_baseline(remote.url, remote.tokens[BASELINE_ORG], dashboards)
        finally:
            remote.close()

    print(
        f"{len(dashboards)} dashboards, emulator latency {args.latency_ms:g} ms (own process), "
        f"--concurrency {args.concurrency}; build {build_s:.1f}s (not counted)"
    )
    print(f"{'run':<22}{'wall s':>8}{'our CPU s':>11}{'requests':>10}{'POSTs':>7}  events")
    for row in (first, again, baseline):
        print(
            f"{row.name:<22}{row.wall_s:>8.2f}{row.cpu_s:>11.2f}{row.requests:>10}"
            f"{row.posts:>7}  {row.counts or ''}"
        )
    speedup = baseline.wall_s / first.wall_s
    republish_gain = first.wall_s / again.wall_s
    print(f"first publish vs baseline: {speedup:.1f}x faster (target >= 4x)")
    print(f"republish vs first publish: {republish_gain:.1f}x faster (target >= 2x)")
    print(f"republish POSTs: {again.posts} (must be 0)")


if __name__ == "__main__":
    main()

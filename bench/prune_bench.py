"""``publish --prune`` in an org shared with dashboards made in the UI, over real HTTP with
20 ms latency per request.

The org holds this project's N dashboards and M dashboards made in the UI; R sources are
removed. Reports, in one run:

1. ``publish --prune``: wall time, requests (the publish lock's included: its deletes are
   writes), dashboard deletes (must be R), what it left (N - R + M);
2. an unchanged ``publish --prune`` right after: requests (the price of checking an org
   that holds nothing to prune: one search, a history read per foreign dashboard);
3. baseline: the R dashboards deleted one after the other in a plain loop, as a script that
   already knows which uids to delete would (it has no ownership or folder checks).

The emulator runs in its own process, as a remote Grafana would.

    .venv/bin/python bench/prune_bench.py [--dashboards 400] [--ui 200] [--removed 80]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from multiprocessing.connection import Connection as Pipe
from pathlib import Path

import httpx

from dashgen.build import build
from dashgen.config import load_config
from dashgen.publish import Connection, PruneOptions, publish
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import env_var_name

ORG = "apiorg"


def dashboard(uid: str) -> dict:
    panels = [
        {
            "id": n + 1,
            "type": "timeseries",
            "title": f"Panel {n}",
            "gridPos": {"h": 8, "w": 12, "x": 12 * (n % 2), "y": 8 * (n // 2)},
            "targets": [{"refId": "A", "expr": f"up{{job='{uid}-{n}'}}"}],
        }
        for n in range(6)
    ]
    return {"uid": uid, "title": f"Dashboard {uid}", "schemaVersion": 39, "panels": panels}


def serve(latency_ms: float, ui_count: int, pipe: Pipe) -> None:
    emulator = Emulator(latency_ms=latency_ms)
    org_id = emulator.create_org(ORG)
    token = emulator.create_service_account_token(org_id, "Editor", name="dashgen")
    for n in range(ui_count):
        emulator.save_dashboard(org_id, dashboard(f"ui-{n:04}"), message="", user="alice")
    with EmulatorServer(emulator) as server:
        pipe.send((server.url, token))
        while pipe.recv() == "log":
            log = emulator.request_log
            # Dashboard deletes (the publish lock's folder is deleted when it is handed back)
            deletes = sum(1 for e in log if e.method == "DELETE" and "/dashboards/" in e.path)
            pipe.send((len(log), deletes, len(emulator.dashboards(org_id))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=400)
    parser.add_argument("--ui", type=int, default=200)
    parser.add_argument("--removed", type=int, default=80)
    parser.add_argument("--latency-ms", type=float, default=20)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    pipe, child = context.Pipe()
    process = context.Process(target=serve, args=(args.latency_ms, args.ui, child), daemon=True)
    process.start()
    url, token = pipe.recv()
    os.environ[env_var_name(ORG)] = token

    def counts() -> tuple[int, int, int]:
        pipe.send("log")
        return pipe.recv()

    with tempfile.TemporaryDirectory(prefix="dashgen-prune-bench-") as tmp:
        root = Path(tmp)
        (root / "dashgen.toml").write_text(f'project = "bench"\n[orgs.{ORG}]\nfolder = "Bench"\n')
        sources = root / "dashboards"
        sources.mkdir()
        uids = [f"mine-{n:04}" for n in range(args.dashboards)]
        for uid in uids:
            (sources / f"{uid}.json").write_text(json.dumps(dashboard(uid)))
        connection = Connection(url=url)

        def run(options: PruneOptions | None) -> tuple[float, int, int, int, dict]:
            config = load_config(root)
            built = build(config, orgs=[ORG]).dashboards
            before, deletes_before, _ = counts()
            started = time.perf_counter()
            report = publish(config, [ORG], connection=connection, dashboards=built, prune=options)
            wall = time.perf_counter() - started
            after, deletes_after, left = counts()
            return wall, after - before, deletes_after - deletes_before, left, report.counts()

        run(None)  # the first publish
        removed = uids[: args.removed]
        for uid in removed:
            (sources / f"{uid}.json").unlink()
        prune = run(PruneOptions(yes=True))
        again = run(PruneOptions(yes=True))

        # The baseline gets its own dashboards to delete: publish them back first.
        for uid in removed:
            (sources / f"{uid}.json").write_text(json.dumps(dashboard(uid)))
        run(None)
        headers = {"Authorization": f"Bearer {token}"}
        before, deletes_before, _ = counts()
        started = time.perf_counter()
        with httpx.Client(base_url=url, headers=headers) as client:
            for uid in removed:
                client.delete(f"/api/dashboards/uid/{uid}").raise_for_status()
        baseline_wall = time.perf_counter() - started
        after, deletes_after, _ = counts()
    pipe.send("stop")
    process.join(timeout=10)

    print(
        f"org: {args.dashboards} dashboards of this project + {args.ui} made in the UI; "
        f"{args.removed} sources removed; latency {args.latency_ms:g} ms (own process)"
    )
    print(f"{'run':<30}{'wall s':>8}{'requests':>10}{'DELETEs':>9}{'left':>7}  events")
    for name, (wall, requests, deletes, left, events) in (
        ("publish --prune", prune),
        ("publish --prune (nothing left)", again),
    ):
        print(f"{name:<30}{wall:>8.2f}{requests:>10}{deletes:>9}{left:>7}  {events}")
    print(
        f"{'sequential DELETE loop':<30}{baseline_wall:>8.2f}{after - before:>10}"
        f"{deletes_after - deletes_before:>9}"
    )
    expected_left = args.dashboards - args.removed + args.ui
    exact = prune[2] == args.removed and prune[3] == expected_left
    print(f"deleted exactly the removed ones: {exact}")


if __name__ == "__main__":
    main()

"""Benchmark `dashgen watch`: from a saved file to the rebuilt output, and to Grafana.

    .venv/bin/python bench/watch_bench.py                    # 1,000 dashboards, 60 edits
    .venv/bin/python bench/watch_bench.py --count 90 --edits 12   # quick look

The watch loop runs in-process in a thread (as `dashgen watch` runs it, with the default
debounce/step), over a synthetic project (bench/synth.py). Each edit changes one source's
title (the three source kinds in turn), and the clock runs from just before the write
until the output file on disk holds the new title (polled), then, in the second phase
with --publish to the emulator in server mode, until the emulator holds the new version.
Edits are spaced out so that each one is its own rebuild.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth
from dashgen.config import Config, load_config
from dashgen.publish import Connection, OrgSession, publish
from dashgen.testing.app import Emulator
from dashgen.testing.server import EmulatorServer
from dashgen.watch import scope_for, watch
from dashgen.watch.changes import AUTHORING_TIMING, ChangeStream, Timing
from dashgen.watch.status import StatusKind, WatchStatus

TARGET_OUTPUT_P95_MS = 300.0
TARGET_PUBLISHED_P95_MS = 600.0
POLL_S = 0.002
TIMEOUT_S = 30.0
PAUSE_BETWEEN_EDITS_S = 0.1
_TITLE = re.compile(r"Service \d{4} \((?:python|jinja|json)\)(?: edit [\d.]+)?")


@dataclass(frozen=True)
class Edit:
    kind: str
    source: Path
    uid: str
    marker: str  # the new title


@dataclass(frozen=True)
class Sample:
    kind: str
    latency_ms: float
    build_ms: float  # the Builder's own time, from the status
    rebuilt: int


class WatchThread:
    """The library's watch loop in a thread; statuses go to a queue."""

    def __init__(self, config: Config, timing: Timing, **options: object) -> None:
        self.statuses: queue.Queue[WatchStatus] = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=watch,
            args=(config,),
            kwargs={
                "stop_event": self.stop,
                "on_status": self.statuses.put,
                "timing": timing,
                **options,
            },
            daemon=True,
        )

    def __enter__(self) -> WatchThread:
        self.thread.start()
        self.next_status(lambda s: s.kind == StatusKind.WATCHING, timeout_s=600)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join(TIMEOUT_S)

    def next_status(
        self, predicate: Callable[[WatchStatus], bool], timeout_s: float = TIMEOUT_S
    ) -> WatchStatus:
        deadline = time.monotonic() + timeout_s
        while True:
            status = self.statuses.get(timeout=max(0.0, deadline - time.monotonic()))
            if status.kind == StatusKind.FAILED:
                raise RuntimeError(f"build failed: {status.result and status.result.problems}")
            if predicate(status):
                return status


def plan_edits(project: synth.SynthProject, count: int, phase: int) -> list[Edit]:
    """``count`` edits over distinct sources, the three kinds in turn."""
    edits = []
    for number in range(count):
        kind = synth.KINDS[number % 3]
        source = project.sources[kind][(number // 3) * 7 % len(project.sources[kind])]
        index = re.search(r"svc_(\d{4})", source.name)
        assert index is not None
        marker = f"Service {index.group(1)} ({kind}) edit {phase}.{number}"
        edits.append(Edit(kind, source, f"synth-{kind}-{index.group(1)}", marker))
    return edits


def apply(edit: Edit) -> None:
    text = edit.source.read_text()
    edit.source.write_text(_TITLE.sub(edit.marker, text, count=1))


def wait_until(check: Callable[[], bool]) -> float:
    deadline = time.perf_counter() + TIMEOUT_S
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the change never showed up")
        time.sleep(POLL_S)
    return time.perf_counter()


def measure_edits(
    running: WatchThread,
    edits: Sequence[Edit],
    arrived: Callable[[Edit], bool],
    status_kind: StatusKind = StatusKind.BUILT,
) -> list[Sample]:
    samples = []
    for edit in edits:
        started = time.perf_counter()
        apply(edit)
        finished = wait_until(lambda edit=edit: arrived(edit))
        built = running.next_status(_rebuilt(edit.uid))
        if status_kind != StatusKind.BUILT:
            running.next_status(lambda s: s.kind in (status_kind, StatusKind.PUBLISH_FAILED))
        assert built.result is not None
        samples.append(
            Sample(
                edit.kind,
                (finished - started) * 1000,
                built.result.duration_s * 1000,
                len(built.result.rebuilt),
            )
        )
        time.sleep(PAUSE_BETWEEN_EDITS_S)
    return samples


def _rebuilt(uid: str) -> Callable[[WatchStatus], bool]:
    def check(status: WatchStatus) -> bool:
        rebuilt = status.result.rebuilt if status.result else []
        return status.kind == StatusKind.BUILT and uid in {d.uid for d in rebuilt}

    return check


def measure_detection(root: Path, edits: Sequence[Edit], timing: Timing) -> list[float]:
    """Write -> batch handed over by the change stream: the watcher's share, no build."""
    config = load_config(root)
    stop = threading.Event()
    stream = ChangeStream(scope_for(config), stop, timing)
    batches: queue.Queue[float] = queue.Queue()

    def consume() -> None:
        for _batch in stream.batches():
            batches.put(time.perf_counter())

    stream.start()
    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    latencies = []
    try:
        for edit in edits:
            started = time.perf_counter()
            apply(edit)
            latencies.append((batches.get(timeout=TIMEOUT_S) - started) * 1000)
            time.sleep(PAUSE_BETWEEN_EDITS_S)
    finally:
        stop.set()
        consumer.join(TIMEOUT_S)
    return latencies


def measure_shared_edit(running: WatchThread, edit: Callable[[], object]) -> tuple[float, int]:
    """Write -> the status of the rebuild it caused (all users rebuilt and written)."""
    started = time.perf_counter()
    edit()
    status = running.next_status(lambda s: s.kind == StatusKind.BUILT)
    assert status.result is not None
    return (time.perf_counter() - started) * 1000, len(status.result.rebuilt)


def output_has(project: synth.SynthProject, org: str) -> Callable[[Edit], bool]:
    def check(edit: Edit) -> bool:
        path = project.root / "build" / org / f"{edit.uid}.json"
        try:
            return f'"{edit.marker}"' in path.read_text()
        except FileNotFoundError:
            return False

    return check


def emulator_has(emulator: Emulator, org_id: int) -> Callable[[Edit], bool]:
    def check(edit: Edit) -> bool:
        stored = emulator.dashboard(org_id, edit.uid)
        return stored is not None and stored.title == edit.marker

    return check


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(title: str, samples: Sequence[Sample], target_p95_ms: float) -> None:
    print(f"\n{title}")
    print(
        f"  {'kind':<8} {'edits':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'build p50':>9} {'rebuilt/edit':>12}"
    )
    for kind in (*synth.KINDS, "all"):
        chosen = [s for s in samples if kind in ("all", s.kind)]
        latencies = [s.latency_ms for s in chosen]
        rebuilt = sorted({s.rebuilt for s in chosen})
        print(
            f"  {kind:<8} {len(chosen):>5} {statistics.median(latencies):>8.0f}"
            f" {percentile(latencies, 0.95):>8.0f} {max(latencies):>8.0f}"
            f" {statistics.median(s.build_ms for s in chosen):>9.0f}"
            f" {','.join(map(str, rebuilt)):>12}"
        )
    p95 = percentile([s.latency_ms for s in samples], 0.95)
    verdict = "meets" if p95 < target_p95_ms else "MISSES"
    print(f"  p95 {p95:.0f} ms {verdict} the target of {target_p95_ms:.0f} ms")


def run(count: int, edit_count: int, timing: Timing, seed: int) -> None:
    org = "apiorg"
    with tempfile.TemporaryDirectory(prefix="dashgen-watch-bench-") as tmp:
        project = synth.make_project(Path(tmp) / "project", count=count, seed=seed, orgs=(org,))
        config = load_config(project.root)
        print(
            f"{count} dashboards, {edit_count} edits per phase, debounce {timing.debounce_ms} ms,"
            f" step {timing.step_ms} ms, {os.cpu_count()} CPUs"
        )

        started = time.perf_counter()
        with WatchThread(config, timing) as running:
            print(f"initial build and watcher start: {time.perf_counter() - started:.1f} s")
            samples = measure_edits(
                running, plan_edits(project, edit_count, 1), output_has(project, org)
            )
            shared = {
                "shared Jinja macro": measure_shared_edit(
                    running, lambda: synth.edit_shared_macro(project)
                ),
                "shared Python helper": measure_shared_edit(
                    running, lambda: synth.edit_shared_helper(project)
                ),
            }
        report("save -> rebuilt output on disk", samples, TARGET_OUTPUT_P95_MS)
        print("\nshared edits (save -> rebuild finished)")
        for name, (latency_ms, rebuilt) in shared.items():
            print(f"  {name:<22} {latency_ms:>7.0f} ms  {rebuilt:>4} dashboards rebuilt")

        detection = measure_detection(project.root, plan_edits(project, edit_count, 3), timing)
        print(
            "\nwatcher alone (save -> change batch, no build): "
            f"p50 {statistics.median(detection):.0f} ms, p95 {percentile(detection, 0.95):.0f} ms"
        )

        emulator = Emulator()
        with EmulatorServer(emulator) as server:
            org_id = emulator.create_org(org)
            # What the synthetic dashboards reference (publish checks it exists).
            emulator.create_datasource(org_id, "Prometheus", "prometheus", uid=f"prom-{org}")
            os.environ[f"DASHGEN_TOKEN_{org.upper()}"] = emulator.create_service_account_token(
                org_id
            )
            connection = Connection(url=server.url)
            seeded = publish(config, [org], connection=connection)
            print(f"\nseeded the emulator: {len(seeded.events)} dashboards")
            publisher = OrgSession(config, org, connection=connection)
            with WatchThread(config, timing, publisher=publisher, orgs=(org,)) as running:
                edits = plan_edits(project, edit_count, 2)
                samples = measure_edits(
                    running, edits, emulator_has(emulator, org_id), StatusKind.PUBLISHED
                )
        report(
            "save -> new version in Grafana (emulator, server mode)",
            samples,
            TARGET_PUBLISHED_P95_MS,
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="dashboards (default 1000)")
    parser.add_argument("--edits", type=int, default=60, help="edits per phase (default 60)")
    parser.add_argument("--debounce-ms", type=int, default=AUTHORING_TIMING.debounce_ms)
    parser.add_argument("--step-ms", type=int, default=AUTHORING_TIMING.step_ms)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run(args.count, args.edits, Timing(args.debounce_ms, args.step_ms), args.seed)


if __name__ == "__main__":
    main()

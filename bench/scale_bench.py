"""Scale: 500 sources built for 1, 5 and 20 orgs (up to 10,000 outputs, per-org vars),
then ``publish --all-orgs`` of everything to one emulator.

For each org count, in one run: a cold ``dashgen build``, a no-op rebuild, a rebuild after
editing one Jinja source (one output per org), and a whole-process ``dashgen publish
--all-orgs`` of every output to an emulator in its own process (``--latency-ms``, default
20). Each row: wall time, CPU (the process tree's), peak RSS (the process tree's, workers
included), outputs compiled or requests sent. Then the growth from 1 to 5 to 20 orgs, per
output: linear or better means the cost per output does not rise with the org count.

    .venv/bin/python bench/scale_bench.py [--sources 500] [--orgs 1,5,20] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure
import publish_process
import synth

TARGET_PEAK_MB = 500.0
GROWTH_SLACK = 1.25  # per-output cost at the most orgs / at the fewest, still "linear"


@dataclass(frozen=True)
class Row:
    orgs: int
    step: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    outputs: int  # outputs the step concerned (built, or published)
    detail: str


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--orgs", default="1,5,20", help="org counts, comma-separated")
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--no-publish", action="store_true", help="builds only")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.orgs.split(",") if n]
    print(
        f"{args.sources} sources (a third each Python, Jinja, View JSON), orgs {counts}; "
        f"python {platform.python_version()}, {os.cpu_count()} cpus, "
        f"load {os.getloadavg()[0]:.1f}; emulator latency {args.latency_ms:g} ms\n"
    )
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="dashgen-scale-bench-") as workdir:
        for count in counts:
            rows += scale_point(Path(workdir) / f"orgs-{count}", args, count)
    print_rows(rows)
    print_growth(rows, counts)
    return 0


def scale_point(root: Path, args: argparse.Namespace, count: int) -> list[Row]:
    orgs = [f"org{n:02d}" for n in range(count)]
    project = synth.make_project(root, args.sources, seed=0, orgs=orgs)
    rows = []
    cold = _build(project.root)
    rows.append(_row(count, "cold build", cold))
    rows.append(_row(count, "no-op rebuild", _build(project.root)))
    edited = project.sources["jinja"][0]
    edited.write_text(edited.read_text().replace('"editable": true', '"editable": false'))
    rows.append(_row(count, "rebuild after editing one Jinja source", _build(project.root)))
    if not args.no_publish:
        with publish_process.RemoteEmulator(args.latency_ms, orgs) as emulator:
            run = emulator.publish(project.root, "publish --all-orgs", "--all-orgs")
            outputs = cold[1]["dashboards"]
            rows.append(
                Row(
                    count,
                    "publish --all-orgs (first)",
                    run.wall_s,
                    run.cpu_s,
                    run.peak_mb,
                    outputs,
                    run.counted(),
                )
            )
    shutil.rmtree(root, ignore_errors=True)
    return rows


def _build(root: Path) -> tuple[measure.Measurement, dict]:
    command = [sys.executable, "-m", "dashgen", "-C", str(root), "build", "--output", "json"]
    result = measure.run(command).check()
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    if summary.get("event") != "summary" or not summary["ok"]:
        raise RuntimeError(f"build of {root} failed:\n{result.stdout[-3000:]}")
    return result, summary


def _row(orgs: int, step: str, run: tuple[measure.Measurement, dict]) -> Row:
    result, summary = run
    return Row(
        orgs,
        step,
        result.wall_s,
        result.cpu_s,
        result.peak_mb,
        summary["dashboards"],
        f"compiled {summary['rebuilt']} of {summary['dashboards']}; "
        f"{result.max_processes} process(es)",
    )


def print_rows(rows: list[Row]) -> None:
    print("| orgs | step | wall (s) | CPU (s) | ms/output (wall) | peak RSS (MB) | notes |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for row in rows:
        per_output = row.wall_s / row.outputs * 1000 if row.outputs else 0.0
        print(
            f"| {row.orgs} | {row.step} | {row.wall_s:.2f} | {row.cpu_s:.2f} | "
            f"{per_output:.2f} | {row.peak_mb:.0f} | {row.detail} |"
        )
    print()


def print_growth(rows: list[Row], counts: list[int]) -> None:
    """Per step: wall time per output at each org count, and whether it stayed flat."""
    print("| step | " + " | ".join(f"{n} org(s)" for n in counts) + " | growth | verdict |")
    print("|---|" + "---:|" * len(counts) + "---:|---|")
    steps = list(dict.fromkeys(row.step for row in rows))
    for step in steps:
        points = {row.orgs: row for row in rows if row.step == step}
        if len(points) < 2:
            continue
        fewest, most = points[min(points)], points[max(points)]
        if step.startswith(("no-op", "rebuild after")):
            # The work is fixed per org (one output per org for the edit): whole-run time.
            cells = [f"{points[n].wall_s:.2f} s" for n in counts if n in points]
            growth = (most.wall_s / fewest.wall_s) / (most.orgs / fewest.orgs)
            note = f"{growth:.2f} x per org"
        else:
            cells = [
                f"{points[n].wall_s / points[n].outputs * 1000:.2f} ms/output"
                for n in counts
                if n in points
            ]
            growth = (most.wall_s / most.outputs) / (fewest.wall_s / fewest.outputs)
            note = f"{growth:.2f} x per output"
        verdict = "linear or better" if growth <= GROWTH_SLACK else "SUPERLINEAR"
        print(f"| {step} | " + " | ".join(cells) + f" | {note} | {verdict} |")
    builds = [row for row in rows if "build" in row.step]
    peak = max(row.peak_mb for row in builds)
    verdict = "met" if peak < TARGET_PEAK_MB else "MISSED"
    print(f"\npeak RSS of any build: {peak:.0f} MB (target < {TARGET_PEAK_MB:.0f} MB): {verdict}")


if __name__ == "__main__":
    sys.exit(main())

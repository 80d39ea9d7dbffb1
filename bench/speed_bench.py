"""Issue 18's table in one run: where users wait, against the targets and the baselines.

    .venv/bin/python bench/speed_bench.py [--count 1000] [--publish-count 200] [--repeat 1]

Builds (every one a fresh ``dashgen -C ROOT build`` process, its process tree measured, as
``build_bench.py`` does) of the synthetic project (``synth.py``: a third each Python,
Jinja with one shared macro file, View JSON), side by side with grafanalib's own
``generate-dashboards`` on the same Python files; then a 200-dashboard project published by
a whole ``dashgen publish`` process to an emulator in its own process (``--latency-ms``,
default 20) through each backend (``--api classic``, and ``--api auto``, which the emulated
12.0 answers with /apis), side by side with a sequential POST loop (``sequential_post.py``)
into another org of the same emulator; writes are counted on both APIs. Times are medians
over ``--repeat``; the machine's load is printed, since other work on it moves every number.
dashgen is byte-compiled first (``measure.byte_compile_dashgen``), as pip installs it:
grafanalib, the baseline, comes byte-compiled from its wheel.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_bench
import measure
import publish_process
import synth

ORG = "apiorg"
# (--api value, how the table names it); the emulator's default release (12.0) serves /apis
BACKENDS = (("classic", "classic /api (`--api classic`)"), ("auto", "/apis (`--api auto`)"))


@dataclass(frozen=True)
class Target:
    what: str
    before: str  # as the issue measured it, before this work
    measured: str
    goal: str
    met: bool | None  # None: context, no target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="dashboards of the build bench")
    parser.add_argument("--publish-count", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--only", choices=("build", "publish"), help="one half of the table")
    args = parser.parse_args(argv)
    print(measure.byte_compile_dashgen())
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cpus, load at start "
        f"{_load()}; --count {args.count} --publish-count {args.publish_count} "
        f"--repeat {args.repeat} --latency-ms {args.latency_ms:g}\n"
    )
    with tempfile.TemporaryDirectory(prefix="dashgen-speed-bench-") as workdir:
        targets = [] if args.only == "publish" else build_targets(Path(workdir), args)
        if args.only != "build":
            targets += publish_targets(Path(workdir), args)
    print("| what | before (issue) | measured | target | verdict |")
    print("|---|---:|---:|---:|---|")
    for target in targets:
        verdict = "" if target.met is None else ("met" if target.met else "MISSED")
        cells = (target.what, target.before, target.measured, target.goal, verdict)
        print("| " + " | ".join(cells) + " |")
    print(f"\nload at end {_load()}")
    return 0


def _load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def _median(runs: list[float]) -> float:
    return statistics.median(runs)


def _repeat(times: int, run: Callable[[], float]) -> float:
    return _median([run() for _ in range(times)])


# -- builds --------------------------------------------------------------------------------


def build_targets(workdir: Path, args: argparse.Namespace) -> list[Target]:
    project = synth.make_project(workdir / "project", args.count, 0)
    jinja_root = build_bench._subset_project(project, "jinja", workdir / "only-jinja")
    python_root = build_bench._subset_project(project, "python", workdir / "only-python")
    n_jinja, n_python = len(project.sources["jinja"]), len(project.sources["python"])
    cold, noop, macro, jinja_cpu, jinja_wall, python_wall = [], [], [], [], [], []
    for _ in range(args.repeat):
        build_bench._clean(project.root)
        cold.append(build_bench._build(project.root).measurement.wall_s)
        noop.append(build_bench._build(project.root).measurement.wall_s)
        synth.edit_shared_macro(project)
        macro.append(build_bench._build(project.root).measurement.wall_s)
        build_bench._clean(jinja_root)
        jinja = build_bench._build(jinja_root).measurement
        jinja_cpu.append(jinja.cpu_s / n_jinja * 1000)
        jinja_wall.append(jinja.wall_s / n_jinja * 1000)
        build_bench._clean(python_root)
        python_wall.append(build_bench._build(python_root).measurement.wall_s / n_python * 1000)
    grafanalib_dir = workdir / "grafanalib"
    shutil.copytree(
        project.python_dir, grafanalib_dir, ignore=shutil.ignore_patterns("__pycache__")
    )
    grafanalib = _repeat(
        args.repeat, lambda: build_bench._generate_dashboards(grafanalib_dir).wall_s
    )
    grafanalib_per_dashboard = grafanalib / n_python * 1000
    help_s = _repeat(
        args.repeat,
        lambda: measure.run([sys.executable, "-m", "dashgen", "--help"]).check().wall_s,
    )
    speedup = grafanalib_per_dashboard / _median(python_wall)
    count = args.count
    return [
        Target(
            f"cold Jinja source, CPU per dashboard ({n_jinja} sources, one shared macro file)",
            "32.7 ms (18.1 ms wall)",
            f"{_median(jinja_cpu):.1f} ms ({_median(jinja_wall):.1f} ms wall)",
            "<= 6 ms CPU",
            _median(jinja_cpu) <= 6,
        ),
        Target(
            f"cold build of the mixed {count}, wall",
            "9.05 s",
            f"{_median(cold):.2f} s",
            "<= 3.5 s",
            _median(cold) <= 3.5,
        ),
        Target(
            "cold Python sources vs grafanalib `generate-dashboards`, same files, per dashboard",
            "1.76x faster",
            f"{speedup:.2f}x faster ({_median(python_wall):.2f} vs "
            f"{grafanalib_per_dashboard:.2f} ms)",
            ">= 2.5x",
            speedup >= 2.5,
        ),
        Target(
            f"no-op rebuild of the {count} as a whole `dashgen build` process",
            "0.48 s (5.3% of cold)",
            f"{_median(noop):.2f} s ({_median(noop) / _median(cold):.1%} of cold)",
            "<= 0.25 s",
            _median(noop) <= 0.25,
        ),
        Target(
            f"(context) rebuild after editing templates/{synth.SHARED_MACRO}",
            "1.2-1.7 s",
            f"{_median(macro):.2f} s",
            "",
            None,
        ),
        Target("(context) `dashgen --help`, whole process", "", f"{help_s:.2f} s", "", None),
    ]


# -- publish -------------------------------------------------------------------------------


def publish_targets(workdir: Path, args: argparse.Namespace) -> list[Target]:
    """The sequential loop, then per backend (classic: ``--api classic``; /apis: ``--api
    auto``, which the emulated 12.0 answers with /apis) a first publish and an unchanged
    republish, each backend on a fresh emulator; every ratio is against that run's loop."""
    root = workdir / "publish-project"
    synth.make_project(root, args.publish_count, 0, orgs=(ORG,))
    build_bench._build(root)  # not counted: publish finds the build fresh
    files = sorted((root / "build" / ORG).glob("*.json"))
    folder_uid = f"synth-{ORG}"
    baselines: list[publish_process.Run] = []
    runs: dict[str, list[tuple[publish_process.Run, publish_process.Run]]] = {
        api: [] for api, _ in BACKENDS
    }
    for _ in range(args.repeat):
        for index, (api, _) in enumerate(BACKENDS):
            with publish_process.RemoteEmulator(args.latency_ms, [ORG], [folder_uid]) as emulator:
                if index == 0:
                    baselines.append(
                        emulator.sequential(files, workdir / "sequential.txt", folder_uid)
                    )
                option = ("--org", ORG, "--api", api)
                first = emulator.publish(root, "first publish", *option)
                again = emulator.publish(root, "unchanged republish", *option)
            runs[api].append((first, again))
    baseline_s = _median([run.wall_s for run in baselines])
    baseline = baselines[0]
    count = args.publish_count
    targets = [
        Target(
            f"(baseline) sequential POST loop of the {count}, whole process",
            "",
            f"{baseline_s:.2f} s, {baseline.cpu_s:.2f} s CPU, {baseline.counted()}",
            "",
            None,
        )
    ]
    for api, label in BACKENDS:
        first_s = _median([first.wall_s for first, _ in runs[api]])
        again_s = _median([again.wall_s for _, again in runs[api]])
        first, again = runs[api][0]
        again_writes = max(again.writes for _, again in runs[api])
        speedup, share = baseline_s / first_s, again_s / first_s
        targets += [
            Target(
                f"first publish of {count} new dashboards, {label}, whole process, "
                "vs the sequential loop",
                "3.0-3.4x faster" if api == "classic" else "",
                f"{speedup:.1f}x faster ({first_s:.2f} s, {first.cpu_s:.2f} s CPU, "
                f"{first.counted()})",
                ">= 5x",
                speedup >= 5,
            ),
            Target(
                f"unchanged republish of the {count} / first publish, {label}, whole process",
                "0.7" if api == "classic" else "",
                f"{share:.2f} ({again_s:.2f} s, {again.cpu_s:.2f} s CPU, {again.counted()})",
                "<= 0.4, 0 writes",
                share <= 0.4 and again_writes == 0,
            ),
        ]
    return targets


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark `dashgen build` on a synthetic project, against grafanalib's own CLI.

    .venv/bin/python bench/build_bench.py            # 1,000 dashboards, 3 repetitions
    .venv/bin/python bench/build_bench.py --count 90 --repeat 1 --sample 10   # quick look

Every build is `dashgen -C ROOT build --output json` in a fresh subprocess, so its peak
RSS is its own (worker processes included) and its summary line says how many
dashboards were compiled. Times are medians over the repetitions; CPU is user + system
time of the whole process tree (worker processes included), which other load on the
machine disturbs less than wall time.

grafanalib's CLI runs on a copy of the Python third (it writes its JSON next to the
sources): `generate-dashboards` over all files in one process, and `generate-dashboard -o`
once per file, as Makefiles call it, timed on an evenly spaced sample and extrapolated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure
import synth

TARGET_SPEEDUP = 1.5  # cold build per dashboard vs generate-dashboards
TARGET_NOOP_SHARE = 0.05  # no-op rebuild / cold build
TARGET_PEAK_MB = 300.0


@dataclass(frozen=True)
class BuildRun:
    measurement: measure.Measurement
    dashboards: int
    rebuilt: int


@dataclass(frozen=True)
class Row:
    label: str
    wall_s: float
    per_dashboard_ms: float
    cpu_per_dashboard_ms: float  # user + system of the whole process tree
    peak_mb: float
    note: str


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="dashboards to generate")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each build")
    parser.add_argument("--sample", type=int, default=50, help="files for generate-dashboard")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="build the project here and keep it")
    args = parser.parse_args(argv)
    print(measure.byte_compile_dashgen())

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run_all(args.keep, args)
    with tempfile.TemporaryDirectory(prefix="dashgen-build-bench-") as workdir:
        return run_all(Path(workdir), args)


def run_all(workdir: Path, args: argparse.Namespace) -> int:
    project = synth.make_project(workdir / "project", args.count, args.seed)
    total = args.count * max(1, len(project.orgs))
    kinds = " / ".join(f"{len(paths)} {kind}" for kind, paths in project.sources.items())
    print(f"synthetic project: {args.count} dashboards ({kinds}), orgs {project.orgs or '-'}")
    print(f"python {platform.python_version()}, {os.cpu_count()} cpus, repeat {args.repeat}\n")

    cold, noop, macro = [], [], []
    for _ in range(args.repeat):
        _clean(project.root)
        cold.append(_build(project.root))
        noop.append(_build(project.root))
        synth.edit_shared_macro(project)
        macro.append(_build(project.root))

    cold_by_kind: dict[str, list[BuildRun]] = {}
    for kind in synth.KINDS:
        subset = _subset_project(project, kind, workdir / f"only-{kind}")
        cold_by_kind[kind] = []
        for _ in range(args.repeat):
            _clean(subset)
            cold_by_kind[kind].append(_build(subset))

    grafanalib_dir = workdir / "grafanalib"
    shutil.copytree(
        project.python_dir, grafanalib_dir, ignore=shutil.ignore_patterns("__pycache__")
    )
    gl_all = [_generate_dashboards(grafanalib_dir) for _ in range(args.repeat)]
    gl_each = _generate_dashboard_each(grafanalib_dir, args.sample)

    n_py = len(project.sources["python"])
    gl_all_s = _median(m.wall_s for m in gl_all)
    gl_each_per_file = _median(m.wall_s for m in gl_each)
    rows = {
        "cold": _build_row(f"dashgen build, cold ({args.count} mixed)", cold, total),
        "noop": _build_row("dashgen build, no-op rebuild", noop, total),
        "macro": _build_row(
            f"dashgen build after editing templates/{synth.SHARED_MACRO}", macro, total
        ),
        **{
            f"cold-{kind}": _build_row(
                f"dashgen build, cold, {kind} sources only ({len(project.sources[kind])})",
                runs,
                len(project.sources[kind]) * max(1, len(project.orgs)),
            )
            for kind, runs in cold_by_kind.items()
        },
        "gl-all": Row(
            f"grafanalib `generate-dashboards`, {n_py} Python files at once",
            gl_all_s,
            gl_all_s / n_py * 1000,
            _median(m.cpu_s for m in gl_all) / n_py * 1000,
            max(m.peak_mb for m in gl_all),
            "one process",
        ),
        "gl-each": Row(
            f"grafanalib `generate-dashboard` once per file ({n_py})",
            gl_each_per_file * n_py,
            gl_each_per_file * 1000,
            _median(m.cpu_s for m in gl_each) * 1000,
            max(m.peak_mb for m in gl_each),
            f"extrapolated from {len(gl_each)} files",
        ),
    }
    _print_table(list(rows.values()))
    all_builds = [*cold, *noop, *macro, *(r for runs in cold_by_kind.values() for r in runs)]
    _print_targets(rows, noop, macro, all_builds, project)
    return 0


def _build(root: Path) -> BuildRun:
    command = [sys.executable, "-m", "dashgen", "-C", str(root), "build", "--output", "json"]
    result = measure.run(command).check()
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    if summary.get("event") != "summary" or not summary["ok"]:
        raise RuntimeError(f"build of {root} failed:\n{result.stdout[-3000:]}")
    return BuildRun(result, summary["dashboards"], summary["rebuilt"])


def _build_row(label: str, runs: list[BuildRun], dashboards: int) -> Row:
    walls = [run.measurement.wall_s for run in runs]
    wall = _median(walls)
    rebuilt = sorted({run.rebuilt for run in runs})
    processes = max(run.measurement.max_processes for run in runs)
    return Row(
        label,
        wall,
        wall / dashboards * 1000,
        _median(run.measurement.cpu_s for run in runs) / dashboards * 1000,
        max(run.measurement.peak_mb for run in runs),
        f"compiled {'/'.join(map(str, rebuilt))} of {runs[0].dashboards}; "
        f"{processes} process(es); runs {min(walls):.2f}-{max(walls):.2f} s",
    )


def _clean(root: Path) -> None:
    """Remove outputs and caches, so the next build is cold."""
    shutil.rmtree(root / "build", ignore_errors=True)
    for cache in [*root.glob(".dashgen*"), *root.rglob("__pycache__")]:
        shutil.rmtree(cache, ignore_errors=True)


def _subset_project(project: synth.SynthProject, kind: str, root: Path) -> Path:
    """A copy of the project with only one kind of source (same config and templates)."""
    kind_dir = project.sources[kind][0].parent
    shutil.copytree(kind_dir, root / "dashboards" / kind_dir.name)
    shutil.copytree(project.shared_macro.parent, root / "templates")
    shutil.copy2(project.config_file, root / "dashgen.toml")
    return root


def _grafanalib_env(source_dir: Path) -> dict[str, str]:
    # grafanalib's loader does not put the source's folder on sys.path; teams set PYTHONPATH.
    return {**os.environ, "PYTHONPATH": str(source_dir)}


def _grafanalib_script(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.exists() else shutil.which(name) or name


def _generate_dashboards(source_dir: Path) -> measure.Measurement:
    _clean(source_dir)
    _remove_grafanalib_outputs(source_dir)
    files = sorted(str(path) for path in source_dir.glob("*.dashboard.py"))
    command = [_grafanalib_script("generate-dashboards"), *files]
    return measure.run(command, env=_grafanalib_env(source_dir)).check()


def _remove_grafanalib_outputs(source_dir: Path) -> None:
    """Cold for grafanalib too: the JSON an earlier run wrote beside each source (which the
    next run would overwrite in place, never creating a file) is removed, as dashgen's
    output folder is before each of its cold builds."""
    for path in source_dir.glob("*.dashboard.py"):
        path.with_name(path.name.removesuffix(".dashboard.py") + ".json").unlink(missing_ok=True)


def _generate_dashboard_each(source_dir: Path, sample: int) -> list[measure.Measurement]:
    files = sorted(source_dir.glob("*.dashboard.py"))
    step = max(1, len(files) // max(1, sample))
    script = _grafanalib_script("generate-dashboard")
    _clean(source_dir)
    _remove_grafanalib_outputs(source_dir)
    env = _grafanalib_env(source_dir)
    return [
        measure.run([script, "-o", str(path.with_suffix(".json")), str(path)], env=env).check()
        for path in files[::step][:sample]
    ]


def _median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def _print_table(rows: list[Row]) -> None:
    print("| run | wall (s) | ms/dashboard (wall) | ms/dashboard (CPU) | peak RSS (MB) | notes |")
    print("|---|---:|---:|---:|---:|---|")
    for row in rows:
        print(
            f"| {row.label} | {row.wall_s:.2f} | {row.per_dashboard_ms:.2f} "
            f"| {row.cpu_per_dashboard_ms:.2f} | {row.peak_mb:.0f} | {row.note} |"
        )
    print()


def _print_targets(
    rows: dict[str, Row],
    noop: list[BuildRun],
    macro: list[BuildRun],
    all_builds: list[BuildRun],
    project: synth.SynthProject,
) -> None:
    gl_per_dashboard = rows["gl-all"].per_dashboard_ms
    speedup_python = gl_per_dashboard / rows["cold-python"].per_dashboard_ms
    speedup_mixed = gl_per_dashboard / rows["cold"].per_dashboard_ms
    speedup_each = rows["gl-each"].per_dashboard_ms / rows["cold-python"].per_dashboard_ms
    noop_share = rows["noop"].wall_s / rows["cold"].wall_s
    peak = max(run.measurement.peak_mb for run in all_builds)
    expected_macro = len(project.sources["jinja"]) * max(1, len(project.orgs))
    macro_rebuilt = sorted({run.rebuilt for run in macro})
    noop_rebuilt = sorted({run.rebuilt for run in noop})
    print("| target | measured | goal | verdict |")
    print("|---|---:|---:|---|")
    _target(
        "cold build per dashboard vs `generate-dashboards`, same Python sources",
        f"{speedup_python:.2f}x faster",
        f">= {TARGET_SPEEDUP}x",
        speedup_python >= TARGET_SPEEDUP,
    )
    _target(
        "(context) same, dashgen per dashboard over the whole mixed project",
        f"{speedup_mixed:.2f}x faster",
        f">= {TARGET_SPEEDUP}x",
        speedup_mixed >= TARGET_SPEEDUP,
    )
    cpu_ratio = rows["gl-all"].cpu_per_dashboard_ms / rows["cold-python"].cpu_per_dashboard_ms
    _target(
        "(context) same Python sources, CPU time instead of wall (all processes)",
        f"{cpu_ratio:.2f}x less CPU",
        "",
        None,
    )
    _target(
        "(context) vs `generate-dashboard` once per file, same Python sources",
        f"{speedup_each:.1f}x faster",
        "",
        None,
    )
    _target(
        "no-op rebuild / cold build",
        f"{noop_share:.1%}",
        f"< {TARGET_NOOP_SHARE:.0%}",
        noop_share < TARGET_NOOP_SHARE,
    )
    _target(
        "dashboards compiled by the no-op rebuild",
        "/".join(map(str, noop_rebuilt)),
        "0",
        noop_rebuilt == [0],
    )
    _target(
        "dashboards compiled after the macro edit",
        "/".join(map(str, macro_rebuilt)),
        f"{expected_macro} (the Jinja third)",
        macro_rebuilt == [expected_macro],
    )
    _target(
        "peak RSS of any build (process tree)",
        f"{peak:.0f} MB",
        f"< {TARGET_PEAK_MB:.0f} MB",
        peak < TARGET_PEAK_MB,
    )


def _target(name: str, measured: str, goal: str, passed: bool | None) -> None:
    verdict = "" if passed is None else ("met" if passed else "MISSED")
    print(f"| {name} | {measured} | {goal} | {verdict} |")


if __name__ == "__main__":
    sys.exit(main())

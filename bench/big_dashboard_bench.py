"""Benchmark `dashgen build` on one very large dashboard (default ~50 MB of JSON).

    .venv/bin/python bench/big_dashboard_bench.py                  # 50 MB, 3 repetitions
    .venv/bin/python bench/big_dashboard_bench.py --mb 10 --repeat 1
    .venv/bin/python bench/big_dashboard_bench.py --compare /path/to/other/generator

Each build is `dashgen -C ROOT build --output json` in a fresh subprocess (bench/measure.py:
wall time, CPU of the process tree, peak RSS of the whole tree, worker processes included).
Cases, each in a project of its own:

- View JSON: a cold build, then a no-op rebuild (nothing to compile);
- View JSON with one bad gridPos at its very end: the build fails, and the line of the bad
  value is found by scanning the 50 MB text (the cost of naming the line);
- a Python source that computes the same dashboard: it runs in a worker process and its
  result crosses a pipe back to the build;
- the baseline, in the same run: one process that only reads, parses (orjson) and writes the
  same JSON (what any tool must pay at least).

``--compare DIR`` runs the same builds with the dashgen found in DIR (PYTHONPATH), e.g. an
older checkout's ``generator/``, and prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure

PANEL_BYTES = 4_000  # roughly, once serialised with indent 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the dashboard JSON")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another dashgen source dir (PYTHONPATH)")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)  # internal: the files
    parser.add_argument("--panels", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write:
        write_projects(args.write, args.panels)
        return 0
    with tempfile.TemporaryDirectory(prefix="dashgen-big-bench-") as workdir:
        return run_all(Path(workdir), args)


def run_all(workdir: Path, args: argparse.Namespace) -> int:
    panels = max(1, int(args.mb * 1_000_000 / PANEL_BYTES))
    view, bad, python = (
        _project(workdir / "view"),
        _project(workdir / "bad"),
        _project(workdir / "python"),
    )
    # Written by a child process: a large bench process would inflate every build's peak RSS
    # (Linux counts the pages of the forked copy before exec).
    measure.run(
        [sys.executable, __file__, "--write", str(workdir), "--panels", str(panels)]
    ).check()
    size_mb = (view / "dashboards" / "big.json").stat().st_size / 1e6
    print(f"dashboard: {panels} panels, {size_mb:.1f} MB of JSON; repeat {args.repeat}\n")
    floor_script = workdir / "floor.py"
    floor_script.write_text(FLOOR_SCRIPT)

    variants = [("this checkout", None)]
    if args.compare:
        variants.append((f"--compare {args.compare}", args.compare.resolve()))
    rows: list[tuple[str, list[measure.Measurement]]] = []
    floor = [
        measure.run([sys.executable, str(floor_script), str(view / "dashboards" / "big.json")])
        for _ in range(args.repeat)
    ]
    rows.append(("baseline: read + orjson parse + write, one process", floor))
    for label, source_dir in variants:
        env = dict(os.environ)
        if source_dir is not None:
            env["PYTHONPATH"] = str(source_dir)
        cold, noop, failed, from_python = [], [], [], []
        for _ in range(args.repeat):
            _clean(view)
            cold.append(_build(view, env, expect=0))
            noop.append(_build(view, env, expect=0))
            _clean(bad)
            failed.append(_build(bad, env, expect=None))  # an older dashgen may not check it
            _clean(python)
            from_python.append(_build(python, env, expect=0))
        rows += [
            (f"[{label}] View JSON, cold build", cold),
            (f"[{label}] View JSON, no-op rebuild", noop),
            (f"[{label}] View JSON, bad gridPos at the end (line found)", failed),
            (f"[{label}] Python source, cold build (worker + pipe)", from_python),
        ]
    _print(rows)
    failed_here = next(runs for label, runs in rows if "bad gridPos" in label)
    print(f"\nthe failed build says: {_problem_line(failed_here[-1].stdout)}")
    return 0


def write_projects(workdir: Path, panels: int) -> None:
    dashboard = big_dashboard(panels)
    text = json.dumps(dashboard, indent=2)
    (workdir / "view" / "dashboards" / "big.json").write_text(text)
    dashboard["panels"][-1]["gridPos"]["w"] = 99
    (workdir / "bad" / "dashboards" / "big.json").write_text(json.dumps(dashboard, indent=2))
    (workdir / "python" / "dashboards" / "big.py").write_text(PYTHON_SOURCE.format(panels=panels))


def big_dashboard(panels: int) -> dict:
    return {
        "uid": "big",
        "title": "Big",
        "schemaVersion": 39,
        "panels": [_panel(i) for i in range(panels)],
    }


def _panel(i: int) -> dict:
    return {
        "id": i + 1,
        "type": "timeseries",
        "title": f"Panel {i}",
        "gridPos": {"x": 12 * (i % 2), "y": 8 * (i // 2), "w": 12, "h": 8},
        "targets": [
            {"refId": chr(65 + t), "expr": f'sum(rate(http_requests_total{{job="j{i}"}}[5m]))' * 8}
            for t in range(8)
        ],
    }


PYTHON_SOURCE = """
def panel(i):
    return {{
        "id": i + 1,
        "type": "timeseries",
        "title": f"Panel {{i}}",
        "gridPos": {{"x": 12 * (i % 2), "y": 8 * (i // 2), "w": 12, "h": 8}},
        "targets": [
            {{
                "refId": chr(65 + t),
                "expr": f'sum(rate(http_requests_total{{{{job="j{{i}}"}}}}[5m]))' * 8,
            }}
            for t in range(8)
        ],
    }}

dashboard = {{
    "uid": "big",
    "title": "Big",
    "schemaVersion": 39,
    "panels": [panel(i) for i in range({panels})],
}}
"""

FLOOR_SCRIPT = """
import sys, orjson
data = orjson.loads(open(sys.argv[1], "rb").read())
out = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
open(sys.argv[1] + ".out", "wb").write(out)
"""


def _project(root: Path) -> Path:
    (root / "dashboards").mkdir(parents=True)
    return root


def _clean(root: Path) -> None:
    shutil.rmtree(root / "build", ignore_errors=True)


def _build(root: Path, env: dict[str, str], *, expect: int | None) -> measure.Measurement:
    command = [sys.executable, "-m", "dashgen", "-C", str(root), "build", "--output", "json"]
    result = measure.run(command, env=env)
    if expect is not None and result.returncode != expect:
        raise RuntimeError(f"{root.name}: exit {result.returncode}\n{result.stdout[-2000:]}")
    return result


def _problem_line(stdout: str) -> str:
    for line in stdout.splitlines():
        event = json.loads(line)
        if event.get("event") == "problem":
            return f"{event['path']}:{event['line']}: {event['message']}"
    return "(no problem reported)"


def _print(rows: list[tuple[str, list[measure.Measurement]]]) -> None:
    width = max(len(label) for label, _ in rows)
    print(f"{'case':<{width}}  {'wall s':>7}  {'cpu s':>7}  {'peak MB':>8}")
    for label, runs in rows:
        wall = statistics.median(r.wall_s for r in runs)
        cpu = statistics.median(r.cpu_s for r in runs)
        peak = max(r.peak_mb for r in runs)
        print(f"{label:<{width}}  {wall:7.2f}  {cpu:7.2f}  {peak:8.0f}")


if __name__ == "__main__":
    sys.exit(main())

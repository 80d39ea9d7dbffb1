"""Where a cold Jinja source's compile goes, in one process: dashgen's environment beside
stock Jinja (its own lexer, parser and code generator, dashgen's settings) on the same
templates.

    .venv/bin/python bench/jinja_compile_bench.py [--count 300] [--repeat 5]

The synthetic project's Jinja sources (``synth.py``: one shared macro file, 10-40 panel
calls each) are lexed, parsed, turned into Python by Jinja's code generator, compiled by
CPython and rendered once per org, stage by stage; CPU per source, the best of
``--repeat`` runs that alternate the two environments (other work on the machine moves
every number: the load is printed). The whole-process row of issue 18's table
(``speed_bench.py``) adds start-up, the workers and the build's own steps to this.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from dashgen.sources.jinja import DeferredBytecodeCache, RecordingEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

STAGES = ("lex + parse", "generate", "compile()", "render")
VARIABLES = {"environment": "bench", "prometheus_uid": "prom", "org": "o", "folder": "f"}


class StockJinja(RecordingEnvironment):
    """dashgen's settings and filters; Jinja's own lexer, parser and code generator."""

    code_generator_class = jinja2.compiler.CodeGenerator

    def _tokenize(self, *args: Any, **kwargs: Any) -> jinja2.lexer.TokenStream:
        return jinja2.Environment._tokenize(self, *args, **kwargs)

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        return jinja2.Environment._parse(self, source, name, filename)


def stage_times(kind: type[RecordingEnvironment], root: Path, files: list[Path]) -> list[float]:
    """CPU ms per source of each stage."""
    env = kind([root / "templates", root / "dashboards"], DeferredBytecodeCache(root, {}))
    clock = time.process_time
    totals = [0.0] * len(STAGES)
    for path in files:
        text = path.read_text(encoding="utf-8")
        started = clock()
        tree = env._parse(text, path.name, str(path))
        parsed = clock()
        source = env._generate(tree, path.name, str(path))
        generated = clock()
        code = env._compile(source, str(path))
        compiled = clock()
        globals_ = env.make_globals(VARIABLES)
        env.template_class.from_code(env, code, globals_, None).render()
        rendered = clock()
        for index, spent in enumerate(
            (parsed - started, generated - parsed, compiled - generated, rendered - compiled)
        ):
            totals[index] += spent
    return [total / len(files) * 1000 for total in totals]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="Jinja sources")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    load = "/".join(f"{value:.1f}" for value in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="dashgen-jinja-bench-") as workdir:
        project = synth.make_project(Path(workdir) / "p", args.count, 0, kinds=("jinja",))
        files = project.sources["jinja"]
        runs: dict[str, list[list[float]]] = {"stock Jinja": [], "dashgen": []}
        for _ in range(args.repeat):
            runs["stock Jinja"].append(stage_times(StockJinja, project.root, files))
            runs["dashgen"].append(stage_times(RecordingEnvironment, project.root, files))
    print(f"{len(files)} Jinja sources, best of {args.repeat}; load at start {load}\n")
    print("| environment | " + " | ".join(STAGES) + " | total (ms CPU per source) |")
    print("|---|" + "---:|" * (len(STAGES) + 1))
    best = {
        name: [min(run[i] for run in found) for i in range(len(STAGES))]
        for name, found in runs.items()
    }
    for name, stages in best.items():
        cells = [f"{value:.2f}" for value in stages] + [f"{sum(stages):.2f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    stock, ours = sum(best["stock Jinja"]), sum(best["dashgen"])
    print(f"\ndashgen / stock Jinja: {ours / stock:.2f}")
    print(f"load at end {'/'.join(f'{value:.1f}' for value in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

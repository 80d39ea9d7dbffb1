"""The process entry points (the ``dashgen`` script and ``python -m dashgen``).

Outside ``dashgen.cli`` on purpose: importing anything inside that package imports the CLI
first, and the collector's thresholds must be set before those imports. A short-lived
``dashgen`` process allocates most of its objects while importing (modules, functions,
classes: all kept until it ends) and then while decoding dashboards (freed by reference
counting, cycles are rare); at Python's default threshold (700 allocations) the collector
runs a few hundred times over objects that are never garbage, ~25 ms of an unchanged
``publish`` of 200 dashboards (~0.35 s, ``bench/speed_bench.py``). A larger first
generation keeps collection for what may be cyclic garbage. Library callers (tests,
``CliRunner``) keep their own settings: only these entry points change them. They also
enable ``dashgen.dataclass_code`` (the methods of dashgen's dataclasses compiled once) for
the CLI's import and, in ``dashgen.cli.LazyGroup``, the command's.

``import httpx`` also imports its own command-line client (``httpx._main``), which imports
Pygments whenever it is installed (it comes with pytest, IPython ...) and then gives up
for want of Rich: ~20 ms of every command that talks to Grafana, for a client dashgen never
runs. The entry points mark that module as absent, which httpx expects (its ``main`` then
says which extra to install).
"""

from __future__ import annotations

import gc
import sys

YOUNG_GENERATION_THRESHOLD = 100_000
HTTPX_CLI = "httpx._main"


def run() -> None:
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
    sys.modules.setdefault(HTTPX_CLI, None)  # type: ignore[arg-type]
    from dashgen import dataclass_code

    dataclass_code.enable()
    with dataclass_code.compiled_once():
        from dashgen.cli.quick_exit import run as run_cli

    run_cli()

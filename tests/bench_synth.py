"""``bench/synth.py`` (the benchmarks' project generator) for tests, loaded by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SYNTH = Path(__file__).resolve().parent.parent / "bench" / "synth.py"


def synth() -> ModuleType:
    name = "dashgen_bench_synth"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SYNTH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

"""Settings for a process whose job is to serve the emulator (``python -m dashgen.testing``,
the benchmarks' emulator process); an in-process emulator (the tests') changes nothing."""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 100_000


def tune_collector() -> None:
    """Fewer passes of the cyclic garbage collector over what the server keeps.

    A server keeps every dashboard it stores, and a stored dashboard is a tree of thousands
    of dicts and lists, never garbage until overwritten (and then freed by reference
    counting). At Python's default threshold (700 allocations) the collector walks them
    again and again: ~85 ms of the ~0.36 s of CPU the emulator spends on a first publish of
    200 dashboards of ~44 KB. A larger first generation (as ``dashgen.entry`` sets for the
    CLI) keeps collection for what may be cyclic garbage, and what was built before serving
    (modules, the seeded state) is left out of every collection.
    """
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
    gc.freeze()

"""How many requests a publish keeps in flight: the measured defaults, and the one bound
the orgs of a publish share."""

from __future__ import annotations

import threading

# Measured (bench/speed_bench.py, 200 new dashboards, 20 ms latency, 2 cores): a whole
# `dashgen publish` took 1.41-1.53 s at 8 writes at once, 1.27-1.69 s at 10 (gcx's
# default), 1.12-1.16 s at 16, no better at 24 or 32 (the client's CPU is the limit there).
DEFAULT_CONCURRENCY = 16
# Reads run wider than writes: an unchanged republish is one GET per dashboard, bound by
# latency until the client's CPU per GET (decode + hash) is. Over the http.client
# transport (dashgen.grafana.transport) on a quiet machine, the 200 GETs of an unchanged
# republish took 150-165 ms at 32 at once and 115-135 ms at 64 (20 ms latency; the whole
# process 0.31 s against 0.28 s); 80 at once gained nothing more. Beyond that threads
# only fight over the GIL (measured at load ~3: no gain from 32 to 64).
READ_CONCURRENCY_FACTOR = 4
MAX_READ_CONCURRENCY = 64
# A batch this large starts with one search for the uids that exist (new dashboards then
# cost no read); a smaller one reads each dashboard directly (the search lists the whole
# org: ~40 ms at 1,000 dashboards, against a few ms per dashboard GET).
SEARCH_MIN_DASHBOARDS = 32


class InFlight:
    """The bound the orgs of one publish share: at most ``size`` dashboards being read or
    written at once (each does its requests one after another); ``stopped`` (set when the
    publish is interrupted) starts no more."""

    def __init__(self, size: int) -> None:
        self.slots = threading.BoundedSemaphore(size)
        self.stopped = threading.Event()


def read_width(concurrency: int, read_concurrency: int | None = None) -> int:
    """Dashboards read at once: ``read_concurrency``, else a multiple of the write width."""
    writes = max(1, concurrency)
    return max(
        writes, read_concurrency or min(READ_CONCURRENCY_FACTOR * writes, MAX_READ_CONCURRENCY)
    )

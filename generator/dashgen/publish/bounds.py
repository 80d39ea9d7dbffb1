"""How many requests a publish keeps in flight: the measured defaults, and the one bound
the orgs of a publish share."""

from __future__ import annotations

import threading

# Measured (bench/speed_bench.py, 200 new dashboards, 20 ms latency, 2 cores): a whole
# `dashgen publish` took 1.41-1.53 s at 8 writes at once, 1.27-1.69 s at 10 (gcx's
# default), 1.12-1.16 s at 16, no better at 24 or 32 (the client's CPU is the limit there).
DEFAULT_CONCURRENCY = 16
# Reads run wider than writes, but not so wide that threads fight over the GIL: an
# unchanged republish is bound by the CPU spent per GET (decode + hash), not by latency
# (its CPU time was the same from 3 to 48 reads at once). Over the http.client transport
# (dashgen.grafana.transport), an unchanged republish of 200 took 0.53-0.57 s at 16 reads,
# 0.39-0.44 s at 32 and 0.39-0.46 s at 64 (whole processes, load ~3).
READ_CONCURRENCY_FACTOR = 2
MAX_READ_CONCURRENCY = 32
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

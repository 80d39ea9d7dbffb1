"""Scriptable, deterministic fault injection per route.

    emulator.faults.add(method="POST", path="/api/dashboards/db", kind="status", times=2)

``path`` is an exact path or an ``fnmatch`` pattern (``/api/dashboards/uid/*``); ``times``
is how many matching requests the fault hits (None = every one), ``after`` how many pass
untouched before it starts. ``probability`` < 1 draws from an RNG seeded with the
emulator's ``seed``, so a run with a fixed seed is repeatable.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass

KINDS = (
    "status",
    "retry_after",
    "delay",
    "drop",
    "commit_then_fail",
    "commit_then_drop",
    # the route runs, then the answer stops halfway (head and half the body) for ``hang_s``
    # (or until the client hangs up), then the connection closes: over real HTTP only
    "commit_then_hang",
    # the route runs, then the whole answer (head and body) goes out ``trickle_bytes`` bytes
    # every ``trickle_interval_s`` seconds (each read of a client answered well within its
    # read timeout, the answer never done in time); over real HTTP only, in-process whole
    "trickle",
)


@dataclass
class Fault:
    kind: str
    method: str | None = None
    path: str | None = None
    status: int = 503
    times: int | None = 1
    retry_after_s: float = 1
    delay_ms: int = 0
    probability: float = 1.0
    hits: int = 0
    hang_s: float = 60.0
    trickle_bytes: int = 1
    trickle_interval_s: float = 1.0
    # Whether the fault also hits /apis server dry runs (?dryRun=All): a test of what a real
    # write meets says False (a client may validate each write with a dry run first).
    dry_runs: bool = True
    # How many matching requests pass untouched before the fault starts (a read that fails
    # only after the write it follows).
    after: int = 0
    passed: int = 0

    def matches(self, method: str, path: str, dry_run: bool = False) -> bool:
        if dry_run and not self.dry_runs:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(path.rstrip("/"), self.path):
            return False
        return self.times is None or self.hits < self.times

    @property
    def applies_before(self) -> bool:
        """Faults that answer without running the route (the write never happens)."""
        return self.kind in ("status", "retry_after", "drop")


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []

    def add(
        self,
        method: str | None = None,
        path: str | None = None,
        kind: str = "status",
        *,
        status: int | None = None,
        times: int | None = 1,
        retry_after_s: float = 1,
        delay_ms: int = 0,
        probability: float = 1.0,
        dry_runs: bool = True,
        hang_s: float = 60.0,
        after: int = 0,
        trickle_bytes: int = 1,
        trickle_interval_s: float = 1.0,
    ) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose one of {', '.join(KINDS)}")
        if trickle_bytes < 1 or trickle_interval_s < 0:
            raise ValueError("a trickle sends at least 1 byte every interval of 0 s or more")
        default_status = {"retry_after": 429, "commit_then_fail": 500}.get(kind, 503)
        fault = Fault(
            kind=kind,
            method=method,
            path=path,
            status=status if status is not None else default_status,
            times=times,
            retry_after_s=retry_after_s,
            delay_ms=delay_ms,
            probability=probability,
            dry_runs=dry_runs,
            hang_s=hang_s,
            after=after,
            trickle_bytes=trickle_bytes,
            trickle_interval_s=trickle_interval_s,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str, dry_run: bool = False) -> Fault | None:
        """The first active fault for this request, counting it as hit."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path, dry_run):
                    continue
                if fault.passed < fault.after:  # (not started yet: this one passes)
                    fault.passed += 1
                    continue
                if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                    continue
                fault.hits += 1
                return fault
        return None

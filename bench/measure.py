"""Run a command as a subprocess and measure its wall time and memory.

Memory is measured two ways, because a build may fan out to worker processes:
- ``max_rss_mb``: ``ru_maxrss`` from ``os.wait4`` (the largest single process among the child
  and the descendants it waited for; exact, but not a sum);
- ``tree_peak_mb``: the peak of the summed RSS of the whole process tree, sampled from /proc
  every ``SAMPLE_INTERVAL_S`` (Linux only; a process living shorter than that can be missed).
"""

from __future__ import annotations

import compileall
import importlib.util
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_INTERVAL_S = 0.02
PROC = Path("/proc")


@dataclass(frozen=True)
class Measurement:
    command: tuple[str, ...]
    returncode: int
    wall_s: float
    cpu_s: float  # user + system, the child and the descendants it waited for (workers)
    max_rss_mb: float
    tree_peak_mb: float
    max_processes: int
    stdout: str
    stderr: str

    @property
    def peak_mb(self) -> float:
        return max(self.max_rss_mb, self.tree_peak_mb)

    def check(self) -> Measurement:
        if self.returncode != 0:
            raise RuntimeError(
                f"{' '.join(self.command[:4])} ... exited {self.returncode}\n"
                f"{self.stdout[-2000:]}\n{self.stderr[-2000:]}"
            )
        return self


def byte_compile_dashgen() -> str:
    """Write dashgen's bytecode (``__pycache__``), as ``pip install`` does for a wheel, so
    that a measured process loads dashgen the way it loads grafanalib and every other
    installed package. Without it, an editable install under ``PYTHONDONTWRITEBYTECODE=1``
    (set in this project's environment) compiles every dashgen module again in every
    process. Says what it did, for the bench's header."""
    spec = importlib.util.find_spec("dashgen")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        compileall.compile_dir(location, quiet=1)
    return f"dashgen byte-compiled as pip installs it ({', '.join(locations)})"


def run(
    command: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Measurement:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall_s = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
        out.seek(0)
        err.seek(0)
        return Measurement(
            command=tuple(command),
            returncode=process.returncode,
            wall_s=wall_s,
            cpu_s=usage.ru_utime + usage.ru_stime,
            max_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            tree_peak_mb=sampler.peak_kb / 1024,
            max_processes=sampler.max_processes,
            stdout=out.read(),
            stderr=err.read(),
        )


class _TreeSampler(threading.Thread):
    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peak_kb = 0
        self.max_processes = 0
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            pids = _tree(self.root_pid)
            self.max_processes = max(self.max_processes, len(pids))
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in pids))
            self._stopped.wait(SAMPLE_INTERVAL_S)

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def _tree(root_pid: int) -> list[int]:
    pids, pending = [], [root_pid]
    while pending:
        pid = pending.pop()
        pids.append(pid)
        try:
            for task in (PROC / str(pid) / "task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue  # exited meanwhile
    return pids


def _rss_kb(pid: int) -> int:
    try:
        with open(PROC / str(pid) / "status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # exited meanwhile, or a zombie

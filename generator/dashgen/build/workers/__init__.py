"""Worker processes for the sources that run user code, so that one that ends its process,
is killed or never finishes fails alone and the rest of the build still reports.

Python sources always compile in a worker (``compile.compile_all`` decides what goes where); a
build of many sources spreads every kind over several forked workers (``handle.Worker`` is one,
with two jobs in flight so it never waits for the build to answer). A worker is forked from
the build when no other thread runs (cheap: it starts with what is already imported), else
it is a fresh interpreter (forking a threaded process can deadlock the child on a lock
another thread held). A ``WorkerPool`` serves a whole build, and a ``Builder`` keeps its
pool, so watch reuses warm workers from one rebuild to the next.

What can happen to a job (``serve`` writes the evidence into the worker's stack file;
``deaths`` reads it) and what the build then says about the source:

- it finishes: its results (plain data) come back with what it printed, shown on stderr;
- it runs past ``[build] source_timeout_s`` (per org): the worker's watchdog writes where it
  was and ends the process; the problem names that line;
- it calls ``os._exit()`` or crashes (SIGSEGV, ``os.abort()``): the line, from the stack;
- it is killed (SIGKILL, the OOM killer): no stack, but the source is named.

A dead worker is replaced for the jobs still waiting.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from dashgen.build.compile import MAX_WORKERS, POOL_MIN_JOBS, CompiledSource, Job
from dashgen.build.workers.handle import IN_FLIGHT, Running, Worker
from dashgen.config import Config
from dashgen.model.validate import ERROR, Problem

__all__ = ["MAX_WORKERS", "POOL_MIN_JOBS", "WorkerPool"]

logger = logging.getLogger(__name__)


class WorkerPool:
    """Workers kept between the builds of one ``Builder``."""

    def __init__(self) -> None:
        self.workers: list[Worker] = []
        self._released: list[Worker] = []  # asked to end (``release``), not yet reaped
        self._builds = 0
        self._on_result: Callable[[int, list[CompiledSource]], None] = _ignore
        self._staging: tuple[str, dict[str, str]] | None = None

    def compile(
        self,
        config: Config,
        jobs: Sequence[tuple[int, Job]],
        *,
        size: int,
        results: list[list[CompiledSource] | None],
        cache_files: dict[str, bytes],
        local_work: Iterator[None],
        fallback: Callable[[Job], list[CompiledSource]],
        on_result: Callable[[int, list[CompiledSource]], None],
        staging: tuple[str, dict[str, str]] | None = None,
    ) -> None:
        """Compile ``jobs`` (index into ``results``, job) on up to ``size`` workers; between
        checks on them, advance ``local_work`` (the jobs compiled in this process).
        ``fallback`` compiles a job here when no worker can be started at all;
        ``on_result`` is told of each job a worker (or ``fallback``) compiled. ``staging``:
        a folder the workers write the outputs into, and the dict told which file holds
        which output (``<org>/<uid>.json``) before ``on_result`` is."""
        self._builds += 1
        self._on_result = on_result
        self._staging = staging
        build_key = (os.getpid(), id(self), self._builds)
        waiting = deque(jobs)
        timeout_s = config.source_timeout_s
        local_done = False
        try:
            while waiting or self._busy():
                self._dispatch(waiting, size, config, build_key, timeout_s, results, fallback)
                if not local_done:
                    local_done = next(local_work, StopIteration) is StopIteration
                    self._collect(0, waiting, results, cache_files, config)
                else:
                    self._collect(self._wait_s(), waiting, results, cache_files, config)
            for _ in local_work:
                pass
        except BaseException:
            self.close()
            raise

    def release(self) -> None:
        """Ask the workers to end now, without waiting for them (``close`` does): a build
        that no other follows lets them end while it commits. A later compile starts new
        ones."""
        for worker in self.workers:
            worker.ask_to_stop()
        self._released += self.workers
        self.workers = []

    def close(self) -> None:
        workers, self._released = self._released + self.workers, []
        for worker in workers:
            if worker.jobs:
                worker.kill()
            worker.ask_to_stop()
        for worker in workers:
            worker.close()
        self.workers = []

    # -- inside compile

    def _busy(self) -> list[Worker]:
        return [w for w in self.workers if w.jobs]

    def _dispatch(
        self,
        waiting: deque[tuple[int, Job]],
        size: int,
        config: Config,
        build_key: Any,
        timeout_s: float,
        results: list[list[CompiledSource] | None],
        fallback: Callable[[Job], list[CompiledSource]],
    ) -> None:
        while waiting:
            worker = min(self.workers, key=lambda w: len(w.jobs), default=None)
            if (worker is None or worker.jobs) and len(self.workers) < size:
                try:
                    worker = Worker()
                except OSError as exc:  # out of processes or memory
                    if not self.workers:
                        logger.warning("cannot start a worker process (%s): compiling here", exc)
                        index, job = waiting.popleft()
                        results[index] = fallback(job)
                        self._on_result(index, results[index])
                        continue
                    worker = min(self.workers, key=lambda w: len(w.jobs))
                else:
                    self.workers.append(worker)
            if worker is None or len(worker.jobs) >= IN_FLIGHT:
                return
            index, job = waiting.popleft()
            try:
                folder = self._staging[0] if self._staging else None
                worker.start(index, job, config, build_key, timeout_s, folder)
            except OSError:  # it died meanwhile: not this job's fault
                waiting.appendleft((index, job))
                self._lost(worker, waiting, results, config)

    def _wait_s(self) -> float:
        deadlines = [w.jobs[0].deadline for w in self._busy()]
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else 0.0

    def _collect(
        self,
        timeout_s: float,
        waiting: deque[tuple[int, Job]],
        results: list[list[CompiledSource] | None],
        cache_files: dict[str, bytes],
        config: Config,
    ) -> None:
        busy = {w.conn: w for w in self._busy()}
        if not busy:
            return
        for conn in wait(list(busy), timeout_s):
            worker = busy[conn]  # type: ignore[index]
            reply = worker.receive()
            if reply is None:
                self._lost(worker, waiting, results, config)
                continue
            running = worker.finished()
            if reply[0] == "done":
                _, compiled, new_files, output, staged = reply
                if self._staging is not None:
                    self._staging[1].update(staged)
                results[running.index] = compiled
                self._on_result(running.index, compiled)
                cache_files.update(new_files)
                _relay(output)
            else:
                _, message, output = reply
                _relay(output)
                label = "" if reply[0] == "source" else "internal error: "
                problem = Problem(ERROR, f"{label}{message}", Path(running.job[0].rel))
                results[running.index] = _failed(running, problem)
        now = time.monotonic()
        for worker in self._busy():
            if now > worker.jobs[0].deadline:  # silent past its own watchdog
                from dashgen.build.workers.deaths import timeout_problem

                worker.kill()
                running = worker.finished()
                problem = timeout_problem(running.job[0], running.timeout_s, None, config.root)
                results[running.index] = _failed(running, problem)
                self._requeue(worker, waiting)
                self._remove(worker)

    def _lost(
        self,
        worker: Worker,
        waiting: deque[tuple[int, Job]],
        results: list[list[CompiledSource] | None],
        config: Config,
    ) -> None:
        """The worker died: the job it was compiling failed, the ones sent after it wait."""
        if worker.jobs:
            from dashgen.build.workers.deaths import death_problem

            code, stack = worker.reap(), worker.stack()
            running = worker.finished()
            problem = death_problem(running.job[0], running.timeout_s, code, stack, config.root)
            results[running.index] = _failed(running, problem)
            self._requeue(worker, waiting)
        self._remove(worker)

    def _requeue(self, worker: Worker, waiting: deque[tuple[int, Job]]) -> None:
        while worker.jobs:
            running = worker.jobs.pop()
            waiting.appendleft((running.index, running.job))

    def _remove(self, worker: Worker) -> None:
        worker.close()
        self.workers.remove(worker)


def _ignore(index: int, results: list[CompiledSource]) -> None:
    pass


def _relay(output: str) -> None:
    """What a source printed: to stderr, as if it had run in this process."""
    if output:
        sys.stderr.write(output)
        sys.stderr.flush()


def _failed(running: Running, problem: Problem) -> list[CompiledSource]:
    return [CompiledSource("", {}, [], [problem]) for _ in running.job[1]]

"""The inside of a build worker: compile the jobs it is sent, send back plain data.

Runs in a process of its own (forked from the build, or a fresh interpreter started with
``main``), so that a source that ends its process or never finishes takes only the worker
down. What it does about that, so the build can say what happened and where:

- each org's compile of a source runs under a watchdog (``faulthandler``): past the time
  limit (at most a quarter of it, and a second, later) it writes every thread's stack to
  the worker's stack file and ends the process;
- ``os._exit()`` first writes ``os._exit(<status>)`` and the caller's stack there;
- a fatal signal (SIGSEGV, SIGABRT from ``os.abort()``, ...) writes the stack too.

Everything a source prints is captured and sent back with its results (the build shows it
on stderr); file descriptor 1 is pointed at stderr so that even raw writes never reach
the build's own stdout, which may carry JSON.
"""

from __future__ import annotations

import faulthandler
import gc
import io
import itertools
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from functools import partial
from multiprocessing.connection import Connection
from typing import Any, BinaryIO

from dashgen.build.compile import compile_source
from dashgen.sources import CACHE_FILES

REAL_EXIT: Callable[[int], Any] = os._exit
TIMEOUT_MARK = "Timeout ("  # how faulthandler starts a dump made by its watchdog
EXIT_MARK = "os._exit("


def main(fd: str, stack_fd: str) -> None:
    """Entry point of a worker started as a fresh interpreter (``fd``: its connection,
    ``stack_fd``: its stack file)."""
    serve(Connection(int(fd)), int(stack_fd))


def serve(conn: Connection, stack_fd: int) -> None:
    """Answer ``("compile", build_key, config, source, targets, timeout_s, staging)``
    messages until the connection closes (``config`` is None after a build's first message:
    the same again; ``staging``: the folder to write the outputs into, or None); never
    returns."""
    _isolate()
    _refuse_forks()
    # (the build's unnamed file, shared: the build reads what is written here once it ends)
    stack_file: BinaryIO = open(stack_fd, "r+b", buffering=0, closefd=False)  # noqa: SIM115 (lives as long as the process)
    faulthandler.enable(file=stack_file, all_threads=True)
    os._exit = _recording_exit(stack_file)
    build_key: Any = None
    build_config: Any = None
    session: dict[str, Any] = {}
    staged_count = itertools.count()
    watchdog = _Watchdog(stack_file)
    while True:
        if not conn.poll():  # nothing sent ahead: the wait may be long
            watchdog.disarm()
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if not isinstance(message, tuple) or message[0] != "compile":
            break
        _, key, config, source, targets, timeout_s, staging = message
        if key != build_key:
            build_key, session = key, {CACHE_FILES: {}}
        if config is None:
            config = build_config
        build_config = config
        output = io.StringIO()
        guard = partial(watchdog.guard, timeout_s)
        try:
            with redirect_stdout(output), redirect_stderr(output):
                compiled = compile_source(config, source, targets, session, guard=guard)
            cache_files = session[CACHE_FILES]
            # the build keeps them from now on (a compiled template this process needs again
            # is in its Jinja environment; one it dropped meanwhile is compiled again)
            new_files = dict(cache_files)
            cache_files.clear()
            staged = _stage(staging, targets, compiled, staged_count) if staging else {}
            reply: tuple[Any, ...] = ("done", compiled, new_files, output.getvalue(), staged)
        except BaseException as exc:  # dashgen's own failure, not the source's
            reply = ("error", f"{type(exc).__name__}: {exc}", output.getvalue())
        try:
            conn.send(reply)
        except (EOFError, OSError):
            break
        except Exception as exc:  # the reply would not pickle: the source broke this process
            printed = reply[3] if reply[0] == "done" else reply[-1]
            message = (
                f"its result cannot be sent back from the process that compiled it ({exc}): "
                "does it change sys.modules or other interpreter state?"
            )
            conn.send(("source", message, printed))
    REAL_EXIT(0)


def _stage(
    staging: str, targets: list[Any], compiled: list[Any], count: Iterator[int]
) -> dict[str, str]:
    """Write the outputs into the build's staging folder; which file holds which output
    (``<org>/<uid>.json``). A write that fails leaves the rest to the build. When all are
    written, their bytes stay here: the reply would carry each output to the build again
    (~100 kB a dashboard), which reads them only to find the file they are in."""
    staged: dict[str, str] = {}
    for target, per_org in zip(targets, compiled, strict=True):
        for dashboard in per_org.dashboards:
            if dashboard.content is None:
                continue
            name = f"w{os.getpid()}-{next(count)}.early"  # never the build's own names
            try:
                with open(os.path.join(staging, name), "wb") as handle:
                    handle.write(dashboard.content)
            except OSError:
                return staged
            staged[f"{target.org.name}/{dashboard.uid}.json"] = name
    for per_org in compiled:  # (an org's results may be another's: the same objects)
        for dashboard in per_org.dashboards:
            dashboard.content = None
    return staged


def _isolate() -> None:
    """Ctrl-C is the build's to handle (it stops its workers); no stdin; fd 1 → stderr.
    What a fork inherited is never collected here: the collector leaves its pages shared."""
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)


def _refuse_forks() -> None:
    """A source that forks would leave a copy of this worker behind (reading the build's
    jobs, holding its output open) that nothing ends: ``os.fork`` raises instead, so the
    source fails at its line. ``subprocess`` still runs programs (it does not call it)."""

    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(
            "dashboard sources run in dashgen's build workers, which may not fork "
            "(os.fork, or multiprocessing with fork): compute the dashboard in this "
            "process, or run a program with subprocess"
        )

    os.fork = refused
    if hasattr(os, "forkpty"):
        os.forkpty = refused


class _Watchdog:
    """Past the time limit, write every thread's stack to the stack file and end the process.

    faulthandler's watchdog is a thread of C code: it fires even while a source holds the
    interpreter in C code. Arming it starts that thread and disarming joins it, which took
    0.3-0.7 ms of wall time per job on a busy machine (the worker waits for the thread to be
    scheduled): more than many sources take to compile. So it stays armed from job to job:
    an org's compile reuses the armed limit when it fires between ``timeout_s`` and
    ``timeout_s`` plus the slack from now, and arms it again otherwise; it is disarmed when
    less than ``timeout_s`` is left after a compile (the reply and the next job then never
    run under less than the limit) and before the worker waits for a job not yet sent."""

    def __init__(self, stack_file: BinaryIO) -> None:
        self.stack_file = stack_file
        self.fires_at: float | None = None  # monotonic; the thread fires no earlier

    @contextmanager
    def guard(self, timeout_s: float) -> Iterator[None]:
        fd = self.stack_file.fileno()
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        now = time.monotonic()
        span = timeout_s + slack_s(timeout_s)
        fires_at = self.fires_at
        if fires_at is None or not now + timeout_s <= fires_at <= now + span:
            faulthandler.dump_traceback_later(span, exit=True, file=self.stack_file)
            fires_at = self.fires_at = now + span
        try:
            yield
        finally:
            if fires_at - time.monotonic() < timeout_s:
                self.disarm()

    def disarm(self) -> None:
        if self.fires_at is not None:
            faulthandler.cancel_dump_traceback_later()
            self.fires_at = None


def slack_s(timeout_s: float) -> float:
    """How much later than its limit a compile may be stopped (so that one arming of the
    watchdog serves many compiles)."""
    return min(1.0, timeout_s / 4)


def _recording_exit(stack_file: BinaryIO) -> Callable[[int], Any]:
    def exit_recorded(status: int) -> Any:
        try:
            stack_file.write(f"{EXIT_MARK}{status!r})\n".encode())
            faulthandler.dump_traceback(file=stack_file, all_threads=False)
        except (OSError, ValueError):
            pass  # the stack is a courtesy; exiting is what was asked
        return REAL_EXIT(status)

    return exit_recorded

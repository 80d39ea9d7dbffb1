"""One worker process: started (forked, or a fresh interpreter), sent jobs, reaped."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import dashgen
from dashgen.build.compile import Job, safe_to_fork
from dashgen.config import Config

# A worker's own watchdog ends a job at the time limit; the build kills a worker that is
# still silent this long after it (one that disabled the watchdog, say).
KILL_GRACE_S = 10.0
# The build's ends of forked workers' connections: a worker forked later closes its copies,
# so that each worker sees the end of its own connection when the build closes it.
_PARENT_ENDS: weakref.WeakSet[Connection] = weakref.WeakSet()
_BOOT = "import sys; from dashgen.build.workers.serve import main; main(*sys.argv[1:])"


# Jobs sent ahead to a worker: it starts the next one without waiting for the build to
# read its last reply and answer (on a busy machine the build is not always scheduled).
IN_FLIGHT = 2


@dataclass
class Running:
    index: int
    job: Job
    timeout_s: float
    deadline: float = 0.0  # set when the job is the one the worker is compiling

    def start_clock(self) -> None:
        targets = max(1, len(self.job[1]))
        self.deadline = time.monotonic() + self.timeout_s * targets + KILL_GRACE_S


class Worker:
    """One worker process and its connection."""

    def __init__(self) -> None:
        # Where the worker writes its stack when it dies: a file with no name on disk,
        # shared with the worker, so that nothing is left behind however the build ends
        # (killed with SIGKILL too).
        self._stack_file = tempfile.TemporaryFile(prefix="dashgen-worker-", suffix=".stack")  # noqa: SIM115 (closed by close())
        self.stack_fd = self._stack_file.fileno()
        parent, child = multiprocessing.Pipe()
        self._popen: subprocess.Popen[bytes] | None = None
        try:
            if safe_to_fork():
                self.pid = self._fork(parent, child)
            else:
                self._popen = self._spawn(child)
                self.pid = self._popen.pid
        except BaseException:
            parent.close()
            self._stack_file.close()
            raise
        finally:
            child.close()
        self.conn: Connection = parent
        self.jobs: deque[Running] = deque()  # sent, in order; the first is compiling
        self.exit_code: int | None = None
        self._build_key: Any = None  # the build whose config the worker was last sent
        self._stop_sent = False

    def _fork(self, parent: Connection, child: Connection) -> int:
        from dashgen.build.workers import serve

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        pid = os.fork()
        if pid == 0:  # the child never returns from here
            try:
                parent.close()
                for other in list(_PARENT_ENDS):  # other workers' ends: theirs to close
                    other.close()
                serve.serve(child, self.stack_fd)
            finally:
                serve.REAL_EXIT(70)
        _PARENT_ENDS.add(parent)
        return pid

    def _spawn(self, child: Connection) -> subprocess.Popen[bytes]:
        package_parent = str(Path(dashgen.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        fd = child.fileno()
        return subprocess.Popen(
            [sys.executable, "-c", _BOOT, str(fd), str(self.stack_fd)],
            pass_fds=(fd, self.stack_fd),
            stdin=subprocess.DEVNULL,
            env=env,
        )

    def start(
        self,
        index: int,
        job: Job,
        config: Config,
        build_key: Any,
        timeout_s: float,
        staging: str | None = None,
    ) -> None:
        source, targets = job
        # The config goes with a build's first job only: the worker keeps it for the rest.
        sent_config = config if build_key != self._build_key else None
        message = ("compile", build_key, sent_config, source, targets, timeout_s, staging)
        self.conn.send(message)
        self._build_key = build_key
        self.jobs.append(Running(index, job, timeout_s))
        if len(self.jobs) == 1:
            self.jobs[0].start_clock()

    def finished(self) -> Running:
        """The job the last reply (or the death) was about; the next one's clock starts."""
        done = self.jobs.popleft()
        if self.jobs:
            self.jobs[0].start_clock()
        return done

    def receive(self) -> tuple[Any, ...] | None:
        """The reply to the first job sent; None when the worker died instead."""
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def reap(self, timeout_s: float = 5.0) -> int | None:
        """Wait for the process to end; its exit code (negative: the signal), None if it
        would not end."""
        if self.exit_code is not None:
            return self.exit_code
        if self._popen is not None:
            try:
                self.exit_code = self._popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                return None
            return self.exit_code
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.exit_code = -1
                return self.exit_code
            if pid:
                self.exit_code = os.waitstatus_to_exitcode(status)
                return self.exit_code
            if time.monotonic() > deadline:
                return None
            time.sleep(0.002)

    def stack(self) -> str:
        """What the worker wrote to its stack file (read without moving the offset the
        worker writes at)."""
        try:
            size = os.fstat(self.stack_fd).st_size
            return os.pread(self.stack_fd, size, 0).decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def ask_to_stop(self) -> None:
        """Tell an idle worker to end (``close`` then waits for it): a pool asks all of
        its workers first, so that they end at the same time."""
        if not self.jobs and not self._stop_sent:
            self._stop_sent = True
            try:
                self.conn.send(("stop",))
            except (OSError, ValueError):
                pass  # already gone

    def close(self) -> None:
        """End the worker (asked to stop, else killed) and remove its files."""
        _PARENT_ENDS.discard(self.conn)
        self.ask_to_stop()
        self.conn.close()
        if self.reap(1.0) is None:
            self.kill()
            self.reap(5.0)
        self._stack_file.close()

"""Ctrl-C and SIGTERM while a command talks to Grafana: stop cleanly, say what went out.

CI runners cancel a job with a signal and kill it a few seconds later: GitHub Actions
sends SIGINT, then SIGTERM 7.5 s later, then kills the process tree 2.5 s after that;
GitLab's runners, ``docker stop`` and Buildkite's agent send SIGTERM and kill after about
10 s. A person presses Ctrl-C. Either way the command must not be cut at a random point:

- the first SIGINT or SIGTERM prints one line at once, naming it (``first_line``), then
  ends the command's deadline now (``Deadline.interrupt``, reason "interrupted (Ctrl-C)" /
  "interrupted (SIGTERM)"): no request starts any more, no retry or lock wait goes on, the
  requests in flight get ``GRACE_S`` for their answer and are then cut (their outcome is
  "unknown"); the publish lock is handed back (its own few seconds,
  ``lock.INTERRUPTED_HANDBACK_S``); the report lists every dashboard once (written,
  "not sent: interrupted (...)", or "unknown");
- the command then exits 130 (SIGINT) or 143 (SIGTERM): 128 + the signal's number, what
  a shell reports for a process a signal ended, so a CI step or a script sees the cancel
  (click's own Ctrl-C handling says "Aborted!" and exits 1);
- a second signal stops at once (``os._exit``: no thread is waited for, no traceback),
  after one line naming the orgs whose lock is left to expire and the writes in flight.

``GRACE_S`` plus the hand-back (3 s + at most 3 s) stays under GitHub's 7.5 s before its
SIGTERM and under the 10 s of the others, with room for the report to be printed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dashgen.grafana.deadline import Deadline

GRACE_S = 3.0  # how long the requests in flight at an interrupt may take to answer
SIGNALS = (signal.SIGINT, signal.SIGTERM)
_NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


def first_line(signum: int) -> str:
    """What the first signal prints at once: which one came, and what a second one does."""
    again = "Ctrl-C again" if signum == signal.SIGINT else "a second signal"
    name = _NAMES.get(signum) or signal.Signals(signum).name
    return f"interrupted ({name}): finishing the requests in flight ({again} to stop now)"


class Interrupt:
    """The signals received while a command talked to Grafana (none: ``signum`` None)."""

    def __init__(self, deadline: Deadline | None) -> None:
        self.deadline = deadline
        self.signum: int | None = None

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number (130 for SIGINT, 143 for SIGTERM); None: not interrupted."""
        return None if self.signum is None else 128 + self.signum

    @property
    def name(self) -> str | None:
        """``SIGINT`` / ``SIGTERM`` (for --output json); None: not interrupted."""
        return None if self.signum is None else signal.Signals(self.signum).name

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            self.stop_now(signum)
            return
        self.signum = signum
        _say(first_line(signum), after_echo=signum == signal.SIGINT)
        if self.deadline is not None:
            self.deadline.interrupt(_NAMES.get(signum, "signal"), _grace())

    def stop_now(self, signum: int) -> None:
        """The second signal: one line, then the process ends (nothing more is waited for)."""
        deadline = self.deadline
        line = "interrupted again: stopped now"
        if deadline is not None:
            from dashgen.publish.lock import STALE_AFTER_S

            locks = sorted(deadline.locks_held)
            writes = sorted(deadline.writes_in_flight)
            if locks:
                line += (
                    f"; the publish lock of org {', '.join(locks)} is left to expire "
                    f"({STALE_AFTER_S:.0f} s after its last renewal)"
                )
            if writes:
                line += f"; sent with no answer yet (unknown, check Grafana): {', '.join(writes)}"
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, RuntimeError):
                pass  # a closed pipe, or the main thread was flushing it
        _say(line, after_echo=signum == signal.SIGINT)
        os._exit(128 + signum)


def _grace() -> float:
    """``GRACE_S``; the test seam ``DASHGEN_TEST_FAULT=interrupt-grace=SECONDS`` (tests
    only: a second signal that must come while a request is still in flight)."""
    for item in os.environ.get("DASHGEN_TEST_FAULT", "").split(","):
        where, _, value = item.strip().partition("=")
        if where == "interrupt-grace":
            try:
                return float(value)
            except ValueError:
                break
    return GRACE_S


def _say(line: str, *, after_echo: bool = False) -> None:
    """One line to stderr now, even from a signal handler that interrupted a write; on a
    terminal after Ctrl-C, on a line of its own (not after the "^C" it echoed)."""
    if after_echo and _is_tty():
        line = f"\n{line}"
    try:
        click.echo(line, err=True)
        sys.stderr.flush()
    except (OSError, ValueError, RuntimeError):  # (RuntimeError: a reentrant write)
        try:
            os.write(2, f"{line}\n".encode())
        except OSError:
            pass


def _is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def interruptible(deadline: Deadline | None) -> Iterator[Interrupt]:
    """SIGINT and SIGTERM handled as this module says while the block runs (in the main
    thread only: signals are delivered there); the previous handlers come back after."""
    interrupt = Interrupt(deadline)
    if threading.current_thread() is not threading.main_thread():
        yield interrupt
        return
    previous = {number: signal.signal(number, interrupt.handle) for number in SIGNALS}
    try:
        yield interrupt
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)

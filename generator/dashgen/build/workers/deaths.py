"""What the build says about a source whose worker process ended before it answered.

The evidence is the worker's stack file (``dashgen.build.workers.serve`` writes it: the
watchdog's dump at the time limit, ``os._exit(status)`` and the caller's stack, a fatal
signal's dump) and the process's exit code. The line named is the innermost frame in the
project's own code, in the thread that ran the source.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

from dashgen.build.workers.serve import EXIT_MARK, TIMEOUT_MARK
from dashgen.model.validate import ERROR, Problem
from dashgen.sources import Source, relative_name
from dashgen.sources.pyimport import is_project_file

_FRAME = re.compile(r'^\s*File "(?P<file>.+)", line (?P<line>\d+) in ', re.M)
_THREAD = re.compile(r"^(?=(?:Current thread|Thread) 0x)", re.M)


def death_problem(
    source: Source, timeout_s: float, code: int | None, stack: str, root: Path
) -> Problem:
    """Why the worker compiling ``source`` ended (exit ``code``, negative: a signal)."""
    location = _stack_location(stack, root)
    if stack.startswith(TIMEOUT_MARK):
        return timeout_problem(source, timeout_s, location, root)
    if stack.startswith(EXIT_MARK):
        call = stack.splitlines()[0]
        what = (
            f"called {call}, which ends the process that compiles it, so it yielded no "
            "dashboard: let the module finish (raise an exception to fail on purpose)"
        )
    elif code is not None and code < 0:
        what = _signal_text(-code)
    else:
        what = (
            f"ended the process that compiles it (exit status {code}) before it finished, "
            "so it yielded no dashboard"
        )
    return _located(what, source.rel, location, root)


def timeout_problem(
    source: Source, timeout_s: float, location: tuple[Path, int] | None, root: Path
) -> Problem:
    limit = f"{timeout_s:g}"
    what = (
        f"still running after {limit} s, the limit for one source, so it was stopped (an "
        "endless loop, or waiting for something that never answers?); if it needs longer, "
        f"raise [build] source_timeout_s (now {limit}) in dashgen.toml"
    )
    return _located(what, source.rel, location, root)


def _located(what: str, source_rel: str, location: tuple[Path, int] | None, root: Path) -> Problem:
    if location is None:
        return Problem(ERROR, what, Path(source_rel))
    path, line = location
    where = relative_name(path, root.resolve())
    if where != source_rel:
        what += f" (while loading {source_rel})"
    return Problem(ERROR, what, Path(where), line)


def _signal_text(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    if number == signal.SIGKILL:
        cause = "it killed itself, or the system ran out of memory"
    elif number in (signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT):
        cause = "a crash, in a C extension or os.abort()"
    else:
        cause = "sent by the source itself or by another program"
    return f"the process compiling it was ended by {name} ({cause}), so it yielded no dashboard"


def _stack_location(stack: str, root: Path) -> tuple[Path, int] | None:
    """The innermost frame in the project's own code, in the thread that ran the source."""
    if not stack:
        return None
    blocks = _THREAD.split(stack)
    main = next((b for b in blocks if "serve.py" in b), blocks[-1])
    resolved_root = root.resolve()
    for match in _FRAME.finditer(main):  # most recent call first
        path = Path(match["file"])
        if path.is_absolute() and is_project_file(path.resolve(), resolved_root):
            return path.resolve(), int(match["line"])
    return None

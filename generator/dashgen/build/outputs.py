"""Small file helpers for the output folder, and the test seam of the build's commit.

The commit itself (stage, journal, swap, recover) is ``dashgen.build.commit``.

``DASHGEN_TEST_FAULT`` is a fault-injection seam for tests (never for users): a
comma-separated list of ``STEP[:N]=ACTION``. STEP is a commit step (``stage``,
``journal``, ``swap``, ``finish``, ``cleanup``), N the index of the file within that step
(default 0). ACTION ``pause`` prints ``dashgen-test: paused at STEP:N`` to stderr and waits
there until the process is killed (Ctrl-C / SIGTERM end the wait, so the commit carries on
as it would have); ``enospc``, ``eacces``, ``erofs`` and ``eio`` make that step fail as a
full disk, a permission problem, a read-only file system or an I/O error would.
"""

from __future__ import annotations

import errno
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

FAULT_ENV = "DASHGEN_TEST_FAULT"
_ERRORS = {"enospc": errno.ENOSPC, "eacces": errno.EACCES, "erofs": errno.EROFS, "eio": errno.EIO}


def output_path(output_dir: str, org: str, uid: str) -> str:
    """Where the dashboard ``uid`` built for ``org`` lives (a str: called once per output)."""
    return os.path.join(output_dir, org, f"{uid}.json")


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename == str(temporary):
            # name the file being written, not the temporary name nobody asked for
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise


def json_files_in(output_dir: str, orgs: set[str]) -> set[str]:
    """The ``*.json`` files directly inside each org folder."""
    found: set[str] = set()
    for org in orgs:
        try:
            with os.scandir(os.path.join(output_dir, org)) as entries:
                found.update(e.path for e in entries if e.name.endswith(".json"))
        except (FileNotFoundError, NotADirectoryError):
            continue
    return found


def read_bytes(path: Path | str) -> bytes | None:
    """The file's bytes, or None when it does not exist (or cannot be read: permissions,
    a symlink loop, a socket ...)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def inside_any(folders: set[str], paths: list[str]) -> bool:
    """Whether one of ``paths`` is inside (below) one of ``folders`` (absolute paths)."""
    for path in paths:
        parent = os.path.dirname(path)
        while parent and parent != os.path.dirname(parent):
            if parent in folders:
                return True
            parent = os.path.dirname(parent)
    return False


# -- the test seam ----------------------------------------------------------------------


def fault_point(step: str, index: int, path: str, interrupted: Callable[[], bool]) -> None:
    """Where ``DASHGEN_TEST_FAULT`` may pause the commit or make it fail (tests only)."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    for item in spec.split(","):
        where, _, action = item.strip().partition("=")
        name, _, number = where.partition(":")
        if name != step or int(number or 0) != index:
            continue
        if action == "pause":
            sys.stderr.write(f"dashgen-test: paused at {step}:{index}\n")
            sys.stderr.flush()
            while not interrupted():
                time.sleep(0.02)
        elif action in _ERRORS:
            code = _ERRORS[action]
            raise OSError(code, os.strerror(code), path)

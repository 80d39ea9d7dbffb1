"""One build at a time per output folder: an advisory ``flock`` that no crash can leave behind.

The lock is taken on the output folder's parent directory (opened read-only), not on a file
inside the output folder: a build that fails must leave the output folder exactly as it
was, even when it did not exist yet. The kernel drops the lock when the holding process
ends, however it ends (SIGKILL included), so a stale lock cannot exist. Where ``flock`` is
not available (Windows, some network file systems) builds run without it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def output_lock(output_dir: Path) -> Iterator[None]:
    """Hold the build lock of ``output_dir`` (waits while another build holds it)."""
    descriptor = _open_parent(Path(output_dir))
    if descriptor is None:
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:
            pass  # the file system cannot lock: carry on unlocked, as before
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _open_parent(output_dir: Path) -> int | None:
    if fcntl is None:
        return None
    parent = output_dir.absolute().parent
    while not parent.is_dir() and parent != parent.parent:
        parent = parent.parent
    try:
        return os.open(parent, os.O_RDONLY)
    except OSError:
        return None

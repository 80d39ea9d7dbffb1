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

# Descriptors of the locks this process holds. A process forked while one is held (a build's
# worker, kept between builds) would share the lock and keep it after the build ends, so
# the next build would wait forever: every forked child closes its copies at once.
_HELD: set[int] = set()


def _close_held_in_child() -> None:
    for descriptor in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


@contextlib.contextmanager
def output_lock(output_dir: Path) -> Iterator[None]:
    """Hold the build lock of ``output_dir`` (waits while another build holds it)."""
    descriptor = _open_parent(Path(output_dir))
    if descriptor is None:
        yield
        return
    _HELD.add(descriptor)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:
            pass  # the file system cannot lock: carry on unlocked, as before
        yield
    finally:
        _HELD.discard(descriptor)
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

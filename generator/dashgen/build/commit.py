"""Commit a build into the output folder as one unit, whatever interrupts it.

A ``Commit`` collects the files a build writes (outputs, manifest, caches) and the files it
deletes, then:

1. **stage**: writes every new file into ``<output>/.staging-<32 hex>/`` (nothing visible
   changes; a failure or a kill here leaves the output folder as it was);
2. **journal**: renames the list of moves and deletions into ``<output>/.dashgen-commit.json``
   (one atomic rename: the commit point);
3. **swap**: moves each old file aside into the staging folder, each new one into place,
   and each deleted one aside too; Ctrl-C and SIGTERM wait until the swap is done;
4. **finish**: removes the journal, then the staging folder.

If a step before the commit point fails, the staging folder is removed. If the swap fails
(a full disk, a permission problem), every move is undone in reverse, so the output folder
is again exactly as it was. If the process is killed after the commit point, the journal
stays: the next build (or ``read_manifest``) completes the swap before it reads anything,
so readers through dashgen only ever see the old build or the new one, and the build cache
always describes the outputs that are there. Leftover staging folders and temporary files
of our own kind (``.staging-<32 hex>``, ``.<name>.<32 hex>.tmp``) are removed by the next
good build; nothing else in the output folder is ever removed.

Files are not fsync'ed: this protects against interrupted processes, not power loss.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from dashgen.build.outputs import fault_point

if TYPE_CHECKING:
    from dashgen.build.early import EarlyStaging

JOURNAL_NAME = ".dashgen-commit.json"
STAGING_PREFIX = ".staging-"
JOURNAL_FORMAT = 1
_STAGING = re.compile(r"\.staging-[0-9a-f]{32}")
_TEMPORARY = re.compile(r"\..+\.[0-9a-f]{32}\.tmp")
_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


Late = Callable[[dict[str, tuple[int, int]]], dict[str, bytes]]
Flag = Callable[[], bool]


def _never() -> bool:
    return False


class CommitError(Exception):
    """The commit could not be made; the output folder is as it was. ``path`` failed."""

    def __init__(self, error: OSError, path: str, swapped: bool) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error
        self.path = path
        self.swapped = swapped  # failed while swapping (then rolled back)


@dataclass
class Commit:
    """What one build changes in ``output_dir`` (paths relative to it, ``/``-separated)."""

    output_dir: Path
    writes: dict[str, bytes | None] = field(default_factory=dict)
    deletions: list[str] = field(default_factory=list)
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)  # written: (size, mtime_ns)
    early: EarlyStaging | None = None  # outputs already staged while the build compiled

    def write(self, relative: str, data: bytes | None) -> None:
        """``data`` None: the file staged early for ``relative`` (``early.take``)."""
        self.writes[relative] = data

    def delete(self, relative: str) -> None:
        self.deletions.append(relative)

    @property
    def empty(self) -> bool:
        return not self.writes and not self.deletions

    def apply(self, late: Late | None = None) -> None:
        """Stage, journal, swap, finish; raises ``CommitError`` with everything undone.

        ``late`` is called once the writes are staged, with their ``stats``; the files it
        returns are staged after them (the build cache records the outputs' stats)."""
        extra: dict[str, bytes] | None = None
        if not self.writes and late is not None:
            extra, late = late({}), None
        if self.empty and not extra:
            return
        with _interruptions() as signals:
            self._apply(extra, late, signals)

    def _apply(self, extra: dict[str, bytes] | None, late: Late | None, signals: _Signals) -> None:
        output = str(self.output_dir)
        early = self.early.path if self.early is not None else None
        created_output = not os.path.isdir(output) or bool(self.early and self.early.created_output)
        staging = early or os.path.join(output, f"{STAGING_PREFIX}{uuid.uuid4().hex}")
        current = output
        try:
            os.makedirs(output, exist_ok=True)
            current = staging
            if early is None:
                os.mkdir(staging)
            moves = self._stage(staging, self.writes)
            if late is not None:
                extra = late(self.stats)
            moves += self._stage(staging, extra or {}, first=len(moves))
            current = os.path.join(output, JOURNAL_NAME)
            self._write_journal(staging, moves)
        except OSError as error:
            remove_tree(staging)
            if created_output:
                remove_empty(output)
            failed = str(getattr(error, "filename", None) or current)
            raise CommitError(
                error, output if failed.startswith(staging) else failed, False
            ) from None
        except BaseException:
            remove_tree(staging)
            if created_output:
                remove_empty(output)
            raise
        signals.deferring = True  # past the commit point: finish before any signal is acted on
        self._swap(staging, moves, created_output, signals.received)
        _finish(output, staging, signals.received)

    # -- steps ------------------------------------------------------------------------------

    def _stage(
        self, staging: str, files: Mapping[str, bytes | None], first: int = 0
    ) -> list[list[str]]:
        moves: list[list[str]] = []
        for index, (relative, data) in enumerate(files.items(), start=first):
            name = self.early.take(relative, data) if self.early is not None else None
            staged = os.path.join(staging, name or f"{index}.new")
            try:
                fault_point("stage", index, staged, _never)
                if name is None:
                    if data is None:  # staged early, then lost: never an empty output
                        raise FileNotFoundError(errno.ENOENT, "staged output missing", staged)
                    with open(staged, "wb") as handle:
                        handle.write(data)
            except OSError as error:
                error.filename = os.path.join(str(self.output_dir), relative)  # what it was for
                raise
            status = os.stat(staged)
            self.stats[relative] = (status.st_size, status.st_mtime_ns)
            moves.append([name or f"{index}.new", relative])
        return moves

    def _write_journal(self, staging: str, moves: list[list[str]]) -> None:
        document = {
            "format": JOURNAL_FORMAT,
            "staging": os.path.basename(staging),
            "moves": moves,
            "deletions": self.deletions,
        }
        temporary = os.path.join(staging, "journal")
        fault_point("journal", 0, temporary, _never)
        with open(temporary, "wb") as handle:
            handle.write(orjson.dumps(document))
        os.replace(temporary, os.path.join(str(self.output_dir), JOURNAL_NAME))

    def _swap(
        self, staging: str, moves: list[list[str]], created_output: bool, interrupted: Flag
    ) -> None:
        """Old files aside, new ones in; on a failure every move is undone in reverse."""
        output = str(self.output_dir)
        done: list[tuple[str, str, str | None]] = []  # (target, staged, backup)
        made_dirs: list[str] = []
        steps = [(staged, target) for staged, target in moves]
        steps += [(None, target) for target in self.deletions]
        current = output
        try:
            for index, (staged_name, relative) in enumerate(steps):
                target = current = os.path.join(output, relative)
                fault_point("swap", index, target, interrupted)
                backup: str | None = os.path.join(staging, f"{index}.old")
                try:
                    os.rename(target, backup)
                except FileNotFoundError:
                    backup = None
                staged = os.path.join(staging, staged_name) if staged_name else ""
                done.append((target, staged, backup))
                if staged:
                    made_dirs += _make_parents(output, os.path.dirname(target))
                    os.rename(staged, target)
            fault_point("finish", 0, output, interrupted)
        except OSError as error:
            _roll_back(done, made_dirs)
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(output, JOURNAL_NAME))
            remove_tree(staging)
            if created_output:
                remove_empty(output)
            raise CommitError(error, getattr(error, "filename", None) or current, True) from None


# -- recovery and cleanup -------------------------------------------------------------------


def has_pending_commit(output_dir: Path) -> bool:
    return os.path.isfile(os.path.join(str(output_dir), JOURNAL_NAME))


def complete_pending_commit(output_dir: Path) -> bool:
    """Finish a commit that a killed build left half-way (the caller holds the build lock).

    Rolls forward: every staged file still in the staging folder is moved into place and
    every deletion done. True when there was one. Raises ``CommitError`` if it cannot.
    """
    output = str(output_dir)
    journal = os.path.join(output, JOURNAL_NAME)
    try:
        with open(journal, "rb") as handle:
            document: dict[str, Any] = orjson.loads(handle.read())
    except (FileNotFoundError, NotADirectoryError):
        return False
    except orjson.JSONDecodeError:
        document = {}  # a journal is renamed into place whole, so this one is no journal
    except OSError as error:
        raise CommitError(error, journal, True) from None
    staging_name = str(document.get("staging") or "") if isinstance(document, dict) else ""
    if document.get("format") != JOURNAL_FORMAT or not _STAGING.fullmatch(staging_name):
        with contextlib.suppress(OSError):
            os.unlink(journal)
        return False
    staging = os.path.join(output, staging_name)
    current = journal
    try:
        for staged_name, relative in document.get("moves") or []:
            staged = os.path.join(staging, str(staged_name))
            target = os.path.join(output, str(relative))
            current = target
            if os.path.lexists(staged):
                _make_parents(output, os.path.dirname(target))
                os.replace(staged, target)
        for relative in document.get("deletions") or []:
            target = os.path.join(output, str(relative))
            current = target
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
    except OSError as error:
        raise CommitError(error, current, True) from None
    _finish(output, staging)
    return True


def remove_leftovers(output_dir: Path) -> list[str]:
    """Remove the staging folders and temporary files of our own kind that killed builds
    left: ``.staging-<32 hex>`` in the output folder, ``.<name>.<32 hex>.tmp`` there, in its
    org folders and in ``.cache/jinja``. Nothing else. Returns what was removed."""
    output = str(output_dir)
    removed: list[str] = []
    folders = [""]
    try:
        with os.scandir(output) as entries:
            for entry in entries:
                if _STAGING.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                    remove_tree(entry.path)
                    removed.append(entry.name)
                elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
    except OSError:
        return removed
    folders.append(os.path.join(".cache", "jinja"))
    for folder in folders:
        try:
            with os.scandir(os.path.join(output, folder)) as entries:
                doomed = [
                    e
                    for e in entries
                    if _TEMPORARY.fullmatch(e.name) and e.is_file(follow_symlinks=False)
                ]
        except OSError:
            continue
        for entry in doomed:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(os.path.join(folder, entry.name))
    return removed


# -- helpers --------------------------------------------------------------------------------


def _finish(output: str, staging: str, interrupted: Flag = _never) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(output, JOURNAL_NAME))
    fault_point("cleanup", 0, staging, interrupted)
    remove_tree(staging)


def _roll_back(done: list[tuple[str, str, str | None]], made_dirs: list[str]) -> None:
    for target, staged, backup in reversed(done):
        with contextlib.suppress(OSError):
            if staged and os.path.lexists(target) and not os.path.lexists(staged):
                os.rename(target, staged)
            if backup is not None:
                os.rename(backup, target)
    for directory in reversed(made_dirs):
        remove_empty(directory)


def _make_parents(output: str, directory: str) -> list[str]:
    """Create ``directory`` (inside ``output``) and missing parents; the ones created."""
    made: list[str] = []
    while directory != output and not os.path.isdir(directory):
        made.append(directory)
        directory = os.path.dirname(directory)
    for path in reversed(made):
        os.mkdir(path)
    return list(reversed(made))


def remove_tree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def remove_empty(directory: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(directory)


class _Signalled(BaseException):
    """A signal whose default action ends the process, before the commit point: unwind
    first (removing the staging folder), then die of it."""


@dataclass
class _Signals:
    previous: dict[int, Any] = field(default_factory=dict)
    deferring: bool = False
    signals: list[int] = field(default_factory=list)

    def received(self) -> bool:
        return bool(self.signals)

    def handle(self, signum: int, frame: Any) -> None:
        if self.deferring:
            self.signals.append(signum)
            return
        previous = self.previous.get(signum)
        if callable(previous):  # Python's Ctrl-C handler raises KeyboardInterrupt; watch's
            previous(signum, frame)  # first Ctrl-C only asks to stop after this build
        elif previous != signal.SIG_IGN:
            raise _Signalled(signum)


@contextlib.contextmanager
def _interruptions() -> Iterator[_Signals]:
    """Ctrl-C and SIGTERM during a commit: before the commit point they act as they would
    have (abandoning the commit cleanly); after it (``deferring``) they wait until the swap
    is complete, then act."""
    state = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield state  # signals are only delivered to the main thread
        return
    state.previous = {number: signal.getsignal(number) for number in _HANDLED_SIGNALS}
    for number in _HANDLED_SIGNALS:
        signal.signal(number, state.handle)
    pending = []
    try:
        yield state
    except _Signalled as stop:
        pending.append(stop.args[0])
    finally:
        for number, handler in state.previous.items():
            signal.signal(number, handler)
    for number in [*pending, *state.signals]:
        handler = state.previous[number]
        if callable(handler):
            handler(number, None)
        elif handler != signal.SIG_IGN:
            signal.raise_signal(number)

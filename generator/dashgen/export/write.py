"""The folder an export owns: its marker, atomic writes, and removing only what it wrote.

``<to>/.dashgen-export`` marks the folder as dashgen's and lists every file the last
export wrote (no extension, so neither gcx nor Git Sync reads it as a resource). An
export goes only into a folder that is new, empty or marked; it removes a file only when
the marker lists it and the new export no longer has it, so a file someone else put there
is never deleted (nor overwritten: one in the way of an export is an error). The marker
is first rewritten to list the old and the new files, and to list only the new ones once
the stale files are gone, so an export interrupted at any point leaves every file it
wrote listed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import orjson

from dashgen.build.outputs import read_bytes, write_atomically
from dashgen.errors import ExportError, UsageError
from dashgen.model.normalize import dumps

MARKER = ".dashgen-export"
MARKER_FORMAT = 1


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def owned_files(to: Path, shown: str) -> set[str] | None:
    """The files the marker lists; None when ``to`` is no export's folder (missing, or
    empty but for dot entries, is fine: an export may start there). Raises ``UsageError``
    for a folder that holds something without a marker, or a marker dashgen cannot read."""
    if to.exists() and not to.is_dir():
        raise UsageError(f"--to {shown} is a file, not a folder: name a folder to export into")
    text = read_bytes(to / MARKER)
    if text is None:
        # dot entries (.git, .gitkeep) do not count: a fresh repository is a fine start
        if to.is_dir() and any(not entry.name.startswith(".") for entry in to.iterdir()):
            raise UsageError(
                f"--to {shown} is not empty and was not written by dashgen export (it has no "
                f"{MARKER} file): export into a new or empty folder, so that no file of "
                "someone else's is overwritten or removed"
            )
        return None
    try:
        marker = orjson.loads(text)
        files = marker["files"]
        if marker.get("format") != MARKER_FORMAT or not isinstance(files, list):
            raise ValueError("unknown layout")
        return {_relative(path) for path in files}
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise UsageError(
            f"{shown}/{MARKER}: not a marker dashgen export can read ({error}); remove the "
            "folder (or restore the file) and export again"
        ) from None


def foreign_in_the_way(to: Path, paths: Iterable[str], owned: set[str] | None) -> list[str]:
    """Planned paths that exist on disk but are not the export's own, and files (or links)
    where a planned file's directory must be (a Git Sync folder's)."""
    mine = owned or set()
    found: dict[str, None] = {}
    for path in paths:
        if path not in mine and os.path.lexists(to / path):
            found[path] = None
        for parent in PurePosixPath(path).parents:
            name = parent.as_posix()
            if name != "." and name not in mine and _not_a_directory(to / name):
                found[name] = None
    return list(found)


def _not_a_directory(path: Path) -> bool:
    return os.path.lexists(path) and (path.is_symlink() or not path.is_dir())


def write_files(to: Path, files: dict[str, bytes], owned: set[str] | None) -> WriteReport:
    """Write ``files`` (those whose bytes differ), then remove the stale owned files."""
    report = WriteReport()
    old = owned or set()
    new = set(files)
    _write_marker(to, old | new)
    for path, data in files.items():
        target = to / path
        if read_bytes(target) == data:
            report.unchanged.append(path)
            continue
        _guarded(target, lambda t=target, d=data: write_atomically(t, d))
        report.written.append(path)
    for path in sorted(old - new):
        target = to / path
        if not os.path.lexists(target) or target.is_dir():
            continue
        _guarded(target, target.unlink)
        report.removed.append(path)
        _remove_empty_parents(to, target.parent)
    _write_marker(to, new)
    return report


def stale_files(to: Path, files: dict[str, bytes], owned: set[str] | None) -> list[str]:
    """Owned files on disk the export would remove."""
    return sorted(
        path
        for path in (owned or set()) - set(files)
        if os.path.lexists(to / path) and not (to / path).is_dir()
    )


def marker_bytes(files: Iterable[str]) -> bytes:
    return dumps(
        {"format": MARKER_FORMAT, "written_by": "dashgen export", "files": sorted(files)}
    ).encode()


def _write_marker(to: Path, files: set[str]) -> None:
    data = marker_bytes(files)
    target = to / MARKER
    if read_bytes(target) != data:
        _guarded(target, lambda: write_atomically(target, data))


def _remove_empty_parents(to: Path, directory: Path) -> None:
    """Folders the export emptied go too (a removed Git Sync folder), never ``to``."""
    while directory != to and to in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return  # not empty (someone else's file), or gone
        directory = directory.parent


def _relative(path: object) -> str:
    """A marker entry, refused unless it stays inside the folder."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"entry {path!r} is not a relative path")
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or pure.as_posix() != path:
        raise ValueError(f"entry {path!r} is not a path inside the folder")
    return path


def _guarded(target: Path, action: Callable[[], object]) -> None:
    try:
        action()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ExportError(
            f"{target}: cannot write the export ({reason}); files written before it stay, "
            "run dashgen export again once that is fixed"
        ) from None

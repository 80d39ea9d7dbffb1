"""Writing into the output folder without ever leaving a half-written file behind."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path


def output_path(output_dir: str, org: str, uid: str) -> str:
    """Where the dashboard ``uid`` built for ``org`` lives (a str: called once per output)."""
    return os.path.join(output_dir, org, f"{uid}.json")


def write_staged(output_dir: Path, files: Mapping[str, str]) -> None:
    """Write every file into one staging folder inside ``output_dir``, then rename each
    into place, so a reader sees either the old or the new bytes of each file."""
    if not files:
        return
    staging = output_dir / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        staged = []
        for index, (target, text) in enumerate(files.items()):
            temporary = staging / f"{index}.json"
            temporary.write_bytes(text.encode())
            staged.append((temporary, target))
        for temporary, target in staged:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(temporary, target)
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


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

"""Cache entries packed into a few files of the output folder, not one file each.

Creating a file is the dearest thing a cold build does per entry on some file systems
(ext4 without a journal scans past every recently deleted inode to allocate a new one: a
fraction of a millisecond each, the cost of compiling a small template), and a cache of
compiled templates has one entry per template. So entries are grouped into ``SHARDS``
pack files by the first hex digit of their key: a cold build creates at most that many
files, and an edit rewrites one pack, a sixteenth of the cache.

A loader names an entry ``member(pack_dir, key)`` in the build's ``CACHE_FILES``; when the
build succeeds, ``files_to_write`` turns the entries into whole packs, merged onto the
packs on disk, which the build commits with its outputs. ``PackReader`` reads them back.
A pack that cannot be read or parsed counts as empty: it is a cache.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from pathlib import Path

SHARDS = 16
SEPARATOR = "#"  # pack file name, then the entry's key
_MAGIC = b"dashgen-pack 1\n"
_HEADER = struct.Struct("<HI")  # an entry: key length, data length; then key, data


def member(pack_dir: Path | str, key: str) -> str:
    """The ``CACHE_FILES`` name of entry ``key`` (hex digits first) under ``pack_dir``."""
    return f"{pack_path(pack_dir, key)}{SEPARATOR}{key}"


def pack_path(pack_dir: Path | str, key: str) -> str:
    """The pack file (relative to the output folder) that holds entry ``key``."""
    first = key[:1].lower()
    shard = int(first, 16) % SHARDS if first and first in "0123456789abcdef" else 0
    return str(Path(pack_dir) / f"{shard:x}.pack")


def files_to_write(output_dir: Path, cache_files: Mapping[str, bytes]) -> dict[str, bytes]:
    """``cache_files`` as the files to commit: plain files as they are, entries as the
    packs that hold them (the pack on disk, updated with them)."""
    files: dict[str, bytes] = {}
    packs: dict[str, dict[str, bytes]] = {}
    for name, data in cache_files.items():
        pack, separator, key = name.partition(SEPARATOR)
        if separator:
            packs.setdefault(pack, {})[key] = data
        else:
            files[name] = data
    for pack, entries in sorted(packs.items()):
        merged = read_pack(output_dir / pack)
        if all(merged.get(key) == data for key, data in entries.items()):
            continue  # already on disk as it is
        merged.update(entries)
        files[pack] = pack_bytes(merged)
    return files


def pack_bytes(entries: Mapping[str, bytes]) -> bytes:
    parts = [_MAGIC]
    for key in sorted(entries):
        name, data = key.encode(), entries[key]
        parts += [_HEADER.pack(len(name), len(data)), name, data]
    return b"".join(parts)


def read_pack(path: Path) -> dict[str, bytes]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(_MAGIC):
        return {}
    entries: dict[str, bytes] = {}
    position, end = len(_MAGIC), len(data)
    while position < end:
        if position + _HEADER.size > end:
            return {}  # cut short: not a pack this build wrote
        name_size, data_size = _HEADER.unpack_from(data, position)
        position += _HEADER.size
        stop = position + name_size + data_size
        if stop > end:
            return {}
        name = data[position : position + name_size].decode("ascii", errors="replace")
        entries[name] = data[position + name_size : stop]
        position = stop
    return entries


class PackReader:
    """The entries of the packs under one folder, each pack read once, when first asked."""

    def __init__(self, output_dir: Path, pack_dir: Path | str) -> None:
        self.output_dir = output_dir
        self.pack_dir = pack_dir
        self._packs: dict[str, dict[str, bytes]] = {}

    def get(self, key: str) -> bytes | None:
        pack = pack_path(self.pack_dir, key)
        entries = self._packs.get(pack)
        if entries is None:
            entries = self._packs[pack] = read_pack(self.output_dir / pack)
        return entries.get(key)

"""What incremental builds remember: per (org, source), its hash, dependencies and outputs.

Persisted as ``<output>/.dashgen-cache.json`` so a fresh process can skip unchanged
sources too. The cache is keyed by everything that applies to every source (config file
bytes, ``--var`` and ``--input`` values, the legacy-rows switch, dashgen's version): when
that key changes, nothing is trusted.

The hash of a source or dependency file is remembered with the file's identity (device,
inode, size, mtime, ctime), so that a no-op build reads none of them: any write, rename or
``touch`` changes the ctime, which no program can set back. A file whose ctime is less than
``SETTLED_NS`` before its stat was taken is not remembered (hashed again next time): a
write later in the same tick of the file system's clock could leave every field as it was.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from dashgen import __version__
from dashgen.build.compiled import CompiledDashboard, CompiledSource
from dashgen.build.outputs import read_bytes
from dashgen.model.validate import WARNING, Problem

CACHE_NAME = ".dashgen-cache.json"
CACHE_FORMAT = 5
SETTLED_NS = 2_000_000_000  # wider than any file-time tick, with room for a skewed clock

Key = tuple[str, str]  # (org, source path relative to the project root)
Identity = tuple[int, int, int, int, int]  # st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns


@dataclass
class SourceRecord:
    """What one (org, source) produced in the last successful build, and what it read."""

    source_hash: str
    dependencies: dict[str, str]  # absolute path → sha256 of its bytes ("" = missing)
    dashboards: list[CompiledDashboard]
    warnings: list[Problem]
    # uid -> (size, mtime_ns) of its output file as written: a cheap check that the file is
    # still what the record describes (when it is not, its bytes are hashed to be sure).
    output_stats: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Records rarely change once made, so their JSON form is made once (saves are frequent);
    # ``restat`` drops it.
    document: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_compiled(cls, compiled: CompiledSource) -> SourceRecord:
        for dashboard in compiled.dashboards:
            dashboard.content = None
        warnings = [p for p in compiled.problems if p.severity == WARNING]
        return cls(compiled.source_hash, compiled.dependencies, compiled.dashboards, warnings)

    def restat(self, uid: str, stat: tuple[int, int]) -> None:
        self.output_stats[uid] = stat
        self.document = None

    def to_json(self) -> dict[str, Any]:
        if self.document is None:
            self.document = self._document()
        return self.document

    def _document(self) -> dict[str, Any]:
        return {
            "source_hash": self.source_hash,
            "dependencies": self.dependencies,
            "dashboards": [
                [d.uid, d.title, d.content_hash, d.file_hash, d.line, d.schema, d.folder_uid]
                for d in self.dashboards
            ],
            "warnings": [
                [p.message, p.path.as_posix() if p.path else None, p.line] for p in self.warnings
            ],
            "output_stats": {uid: list(stat) for uid, stat in sorted(self.output_stats.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceRecord:
        return cls(
            source_hash=data["source_hash"],
            dependencies=data["dependencies"],
            dashboards=[CompiledDashboard(*fields) for fields in data["dashboards"]],
            warnings=[
                Problem(WARNING, message, Path(path) if path else None, line)
                for message, path, line in data["warnings"]
            ],
            output_stats={uid: (int(a), int(b)) for uid, (a, b) in data["output_stats"].items()},
            document=data,
        )


@dataclass
class BuildCache:
    key: str
    records: dict[Key, SourceRecord] = field(default_factory=dict)
    python_kinds: dict[str, tuple[str, bool]] = field(default_factory=dict)  # rel → (hash, source?)
    files: dict[str, tuple[Identity, str]] = field(default_factory=dict)  # path → identity, hash
    trusted: bool = False  # loaded from a matching cache file, or saved by this process

    @staticmethod
    def compute_key(
        config_file: Path | None,
        extra_vars: Mapping[str, Any],
        *,
        convert_legacy_rows: bool = False,
        input_overrides: Mapping[str, str] | None = None,
    ) -> str:
        digest = hashlib.sha256(f"{CACHE_FORMAT}\0{__version__}\0".encode())
        if config_file is not None:
            digest.update(read_bytes(config_file) or b"")
        digest.update(orjson.dumps(extra_vars, option=orjson.OPT_SORT_KEYS, default=str))
        if convert_legacy_rows:  # off leaves the key as it always was
            digest.update(b"\0convert_legacy_rows")
        if input_overrides:  # none leaves the key as it always was ([inputs] is in the file)
            digest.update(b"\0inputs\0")
            digest.update(orjson.dumps(dict(input_overrides), option=orjson.OPT_SORT_KEYS))
        return digest.hexdigest()

    @classmethod
    def load(cls, output_dir: Path, key: str) -> BuildCache:
        """The cache in ``output_dir`` if it was written under ``key``; else an empty one."""
        data = read_bytes(output_dir / CACHE_NAME)
        if data is None:
            return cls(key)
        try:
            document = orjson.loads(data)
            if document.get("format") != CACHE_FORMAT or document.get("key") != key:
                return cls(key)
            records = {}
            for joined, record in document["records"].items():
                org, _, rel = joined.partition("\0")
                records[(org, rel)] = SourceRecord.from_json(record)
            kinds = {rel: (h, bool(s)) for rel, (h, s) in document["python"].items()}
            files = {
                path: ((int(d), int(i), int(s), int(m), int(c)), str(h))
                for path, (d, i, s, m, c, h) in document["files"].items()
            }
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            return cls(key)
        return cls(key, records, kinds, files, trusted=True)

    def file_hash(self, path: str) -> tuple[str, bool]:
        """The sha256 of the file's bytes ("" when it cannot be read), taken from memory when
        the file's identity is the remembered one; and whether what is remembered changed."""
        looked = time.time_ns()  # before the stat: a later write is stamped at least this late
        try:
            status = os.stat(path)
        except OSError:
            return "", self.files.pop(path, None) is not None
        identity = (
            status.st_dev,
            status.st_ino,
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
        )
        remembered = self.files.get(path)
        if remembered is not None and remembered[0] == identity:
            return remembered[1], False
        data = read_bytes(path)
        if data is None:
            return "", self.files.pop(path, None) is not None
        digest = hashlib.sha256(data).hexdigest()
        if looked - max(status.st_mtime_ns, status.st_ctime_ns) < SETTLED_NS:
            return digest, self.files.pop(path, None) is not None
        self.files[path] = (identity, digest)
        return digest, True

    def keep_files(self, paths: Collection[str]) -> bool:
        """Forget the files not in ``paths`` (a full build's); whether any was forgotten."""
        gone = [path for path in self.files if path not in paths]
        for path in gone:
            del self.files[path]
        return bool(gone)

    def records_after(
        self, replaced: set[Key], compiled: Mapping[Key, CompiledSource]
    ) -> dict[Key, SourceRecord]:
        """The records once a build is in: ``replaced`` keys that were not compiled are gone,
        compiled ones are new (an output that was not rewritten keeps the stat it had)."""
        records = dict(self.records)
        for key in replaced - compiled.keys():
            records.pop(key, None)
        for key, outcome in compiled.items():
            previous = self.records.get(key)
            record = SourceRecord.from_compiled(outcome)
            if previous is not None:
                kept = {d.uid: d.file_hash for d in previous.dashboards}
                for dashboard in record.dashboards:
                    stat = previous.output_stats.get(dashboard.uid)
                    if stat is not None and kept.get(dashboard.uid) == dashboard.file_hash:
                        record.output_stats[dashboard.uid] = stat
            records[key] = record
        return records

    def to_bytes(self, records: Mapping[Key, SourceRecord] | None = None) -> bytes:
        """The cache file's bytes for ``records`` (default: this cache's), in a stable order."""
        chosen = self.records if records is None else records
        document = {
            "format": CACHE_FORMAT,
            "key": self.key,
            "records": {
                f"{org}\0{rel}": chosen[(org, rel)].to_json() for org, rel in sorted(chosen)
            },
            "python": {rel: [h, s] for rel, (h, s) in sorted(self.python_kinds.items())},
            "files": {path: [*ident, h] for path, (ident, h) in sorted(self.files.items())},
        }
        return orjson.dumps(document)

"""The datasource references of each build output, kept beside the build between processes.

Finding a dashboard's references means reading and walking its whole output file; every
publish checks every dashboard of the batch (``dashgen.publish.datasources``), so a publish
of an unchanged build would read all of them again in each new process. The references
are a function of the output's content alone, so they are stored under its content hash
(the manifest's) in ``<output>/.dashgen-datasource-refs.json``, together with a digest of the
code that finds them (``dashgen.model.datasource_refs``) and dashgen's version: a file
written by other code, unreadable or of another shape is ignored and written anew. The
file is only ever a shortcut: without it every reference is found as before.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from dashgen import __version__
from dashgen.model import datasource_refs
from dashgen.model.datasource_refs import Location, Reference

FILE_NAME = ".dashgen-datasource-refs.json"
MAX_ENTRIES = 50_000  # content hashes kept (the oldest go first)
_KINDS = frozenset({"uid", "string", "name", "type"})

_lock = threading.Lock()
_code_digest: str | None = None


def code_digest() -> str:
    """Names the code that finds references: a change to it invalidates the stored ones."""
    global _code_digest
    if _code_digest is None:
        source = Path(datasource_refs.__file__).read_bytes()
        _code_digest = f"{__version__}:{hashlib.sha256(source).hexdigest()[:16]}"
    return _code_digest


def load(output_dir: Path) -> dict[str, tuple[Reference, ...]]:
    """What the file holds, by content hash; {} when it is missing, stale or unreadable."""
    try:
        stored = orjson.loads((output_dir / FILE_NAME).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(stored, dict) or stored.get("code") != code_digest():
        return {}
    entries = stored.get("references")
    if not isinstance(entries, dict):
        return {}
    found: dict[str, tuple[Reference, ...]] = {}
    for content_hash, items in entries.items():
        refs = _references(items)
        if refs is None:
            return {}  # not what this code writes: find everything again
        found[content_hash] = refs
    return found


def save(output_dir: Path, entries: Mapping[str, Iterable[Reference]]) -> None:
    """Write ``entries`` (the newest last) atomically; a failure is silent (a shortcut)."""
    kept = list(entries.items())[-MAX_ENTRIES:]
    body = {
        "code": code_digest(),
        "references": {key: [_encoded(ref) for ref in refs] for key, refs in kept},
    }
    with _lock:
        try:
            data = orjson.dumps(body)
            handle, temporary = tempfile.mkstemp(prefix=f"{FILE_NAME}.", dir=output_dir)
        except (OSError, TypeError, orjson.JSONEncodeError):
            return
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, output_dir / FILE_NAME)
        except OSError:
            Path(temporary).unlink(missing_ok=True)


def _encoded(ref: Reference) -> list[Any]:
    where = ref.location
    location = [where.panel_id, where.panel_title, where.detail]
    return [ref.kind, ref.value, ref.type, location, ref.path]


def _references(items: Any) -> tuple[Reference, ...] | None:
    """The references ``_encoded`` wrote, or None for anything else (the whole file is then
    found anew). Checked with plain type tests: a publish reads thousands of them."""
    if type(items) is not list:
        return None
    refs: list[Reference] = []
    append = refs.append
    try:
        for kind, value, of_type, (panel_id, panel_title, detail), path in items:
            if (
                kind not in _KINDS
                or type(value) is not str
                or (of_type is not None and type(of_type) is not str)
                or (panel_title is not None and type(panel_title) is not str)
                or type(detail) is not str
                or type(path) is not list
            ):
                return None
            for key in path:
                if type(key) is not str and type(key) is not int:
                    return None
            location = Location(panel_id=panel_id, panel_title=panel_title, detail=detail)
            append(Reference(kind, value, of_type, location, tuple(path)))
    except (TypeError, ValueError):
        return None
    return tuple(refs)

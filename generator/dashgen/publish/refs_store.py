"""The datasource references of each build output, kept beside the build between processes.

Finding a dashboard's references means reading and walking its whole output file; every
publish checks every dashboard of the batch (``dashgen.publish.datasources``), so a publish
of an unchanged build would read all of them again in each new process. The references
are a function of the output's content alone, so they are stored under its content hash
(the manifest's) in ``<output>/.dashgen-datasource-refs.json``, together with a digest of the
code that finds them (``dashgen.model.datasource_refs``) and dashgen's version: a file
written by other code, unreadable or of another shape is ignored and written anew. The
file is only ever a shortcut: without it every reference is found as before. What it holds
is checked when it is read; the references themselves are made only when asked for
(``References``): the datasource check of a sound dashboard needs only their distinct
``(kind, value, type)``, and making thousands of them cost a new process more than the rest
of the read. Each entry also keeps the ``compact_hash`` of a live dashboard once found to
hold that content (``dashgen.publish.at_hand``), under ``"compact"``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from dashgen import __version__
from dashgen.model import datasource_refs
from dashgen.model.datasource_refs import Location, Reference, references
from dashgen.model.datasource_refs_v2 import references_v2

if TYPE_CHECKING:
    from dashgen.build.manifest import BuiltDashboard

FILE_NAME = ".dashgen-datasource-refs.json"
MAX_ENTRIES = 50_000  # content hashes kept (the oldest go first)
_KINDS = frozenset({"uid", "string", "name", "type"})

_lock = threading.Lock()
_code_digest: str | None = None

Key = tuple[str, str, str | None]  # a reference's (kind, value, type)


class References(Sequence[Reference]):
    """The references of one build output, in document order: from the file (``items``,
    made into ``Reference``s on first use) or found (``found``). ``keys``: the distinct
    (kind, value, type) of them, at hand without making any."""

    __slots__ = ("_found", "_items", "compact", "keys")

    def __init__(self, found: Sequence[Reference] = (), *, items: list[Any] | None = None) -> None:
        self._items = items
        # ``compact_hash`` of a live dashboard found to hold this content (classic: no
        # message or stamp decides), learned by ``dashgen.publish.at_hand``; None: not yet
        self.compact: str | None = None
        self._found: tuple[Reference, ...] | None = None if items is not None else tuple(found)
        if items is not None:
            self.keys: frozenset[Key] = frozenset((item[0], item[1], item[2]) for item in items)
        else:
            self.keys = frozenset((ref.kind, ref.value, ref.type) for ref in found)

    def _all(self) -> tuple[Reference, ...]:
        found = self._found
        if found is None:
            assert self._items is not None
            found = self._found = tuple(_made(item) for item in self._items)
        return found

    def binds_names(self) -> bool:
        return any(key[0] == "name" for key in self.keys)

    def encoded(self) -> list[Any]:
        """As ``save`` writes them."""
        if self._items is not None:
            return self._items
        return [_encoded(ref) for ref in self._all()]

    def __len__(self) -> int:
        return len(self._items) if self._items is not None else len(self._all())

    def __iter__(self) -> Iterator[Reference]:
        return iter(self._all())

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, References):
            return self._all() == other._all()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"References({list(self)!r})"


def code_digest() -> str:
    """Names the code that finds references: a change to it invalidates the stored ones."""
    global _code_digest
    if _code_digest is None:
        source = Path(datasource_refs.__file__).read_bytes()
        _code_digest = f"{__version__}:{hashlib.sha256(source).hexdigest()[:16]}"
    return _code_digest


def load(output_dir: Path) -> dict[str, References]:
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
    compact = stored.get("compact")
    if not isinstance(compact, dict):
        compact = {}
    found: dict[str, References] = {}
    for content_hash, items in entries.items():
        if not _valid(items):
            return {}  # not what this code writes: find everything again
        refs = found[content_hash] = References(items=items)
        learned = compact.get(content_hash)
        refs.compact = learned if type(learned) is str else None
    return found


def save(output_dir: Path, entries: Mapping[str, References]) -> None:
    """Write ``entries`` (the newest last) atomically; a failure is silent (a shortcut)."""
    kept = list(entries.items())[-MAX_ENTRIES:]
    body = {
        "code": code_digest(),
        "references": {key: refs.encoded() for key, refs in kept},
        "compact": {key: refs.compact for key, refs in kept if refs.compact is not None},
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


def _valid(items: Any) -> bool:
    """Whether ``items`` are references as ``_encoded`` wrote them (else the whole file is
    found anew). Checked with plain type tests: a publish reads thousands of them."""
    if type(items) is not list:
        return False
    try:
        for kind, value, of_type, (_, panel_title, detail), path in items:
            if (
                kind not in _KINDS
                or type(value) is not str
                or (of_type is not None and type(of_type) is not str)
                or (panel_title is not None and type(panel_title) is not str)
                or type(detail) is not str
                or type(path) is not list
            ):
                return False
            for key in path:
                if type(key) is not str and type(key) is not int:
                    return False
    except (TypeError, ValueError):
        return False
    return True


def _made(item: list[Any]) -> Reference:
    kind, value, of_type, (panel_id, panel_title, detail), path = item
    location = Location(panel_id=panel_id, panel_title=panel_title, detail=detail)
    return Reference(kind, value, of_type, location, tuple(path))


# -- references per build output, read once per content ------------------------------------

_memory_lock = threading.Lock()
# What each output folder's ``FILE_NAME`` holds (read once per process), and what this
# process found since (watch and repeated batches read each version of a dashboard once);
# written back when a batch found new references.
_stored: dict[Path, dict[str, References]] = {}
# A read of that file started ahead of need (``preload_references``), by output folder.
_pending: dict[Path, Future[dict[str, References]]] = {}


def preload_references(output_dir: Path) -> None:
    """Start reading ``output_dir``'s stored references in a thread of its own, so that the
    read (~10-30 ms of CPU for 200 dashboards) overlaps the org check's round trip instead
    of following it; ``references_by_uid`` takes what it read (the same as reading it then:
    the file is only ever a shortcut, keyed by content). Nothing when already in memory."""
    future: Future[dict[str, References]] = Future()
    with _memory_lock:
        if output_dir in _stored:
            return
        _pending[output_dir] = future

    def read() -> None:
        try:
            future.set_result(load(output_dir))
        except BaseException as error:  # taken by references_by_uid, as if it had read
            future.set_exception(error)

    threading.Thread(target=read, name="dashgen-refs", daemon=True).start()


def forget_preload(output_dir: Path) -> None:
    """Drop a preload of ``output_dir`` nobody took (its publish ended first)."""
    with _memory_lock:
        _pending.pop(output_dir, None)


def _stored_references(output_dir: Path) -> dict[str, References]:
    with _memory_lock:
        stored = _stored.get(output_dir)
        pending = _pending.get(output_dir) if stored is None else None
    if pending is not None:
        try:
            loaded = pending.result()
        finally:
            with _memory_lock:
                if _pending.get(output_dir) is pending:
                    del _pending[output_dir]
        with _memory_lock:
            stored = _stored.setdefault(output_dir, loaded)
    if stored is None:
        with _memory_lock:
            stored = _stored.get(output_dir)
            if stored is None:
                stored = _stored[output_dir] = load(output_dir)
    return stored


def references_by_uid(
    output_dir: Path, dashboards: Sequence[BuiltDashboard]
) -> dict[str, References]:
    """The references of each dashboard, by uid: from memory, from the file beside the
    build, else read from its output file (and stored). The content hash names the
    content. A schema v2 dashboard (rare) is read and walked with
    ``dashgen.model.datasource_refs_v2`` each time: the store holds v1 references."""
    stored = _stored_references(output_dir)
    found: dict[str, References] = {}
    added = False
    for built in dashboards:
        if built.is_v2:
            found[built.uid] = References(references_v2(orjson.loads(built.path.read_bytes())))
            continue
        with _memory_lock:
            refs = stored.get(built.content_hash)
        if refs is None:
            text = built.path.read_bytes()
            refs = References(references(orjson.loads(text), text))
            with _memory_lock:
                stored[built.content_hash] = refs
                while len(stored) > MAX_ENTRIES:
                    del stored[next(iter(stored))]
            added = True
        found[built.uid] = refs
    if added:
        with _memory_lock:
            snapshot = dict(stored)
        save(output_dir, snapshot)
    return found


def stored_entry(output_dir: Path, content_hash: str) -> References | None:
    """The references of ``content_hash`` in memory (``references_by_uid`` put them there)."""
    with _memory_lock:
        return _stored.get(output_dir, {}).get(content_hash)


def save_learned(output_dir: Path) -> None:
    """Write what memory holds for ``output_dir`` (a compact hash was learned)."""
    with _memory_lock:
        snapshot = dict(_stored.get(output_dir, {}))
    if snapshot:
        save(output_dir, snapshot)

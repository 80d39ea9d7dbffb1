"""Importing dashgen with the methods ``@dataclass`` generates compiled once.

dataclasses writes each class's ``__init__``, ``__repr__``, ``__eq__`` (a frozen class's
``__setattr__``, ``__delattr__`` and ``__hash__`` too) as Python text and ``exec``s it while
the class is made: about 270 compilations while ``dashgen publish`` imports, ~14 ms of its
~100 ms of imports (``bench/speed_bench.py``, an unchanged republish). The process entry
points call ``enable()``; the imports made inside ``compiled_once()`` (the CLI, the command's
module) then run code objects kept in a file of the user's cache (``$XDG_CACHE_HOME/dashgen``,
or ``~/.cache/dashgen``), one per Python version, keyed by the exact text dataclasses
compiles: the same text gives the same code, so an entry is never stale; a text not in the
file is compiled as ``exec`` would compile it. Best effort: an unreadable, unwritable or
foreign file is an ordinary import, and so is a file another interpreter wrote (``sys.version``
differs: its bytecode may too). Library callers (tests, ``CliRunner``) never enable it.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import CodeType
from typing import Any

_FORMAT = 1
# A file that grew past this (texts of many dashgen versions) starts again from one run's.
MAX_ENTRIES = 4000


class _CodeCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[str, CodeType] | None = None
        self.compiled: dict[str, CodeType] = {}
        self.depth = 0

    def exec(
        self,
        source: Any,
        globals: dict[str, Any] | None = None,
        locals: Mapping[str, object] | None = None,
    ) -> None:
        """``exec`` as dataclasses calls it, with the code of a known text taken from the file."""
        if isinstance(source, str) and self.known is not None:
            code = self.known.get(source) or self.compiled.get(source)
            if code is None:
                # exec(text) from dataclasses compiles with that module's flags: none
                code = compile(source, "<string>", "exec", dont_inherit=True)
                self.compiled[source] = code
            source = code
        builtins.exec(source, globals, locals)


_cache: _CodeCache | None = None


def cache_file(env: Mapping[str, str] = os.environ) -> Path:
    """Where the code objects are kept (one file per Python version and optimisation level)."""
    cache_home = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    level = f"-O{sys.flags.optimize}" if sys.flags.optimize else ""
    name = f"dataclasses-{sys.implementation.cache_tag}{level}.marshal"
    return Path(cache_home) / "dashgen" / name


def enable(path: Path | None = None) -> None:
    """From now on ``compiled_once()`` uses the file (the process entry points)."""
    global _cache
    if path is None:
        try:
            path = cache_file()
        except RuntimeError:  # no HOME and no home directory: nowhere to keep it
            return
    _cache = _CodeCache(path)


@contextmanager
def compiled_once() -> Iterator[None]:
    """The dataclasses made inside get their methods from the file, once ``enable()``d."""
    cache = _cache
    if cache is None:
        yield
        return
    if cache.depth == 0:
        if cache.known is None:
            cache.known = _read(cache.path)
        dataclasses.exec = cache.exec  # found before the builtin by dataclasses._create_fn
    cache.depth += 1
    try:
        yield
    finally:
        cache.depth -= 1
        if cache.depth == 0:
            del dataclasses.exec
            if cache.compiled:
                entries = {**cache.known, **cache.compiled} if cache.known else cache.compiled
                if len(entries) > MAX_ENTRIES:
                    entries = cache.compiled
                _write(cache.path, entries)
                cache.known = entries
                cache.compiled = {}


def _read(path: Path) -> dict[str, CodeType]:
    try:
        with open(path, "rb") as handle:
            found = marshal.loads(handle.read())  # one read: marshal.load reads in pieces
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if (
        not isinstance(found, tuple)
        or len(found) != 3
        or found[0] != _FORMAT
        or found[1] != sys.version
        or not isinstance(found[2], dict)
    ):
        return {}
    return {
        text: code
        for text, code in found[2].items()
        if isinstance(text, str) and isinstance(code, CodeType)
    }


def _write(path: Path, entries: dict[str, CodeType]) -> None:
    write_marshalled(path, (_FORMAT, sys.version, entries), prefix=".dataclasses-")


def write_marshalled(path: Path, value: Any, *, prefix: str) -> None:
    """``marshal`` ``value`` to ``path`` atomically (concurrent runs each write a whole file,
    the last one stays); a failure is silent: such a file is only ever a shortcut."""
    import tempfile  # only when a text was new

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as handle:
            marshal.dump(value, handle)
        os.replace(temporary, path)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass

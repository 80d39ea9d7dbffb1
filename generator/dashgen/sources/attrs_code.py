"""Importing grafanalib with the methods attrs generates for its classes compiled once.

attrs writes the ``__init__``, ``__eq__``, ``__repr__`` ... of each class as Python text and
compiles it while the class is made: about half of ``import grafanalib.core`` (~400M of its
~770M instructions), which a large build pays before it forks its workers, with the other
cores idle. ``preload_grafanalib`` keeps those code objects in a file of the user's cache
(``$XDG_CACHE_HOME/dashgen``, or ``~/.cache/dashgen``), one per Python version, keyed by
the text and file name attrs compiles: the same text gives the same code, so an entry is
never stale; one that is missing is compiled as attrs would. Best effort: an unreadable,
unwritable or foreign file, or an attrs without the function, is an ordinary import.
"""

from __future__ import annotations
import __future__

import importlib
import importlib.util
import marshal
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import CodeType
from typing import Any

from dashgen.dataclass_code import write_marshalled

_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag
_FORMAT = 1


def cache_file(env: Mapping[str, str] = os.environ) -> Path:
    """Where the code objects are kept (one file per Python version)."""
    cache_home = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "dashgen" / f"attrs-{sys.implementation.cache_tag}.marshal"


def preload_grafanalib() -> None:
    """``import grafanalib.core``, if it is installed."""
    if "grafanalib.core" in sys.modules or importlib.util.find_spec("grafanalib") is None:
        return
    try:
        make: Any = importlib.import_module("attr._make")
        original: Callable[..., None] = make._compile_and_eval
    except (ImportError, AttributeError):
        _import_quietly()
        return
    path = cache_file()
    known = _read(path)
    used: dict[tuple[str, str], CodeType] = {}
    # compile() in attrs inherits the __future__ flags of its module: the same here
    flags = original.__code__.co_flags & _FUTURE_FLAGS

    def compile_and_eval(
        script: str,
        globs: dict[str, Any] | None,
        locs: Mapping[str, object] | None = None,
        filename: str = "",
    ) -> None:
        key = (filename, script)
        code = known.get(key)
        if code is None:
            code = compile(script, filename, "exec", flags=flags, dont_inherit=True)
        used[key] = code
        eval(code, globs, locs)  # attrs' own methods, run as attrs runs them

    make._compile_and_eval = compile_and_eval
    try:
        _import_quietly()
    finally:
        make._compile_and_eval = original
    if used.keys() - known.keys():
        _write(path, used)


def _import_quietly() -> None:
    """A grafanalib that cannot be imported fails each source that imports it, as before."""
    try:
        importlib.import_module("grafanalib.core")
    except ImportError:
        pass


def _read(path: Path) -> dict[tuple[str, str], CodeType]:
    try:
        with open(path, "rb") as handle:
            found = marshal.loads(handle.read())  # one read: marshal.load reads in pieces
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(found, tuple) or len(found) != 2 or found[0] != _FORMAT:
        return {}
    entries = found[1]
    if not isinstance(entries, dict):
        return {}
    return {
        key: code
        for key, code in entries.items()
        if isinstance(key, tuple) and len(key) == 2 and isinstance(code, CodeType)
    }


def _write(path: Path, entries: dict[tuple[str, str], CodeType]) -> None:
    write_marshalled(path, (_FORMAT, entries), prefix=".attrs-")

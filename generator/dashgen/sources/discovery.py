"""Finding sources: walk the sources dir, keep that walk current, select sources per org."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from dashgen.config import Config
from dashgen.sources.kinds import Source, kind_of

# Folders that never hold sources, for discovery and for watch alike. Any folder whose
# name starts with "." (.git, .venv, .idea, ...) is skipped too.
# ("venv": a virtualenv's thousands of .py files are no dashboards.)
SKIPPED_DIR_NAMES = frozenset({"__pycache__", "node_modules", "venv"})


def is_skipped_dir(name: str) -> bool:
    """Whether a folder called ``name`` is never searched for sources (nor watched)."""
    return name in SKIPPED_DIR_NAMES or name.startswith(".")


def discover(config: Config, *, known: dict[str, Source] | None = None) -> list[Source]:
    """Every candidate file under the sources dir, sorted (Python helpers included).

    ``known`` (absolute path → Source) lets a caller that walks the tree on every
    rebuild reuse the objects of the previous walk; new ones are added to it.
    """
    known = {} if known is None else known
    found: list[Source] = []
    sources_dir = str(config.sources_dir)
    if not os.path.isdir(sources_dir):
        return found
    output_dir = str(config.output_dir)
    for directory, dirnames, filenames in os.walk(sources_dir):
        dirnames[:] = [
            d
            for d in dirnames
            if not is_skipped_dir(d) and os.path.join(directory, d) != output_dir
        ]
        for filename in filenames:
            kind = kind_of(filename)
            if kind is None or filename.startswith("."):
                continue
            absolute = os.path.join(directory, filename)
            source = known.get(absolute)
            if source is None:
                source = _new_source(Path(absolute), config, kind)
                known[absolute] = source
            found.append(source)
    found.sort(key=lambda s: s.rel)
    return found


def apply_changes(config: Config, sources: dict[str, Source], changed: Iterable[str]) -> bool:
    """Bring ``sources`` (absolute path → Source, from the last walk) up to date with the
    changed paths without walking the tree; False when only a new walk can tell (a
    directory was added, moved or deleted)."""
    prefix = os.path.join(str(config.sources_dir), "")
    for path in changed:
        if path in sources:
            if not os.path.isfile(path):
                del sources[path]
            continue
        if not path.startswith(prefix):
            continue
        if os.path.isdir(path):
            return False
        if os.path.isfile(path):
            kind = _candidate_kind(path[len(prefix) :], config)
            if kind is not None:
                sources[path] = _new_source(Path(path), config, kind)
        elif any(known.startswith(os.path.join(path, "")) for known in sources):
            return False  # a deleted directory that held sources
    return True


def _candidate_kind(relative: str, config: Config) -> str | None:
    """The kind of a file (path relative to the sources dir) that ``discover`` would find."""
    *directories, filename = relative.split(os.sep)
    if filename.startswith(".") or any(is_skipped_dir(d) for d in directories):
        return None
    directory = os.path.join(str(config.sources_dir), *directories)
    if os.path.commonpath([directory, str(config.output_dir)]) == str(config.output_dir):
        return None
    return kind_of(filename)


def _new_source(path: Path, config: Config, kind: str) -> Source:
    # String slicing, not Path.relative_to: this runs for every file of a large tree.
    absolute = str(path)
    root = os.path.join(str(config.root), "")
    sources_dir = os.path.join(str(config.sources_dir), "")
    rel = absolute[len(root) :] if absolute.startswith(root) else absolute
    return Source(
        path=path,
        rel=rel.replace(os.sep, "/"),
        name=absolute[len(sources_dir) :].replace(os.sep, "/"),
        kind=kind,
    )


def selector(patterns: Iterable[str]) -> Callable[[str], bool]:
    """A predicate over paths relative to the sources dir; no patterns selects everything."""
    compiled = [re.compile(_glob_to_regex(p)) for p in patterns]
    if not compiled:
        return lambda _: True
    return lambda rel: any(regex.match(rel) for regex in compiled)


def _glob_to_regex(pattern: str) -> str:
    """``**`` spans directories, ``*`` and ``?`` stay within one path segment."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out) + r"\Z"

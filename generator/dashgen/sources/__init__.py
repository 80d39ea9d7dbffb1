"""Source discovery and the loader registry: one module per input kind, chosen by file name.

Adding an input kind is one module with ``load(source, ctx)`` plus one ``_LOADERS`` entry.
Loaders raise ``SourceError`` (naming the file and line) for a bad source and record the
files they read besides the source itself in ``ctx.dependencies``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen.config import Config, OrgConfig

PYTHON = "python"
JINJA = "jinja"
VIEW_JSON = "viewjson"

# Longest suffix first: "x.json.j2" is a template, not View JSON.
_KINDS_BY_SUFFIX: tuple[tuple[str, str], ...] = (
    (".json.j2", JINJA),
    (".json", VIEW_JSON),
    (".py", PYTHON),
)
# Kinds whose output depends on the org (its vars); the others are loaded once per build.
PER_ORG_KINDS = frozenset({JINJA})
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})


@dataclass(frozen=True)
class Source:
    path: Path  # absolute
    rel: str  # POSIX path relative to the project root (how it is reported)
    name: str  # POSIX path relative to the sources dir (what org globs and uids use)
    kind: str


@dataclass
class LoadedDashboard:
    data: dict[str, Any]
    name: str  # what a missing uid is derived from: the source path (#title when many)
    line: int | None = None  # where the dashboard is defined in the source
    text: str | None = None  # source text, to point problems at a panel's line


# Session key: files (path relative to the output dir → bytes) that loaders want written
# when the build succeeds, such as compiled templates. Never written by a failed build.
CACHE_FILES = "cache_files"


@dataclass
class LoadContext:
    config: Config
    org: OrgConfig
    variables: dict[str, Any]  # global vars, then org vars, then --var
    dependencies: set[Path] = field(default_factory=set)  # files read besides the source
    session: dict[str, Any] = field(default_factory=dict)  # caches shared within one build


Loader = Callable[[Source, LoadContext], list[LoadedDashboard]]


def kind_of(path: Path | str) -> str | None:
    name = str(path)
    for suffix, kind in _KINDS_BY_SUFFIX:
        if name.endswith(suffix):
            return kind
    return None


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
            if d not in _SKIPPED_DIRS
            and not d.startswith(".")
            and os.path.join(directory, d) != output_dir
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
    if filename.startswith(".") or any(
        d in _SKIPPED_DIRS or d.startswith(".") for d in directories
    ):
        return None
    directory = os.path.join(str(config.sources_dir), *directories)
    if os.path.commonpath([directory, str(config.output_dir)]) == str(config.output_dir):
        return None
    return kind_of(filename)


def _new_source(path: Path, config: Config, kind: str) -> Source:
    return Source(
        path=path,
        rel=relative_name(path, config.root),
        name=path.relative_to(config.sources_dir).as_posix(),
        kind=kind,
    )


def relative_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def load(source: Source, ctx: LoadContext) -> list[LoadedDashboard]:
    """Load one source; raises ``SourceError`` (or ``ExportFormatError``) when it is bad."""
    return _loader(source.kind)(source, ctx)


def _loader(kind: str) -> Loader:
    # Imported on use: the CLI starts faster when a no-op build never needs jinja2.
    if kind == PYTHON:
        from dashgen.sources import python

        return python.load
    if kind == JINJA:
        from dashgen.sources import jinja

        return jinja.load
    if kind == VIEW_JSON:
        from dashgen.sources import viewjson

        return viewjson.load
    raise ValueError(f"no loader for source kind {kind!r}")


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

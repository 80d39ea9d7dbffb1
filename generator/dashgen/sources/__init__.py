"""Source discovery and the loader registry: one module per input kind, chosen by file name.

Adding an input kind is one module with ``load(source, ctx)`` plus one ``_REGISTRY`` entry.
Loaders raise ``SourceError`` (naming the file and line) for a bad source and record the
files they read besides the source itself in ``ctx.dependencies``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen.config import Config, OrgConfig

PYTHON = "python"
JINJA = "jinja"
VIEW_JSON = "viewjson"

# (file name suffix, kind, loader module). Longest suffix first: "x.json.j2" is a
# template, not View JSON. Modules are imported on first use, so a no-op build never
# imports jinja2.
_REGISTRY: tuple[tuple[str, str, str], ...] = (
    (".json.j2", JINJA, "dashgen.sources.jinja"),
    (".json", VIEW_JSON, "dashgen.sources.viewjson"),
    (".py", PYTHON, "dashgen.sources.python"),
)
# Kinds whose output depends on the org (its vars); the others are loaded once per build.
PER_ORG_KINDS = frozenset({JINJA})


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
    uses_org: bool = False  # the source read dashgen.context: build it once per org


Loader = Callable[[Source, LoadContext], list[LoadedDashboard]]


def kind_of(path: Path | str) -> str | None:
    name = str(path)
    for suffix, kind, _ in _REGISTRY:
        if name.endswith(suffix):
            return kind
    return None


def relative_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def load(source: Source, ctx: LoadContext) -> list[LoadedDashboard]:
    """Load one source; raises ``SourceError`` (or ``ExportFormatError``) when it is bad."""
    return _loader(source.kind)(source, ctx)


def _loader(kind: str) -> Loader:
    for _, registered, module in _REGISTRY:
        if registered == kind:
            return importlib.import_module(module).load
    raise ValueError(f"no loader for source kind {kind!r}")


# Discovery lives in its own module; re-exported as part of this package's contract.
from dashgen.sources.discovery import apply_changes, discover, selector  # noqa: E402

__all__ = [
    "CACHE_FILES",
    "JINJA",
    "PER_ORG_KINDS",
    "PYTHON",
    "VIEW_JSON",
    "LoadContext",
    "LoadedDashboard",
    "Source",
    "apply_changes",
    "discover",
    "kind_of",
    "load",
    "relative_name",
    "selector",
]

"""Source discovery and the loader registry: one module per input kind, chosen by file name.

Adding an input kind is one module with ``load(source, ctx)`` plus one ``kinds.REGISTRY``
entry.
A loader turns a file into parsed documents (``LoadedDocument``); which form a document is
(View JSON, envelope, Share > Export, ...) is decided after loading, by
``dashgen.model.forms``, the same way for every kind. Loaders raise ``SourceError``
(naming the file and line) for a source that cannot be read, run or parsed, and record
the files they read besides the source itself in ``ctx.dependencies``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen.config import Config, OrgConfig
from dashgen.errors import SourceError
from dashgen.model.problem import JsonPath
from dashgen.sources.discovery import apply_changes, discover, selector
from dashgen.sources.kinds import (
    DOCUMENT_NOUNS,
    JINJA,
    PER_ORG_KINDS,
    PYTHON,
    REGISTRY,
    VIEW_JSON,
    YAML,
    Source,
    kind_of,
    relative_name,
)


@dataclass
class LoadedDocument:
    """One parsed document of a source, before its form is known."""

    document: Any  # plain JSON data
    name: str  # what a missing uid is derived from: the source path (#title when many)
    line: int | None = None  # where the document is defined in the source
    text: str | None = None  # source text, to point problems at a panel's line
    keys_in_text: bool = False  # ``text`` is JSON (or renders to it): top-level keys are in it
    json_text: str | None = None  # the JSON text parsed (what parsing hides: duplicate keys)
    label: str | None = None  # how messages name it among several ("dashboard #2")
    lenient: bool = False  # any dict may be a dashboard (Python values), not only View JSON
    # JSON paths of the document → (file, line) where each is written, when the loader knows
    locate: Callable[[list[JsonPath]], dict[JsonPath, tuple[str, int]]] | None = None
    error: SourceError | None = None  # this document is bad (one item of a list): why
    skipped: str | None = None  # nothing to build and nothing wrong, but worth a warning: why
    warnings: tuple[str, ...] = ()  # about the document, not its model (NaN written as null)


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
    source_bytes: bytes | None = None  # the source file's bytes, read (and hashed) by the build


Loader = Callable[[Source, LoadContext], list[LoadedDocument]]


def load(source: Source, ctx: LoadContext) -> list[LoadedDocument]:
    """Load one source; raises ``SourceError`` when it is bad."""
    return _loader(source.kind)(source, ctx)


def _loader(kind: str) -> Loader:
    for _, registered, module in REGISTRY:
        if registered == kind:
            return importlib.import_module(module).load
    raise ValueError(f"no loader for source kind {kind!r}")


__all__ = [
    "CACHE_FILES",
    "DOCUMENT_NOUNS",
    "JINJA",
    "PER_ORG_KINDS",
    "PYTHON",
    "VIEW_JSON",
    "YAML",
    "LoadContext",
    "LoadedDocument",
    "Source",
    "apply_changes",
    "discover",
    "kind_of",
    "load",
    "relative_name",
    "selector",
]

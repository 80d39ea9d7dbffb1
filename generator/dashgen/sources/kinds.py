"""The source kinds, the file names that select them, and ``Source`` (one candidate file).

(Kept apart from the package's ``__init__`` so discovery and the loaders can import it
without a cycle.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PYTHON = "python"
JINJA = "jinja"
VIEW_JSON = "viewjson"

# (file name suffix, kind, loader module). Longest suffix first: "x.json.j2" is a
# template, not View JSON. Modules are imported on first use, so a no-op build never
# imports jinja2.
REGISTRY: tuple[tuple[str, str, str], ...] = (
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


def kind_of(path: Path | str) -> str | None:
    name = str(path)
    for suffix, kind, _ in REGISTRY:
        if name.endswith(suffix):
            return kind
    return None


def relative_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()

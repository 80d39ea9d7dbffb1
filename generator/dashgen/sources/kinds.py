"""The source kinds, the file names that select them, and ``Source`` (one candidate file).

(Kept apart from the package's ``__init__`` so discovery and the loaders can import it
without a cycle.)
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

from dashgen.errors import SourceError

PYTHON = "python"
JINJA = "jinja"
VIEW_JSON = "viewjson"
YAML = "yaml"

# (file name suffix, kind, loader module). Longest suffix first: "x.json.j2" is a
# template, not View JSON. Modules are imported on first use, so a no-op build never
# imports jinja2 (nor PyYAML).
REGISTRY: tuple[tuple[str, str, str], ...] = (
    (".json.j2", JINJA, "dashgen.sources.jinja"),
    (".json", VIEW_JSON, "dashgen.sources.viewjson"),
    (".py", PYTHON, "dashgen.sources.python"),
    (".yaml", YAML, "dashgen.sources.yamldoc"),
    (".yml", YAML, "dashgen.sources.yamldoc"),
)
# What a kind's document is called in a message (the others hold JSON).
DOCUMENT_NOUNS = {YAML: "YAML document", PYTHON: "Python value"}
# Kinds whose output depends on the org (its vars); the others are loaded once per build.
PER_ORG_KINDS = frozenset({JINJA})
# grafanalib's naming: a Python file named so is a source by its name alone
GRAFANALIB_SUFFIX = ".dashboard.py"


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


def read_source_text(
    path: Path, rel: str, *, errors: str = "strict", data: bytes | None = None
) -> str:
    """The text of a source file (``data``: its bytes, when the build read them already);
    ``SourceError`` saying why it cannot be read, and the fix."""
    try:
        if data is None:
            data = path.read_bytes()
    except PermissionError:
        raise SourceError(
            rel, "cannot read this file (permission denied): make it readable (chmod a+r)"
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "it is a symlink loop (its links lead back to each other)"
        elif isinstance(exc, FileNotFoundError):
            reason = "it no longer exists (deleted, or a broken symlink)"
        else:
            reason = exc.strerror or type(exc).__name__
        raise SourceError(rel, f"cannot read this file: {reason}") from None
    try:
        text = data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            rel,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded): save it as UTF-8",
            line,
        ) from None
    return text.removeprefix("\ufeff")  # a byte order mark (Windows editors) is no content

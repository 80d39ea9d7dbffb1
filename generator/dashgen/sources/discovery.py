"""Finding sources: walk the sources dir, keep that walk current, select sources per org."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from dashgen.config import Config
from dashgen.model.validate import ERROR, WARNING, Problem
from dashgen.sources.kinds import Source, kind_of

# Folders that never hold sources, for discovery and for watch alike. Any folder whose
# name starts with "." (.git, .venv, .idea, ...) is skipped too.
# ("venv": a virtualenv's thousands of .py files are no dashboards.)
SKIPPED_DIR_NAMES = frozenset({"__pycache__", "node_modules", "venv"})


def is_skipped_dir(name: str) -> bool:
    """Whether a folder called ``name`` is never searched for sources (nor watched)."""
    return name in SKIPPED_DIR_NAMES or name.startswith(".")


def discover(
    config: Config,
    *,
    known: dict[str, Source] | None = None,
    problems: list[Problem] | None = None,
) -> list[Source]:
    """Every candidate file under the sources dir, sorted (Python helpers included).

    ``known`` (absolute path → Source) lets a caller that walks the tree on every
    rebuild reuse the objects of the previous walk; new ones are added to it.
    ``problems`` receives an error for each place the walk could not look into (a
    sources dir that is a file, a folder that cannot be listed, a symlink loop, a source
    name that is no readable file): a build must not take the sources it did not see for
    deleted ones. A missing sources dir is no problem here: the build decides (it is one
    when the output folder holds dashboards built from it).
    """
    known = {} if known is None else known
    problems = [] if problems is None else problems
    found: list[Source] = []
    sources_dir = str(config.sources_dir)
    if not os.path.isdir(sources_dir):
        if os.path.lexists(sources_dir):  # a file, or a broken link: the config is wrong
            problems.append(missing_sources_dir(config, None))
        return found  # no folder, no sources (the build refuses to remove outputs for it)
    output_dir = str(config.output_dir)
    # (folder, real paths of the folders from the sources dir down to it): folder symlinks
    # are followed, and one that leads back to a folder on its own path is a loop.
    pending = [(sources_dir, (os.path.realpath(sources_dir),))]
    prefixes = _prefixes(config)
    while pending:
        directory, chain = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as error:
            problems.append(_unreadable_dir(directory, error, config))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if _is_dir(entry):
                if is_skipped_dir(name) or entry.path == output_dir:
                    continue
                real = os.path.realpath(entry.path) if entry.is_symlink() else f"{chain[-1]}/{name}"
                if real in chain:
                    problems.append(_symlink_loop(entry.path, real, config))
                else:
                    pending.append((entry.path, (*chain, real)))
                continue
            kind = kind_of(name)
            if kind is None:
                continue
            if not _is_file(entry):
                problems.append(_not_a_file(entry.path, config))
                continue
            if not _is_utf8(entry.path):
                problems.append(_not_utf8_name(entry.path, config))
                continue
            source = known.get(entry.path)
            if source is None:
                source = _new_source(Path(entry.path), prefixes, kind)
                known[entry.path] = source
            found.append(source)
    found.sort(key=lambda s: s.rel)
    return found


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop, say: reported as the file it would be
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def missing_sources_dir(config: Config, outputs: int | None) -> Problem:
    """The sources dir is no folder; ``outputs``: how many dashboards the output folder
    holds that a build without it would remove (None: it is something else than a folder;
    0: it is missing and nothing was built from it, a warning)."""
    where = _shown(config.sources_dir, config).rstrip("/") + "/"
    if outputs is None:
        severity, state, fix = ERROR, "is not a folder", "restore it"
    elif outputs == 0:  # a typo in [paths] sources must not pass for an empty project
        severity, state, fix = WARNING, "does not exist, so nothing was built", "create it"
    else:
        output = _shown(config.output_dir, config).rstrip("/")
        state = (
            f"does not exist, but {output}/ holds {outputs} dashboard(s) built from it and "
            "nothing was removed"
        )
        severity, fix = ERROR, "restore it"
    return Problem(
        severity,
        f"the sources folder {where} {state}: {fix}, or set [paths] sources in dashgen.toml "
        "to the folder that holds your dashboards",
        Path(where.rstrip("/")),
    )


def _unreadable_dir(directory: str, error: OSError, config: Config) -> Problem:
    reason = error.strerror or type(error).__name__
    return Problem(
        ERROR,
        f"cannot list this folder ({reason}), so the sources in it cannot be built and "
        "nothing was written or removed: make it readable (chmod a+rx), or move it out "
        "of the sources folder",
        Path(_shown(Path(directory), config).rstrip("/")),
    )


def _not_a_file(path: str, config: Config) -> Problem:
    """A name that looks like a source but is no readable file (nor folder)."""
    if os.path.islink(path):
        try:
            os.stat(path)
            what = "is a symlink to something that is not a file"
        except OSError as error:
            if error.errno == errno.ELOOP:
                what = "is a symlink loop (its links lead back to each other)"
            else:
                what = f"is a broken symlink (to {os.readlink(path)}, which does not exist)"
    else:
        what = "is not a regular file (a named pipe, socket or device)"
    return Problem(
        ERROR,
        f"{what}: dashgen cannot read it as a source; fix or remove it",
        Path(_shown(Path(path), config)),
    )


def _is_utf8(path: str) -> bool:
    try:
        path.encode()  # a name that is not UTF-8 holds surrogate escapes (PEP 383)
    except UnicodeEncodeError:
        return False
    return True


def _not_utf8_name(path: str, config: Config) -> Problem:
    """A source whose path is not UTF-8: the manifest, the build cache and Grafana hold
    names as UTF-8 text, and its derived uid would change with the file system's."""
    shown = os.fsencode(_shown(Path(path), config)).decode("utf-8", "backslashreplace")
    return Problem(
        ERROR,
        "its path is not UTF-8 text (the escaped bytes), which the manifest and the build "
        "cache cannot record: rename it (or its folder) with UTF-8 characters",
        Path(shown),
    )


def _symlink_loop(path: str, real: str, config: Config) -> Problem:
    target = _shown(Path(real), config)
    return Problem(
        ERROR,
        f"symlink loop: this folder link leads back to {target}, which contains it; "
        "remove the link (or point it at a folder outside its own parents)",
        Path(_shown(Path(path), config).rstrip("/")),
    )


def _shown(path: Path, config: Config) -> str:
    """A path as messages show it: relative to the project root when inside it."""
    absolute = os.path.abspath(path)
    root = os.path.join(str(config.root), "")
    shown = absolute[len(root) :] if absolute.startswith(root) else absolute
    return shown.replace(os.sep, "/") + ("/" if os.path.isdir(absolute) else "")


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
            if prefix.startswith(os.path.join(path, "")):
                return False  # the sources folder itself (or one holding it)
            continue
        if os.path.isdir(path):
            return False
        if not _is_utf8(path):
            return False  # (only a walk reports it, as a build does)
        if os.path.isfile(path):
            kind = _candidate_kind(path[len(prefix) :], config)
            if kind is not None:
                sources[path] = _new_source(Path(path), _prefixes(config), kind)
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


def _prefixes(config: Config) -> tuple[str, str]:
    """The project root and the sources dir, each ending in a separator."""
    return os.path.join(str(config.root), ""), os.path.join(str(config.sources_dir), "")


def _new_source(path: Path, prefixes: tuple[str, str], kind: str) -> Source:
    # String slicing, not Path.relative_to: this runs for every file of a large tree.
    absolute = str(path)
    root, sources_dir = prefixes
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

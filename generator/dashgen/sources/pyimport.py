"""Importing a project's Python fresh on every build.

Each source runs as a new module under a unique name, with its own directory and the
sources dir first on ``sys.path``. Afterwards every project-local module it pulled in is
dropped from ``sys.modules`` and reported as a dependency, so the next source, and the
next build, import them again from disk.

Compiling is what costs, not executing: helpers that many sources import would be
compiled again for each of them. An ``ImportCache`` keeps the code objects for one build,
keyed by path and exact bytes, so modules still run fresh but compile once; it also
remembers, per file, whether it is project code (resolving a path costs a system call per
directory, and every source asks again about the helpers it imports).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

import dashgen

_module_counter = itertools.count()
_DASHGEN_DIR = Path(dashgen.__file__).resolve().parent
# Installed code (stdlib, site-packages) is never "project-local", even inside the root.
_INSTALL_DIRS = tuple(
    Path(sysconfig.get_paths()[key]).resolve()
    for key in ("stdlib", "platstdlib", "purelib", "platlib")
)


class ImportCache:
    """What one build learns about the project's Python files (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root  # the project root, resolved
        self.code: dict[tuple[str, bytes], CodeType] = {}
        self._project_paths: dict[tuple[str, Path], Path | None] = {}

    def project_path(self, file: str, root: Path) -> Path | None:
        """``file`` resolved, if it is project code under ``root``; None otherwise."""
        key = (file, root)
        if key not in self._project_paths:
            path = Path(file).resolve()
            self._project_paths[key] = path if is_project_file(path, root) else None
        return self._project_paths[key]


class _CachingLoader(importlib.machinery.SourceFileLoader):
    """A source loader that reuses the code object of identical bytes within one build
    (``data``: the file's bytes, when the caller read them already)."""

    def __init__(
        self, fullname: str, path: str, cache: ImportCache, data: bytes | None = None
    ) -> None:
        super().__init__(fullname, path)
        self.code_cache = cache.code
        self._data = data

    def get_data(self, path: str) -> bytes:
        if self._data is not None and path == self.path:
            return self._data
        return super().get_data(path)

    def source_to_code(self, data: Any, path: Any, *, _optimize: int = -1) -> CodeType:
        key = (str(path), bytes(data))
        code = self.code_cache.get(key)
        if code is None:
            code = super().source_to_code(data, path, _optimize=_optimize)
            self.code_cache[key] = code
        return code


class _ProjectFinder(importlib.abc.MetaPathFinder):
    """Finds modules the usual way; gives project-local ones the caching loader."""

    def __init__(self, root: Path, cache: ImportCache) -> None:
        self.root = root
        self.cache = cache

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None  # let the normal finders answer
        if self.cache.project_path(spec.origin or "", self.root) is None:
            return None
        spec.loader = _CachingLoader(fullname, spec.origin or "", self.cache)
        return spec


def is_project_file(path: Path, root: Path) -> bool:
    """Under the project root and not installed code (stdlib, site-packages, dashgen)."""
    if not path.is_relative_to(root):
        return False
    return not is_installed_code(path)


def is_installed_code(path: Path) -> bool:
    return path.is_relative_to(_DASHGEN_DIR) or any(path.is_relative_to(d) for d in _INSTALL_DIRS)


def execute(path: Path, cache: ImportCache, data: bytes | None = None) -> ModuleType:
    """Run ``path`` as a new module with a unique name (``data``: its bytes, when already
    read); returns the module."""
    module_name = f"_dashgen_source_{next(_module_counter)}"
    loader = _CachingLoader(module_name, str(path), cache, data)
    spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
    if spec is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs: dataclasses and pickling look the module up by name.
    sys.modules[module_name] = module
    try:
        loader.exec_module(module)
    finally:
        sys.modules.pop(module_name, None)
    return module


@contextmanager
def fresh_project_modules(
    root: Path, search_path: list[str], cache: ImportCache
) -> Iterator[set[Path]]:
    """Put ``search_path`` first on sys.path; afterwards forget the project modules that
    were imported meanwhile. Yields the set that receives their files."""
    before = set(sys.modules)
    saved_path = list(sys.path)
    sys.path[:0] = [p for p in search_path if p not in sys.path[:2]]
    finder = _ProjectFinder(root, cache)
    sys.meta_path.insert(0, finder)
    loaded_files: set[Path] = set()
    try:
        yield loaded_files
    finally:
        sys.meta_path.remove(finder)
        sys.path[:] = saved_path
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            file = getattr(module, "__file__", None)
            file = cache.project_path(file, root) if isinstance(file, str) and file else None
            if file is not None:
                loaded_files.add(file)
                del sys.modules[name]
            elif _is_project_namespace(module, root):
                # A folder without __init__.py (dashboards/lib/): no file, but a stale entry
                # would resolve `lib.x` in the next project against this project's folder.
                del sys.modules[name]


def _is_project_namespace(module: ModuleType | None, root: Path) -> bool:
    locations = getattr(module, "__path__", None)
    if module is None or getattr(module, "__file__", None) or locations is None:
        return False
    return any(is_project_file(Path(entry).resolve(), root) for entry in list(locations))

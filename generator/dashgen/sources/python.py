"""Python sources (``*.py``): a module that assigns ``dashboard`` or ``dashboards`` at top level.

Other ``.py`` files are helpers that sources import (``defaults.py``, ``lib/panels.py``);
a ``*.dashboard.py`` (grafanalib's naming) that defines neither name is an error.

Every build loads sources fresh (see ``dashgen.sources.pyimport``): each runs as a new
module, and the project modules it imports are dropped afterwards and recorded as its
dependencies.
Values may be grafanalib objects (``to_json_data()``), Foundation SDK builders
(``build()``, then the SDK's ``to_json()``), or plain dicts.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import orjson

from dashgen.context import BuildContext, activated
from dashgen.errors import SourceError
from dashgen.sources import LoadContext, LoadedDocument, Source, relative_name
from dashgen.sources.pyimport import execute, fresh_project_modules, is_installed_code

SOURCE_NAMES = ("dashboard", "dashboards")
GRAFANALIB_SUFFIX = ".dashboard.py"
_CODE_CACHE_KEY = "python.code"
_ASSIGNMENT = re.compile(r"^(?:dashboards?\s*(?::[^=\n]*)?=(?!=)|.*\bas\s+dashboards?\b)", re.M)
_DEFINITION_LINE = re.compile(r"^dashboards?\b", re.M)


def is_source(path: Path, text: str) -> bool:
    """Whether a ``.py`` file is a dashboard source (True) or a helper (False)."""
    if path.name.endswith(GRAFANALIB_SUFFIX):
        return True
    if "dashboard" not in text:
        return False
    try:
        tree = ast.parse(text)
    except SyntaxError:
        # Let the load report the syntax error if the file looks like a source.
        return bool(_ASSIGNMENT.search(text))
    return bool(_top_level_names(tree.body) & set(SOURCE_NAMES))


def load(source: Source, ctx: LoadContext) -> list[LoadedDocument]:
    root = ctx.config.root.resolve()
    text = source.path.read_text(encoding="utf-8", errors="replace")
    match = _DEFINITION_LINE.search(text)
    line = text.count("\n", 0, match.start()) + 1 if match else None
    search_path = [str(source.path.parent), str(ctx.config.sources_dir)]
    # A print() in a source goes to stderr: stdout carries the build's own (JSON) output.
    code_cache = ctx.session.setdefault(_CODE_CACHE_KEY, {})
    fresh = fresh_project_modules(root, search_path, code_cache)
    build_context = BuildContext(ctx.org.name, ctx.org.folder, ctx.variables)
    with fresh as loaded_files, redirect_stdout(sys.stderr), activated(build_context):
        try:
            module = execute(source.path, code_cache)
            values = _dashboard_values(module, source)
            # Converting runs user code too (to_json_data, build()): same error handling.
            dashboards = [_to_dict(value, source, i, line) for i, value in enumerate(values)]
        except SourceError:
            raise
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise _source_error(exc, source, root) from None
    ctx.dependencies.update(loaded_files)
    ctx.uses_org = ctx.uses_org or build_context.asked
    return [
        LoadedDocument(
            data,
            _uid_name(source.name, data, i, len(dashboards)),
            line=line,
            text=text,
            label=f"dashboard #{i + 1}",
            lenient=True,
        )
        for i, data in enumerate(dashboards)
    ]


def _uid_name(name: str, data: dict[str, Any], index: int, count: int) -> str:
    """What a missing uid derives from: the path, plus the title when a file has several."""
    return name if count == 1 else f"{name}#{data.get('title') or index}"


def _dashboard_values(module: ModuleType, source: Source) -> list[Any]:
    if hasattr(module, "dashboards"):
        values = module.dashboards
        if isinstance(values, dict) or not _is_iterable(values):
            raise SourceError(
                source.rel,
                f"'dashboards' must be a list (or other iterable) of dashboards, "
                f"got {type(values).__name__}",
            )
        values = list(values)
    elif hasattr(module, "dashboard"):
        values = [module.dashboard]
    else:
        raise SourceError(
            source.rel,
            "defines neither 'dashboard' nor 'dashboards' at top level, so it yields no "
            f"dashboard (a *{GRAFANALIB_SUFFIX} file must define one)",
        )
    values = [v for v in values if v is not None]
    if not values:
        raise SourceError(source.rel, "yields no dashboard ('dashboards' is empty or None)")
    return values


def _to_dict(value: Any, source: Source, index: int, line: int | None) -> dict[str, Any]:
    """grafanalib objects, Foundation SDK builders and dicts → a plain JSON dict."""
    if not isinstance(value, dict) and not hasattr(value, "to_json_data"):
        build = getattr(value, "build", None)
        if callable(build):
            value = build()
    try:
        data = _plain_json(value)
    except _NotSerializable as exc:
        raise SourceError(
            source.rel, f"dashboard #{index + 1} cannot be turned into JSON: {exc}", line
        ) from exc
    if not isinstance(data, dict):
        raise SourceError(
            source.rel,
            f"dashboard #{index + 1} is a {type(value).__name__}, not a dashboard "
            "(expected a grafanalib Dashboard, a Foundation SDK builder or a dict)",
            line,
        )
    return data


class _NotSerializable(TypeError):
    pass


def _plain_json(value: Any) -> Any:
    """``value`` as plain JSON data, calling to_json_data()/to_json() on the way."""
    try:
        return orjson.loads(orjson.dumps(value, default=_json_default))
    except orjson.JSONEncodeError:
        # Again with json: it takes integers beyond 64 bits, and when a to_json_data()
        # fails it keeps the traceback (orjson drops it), so the error names the line.
        return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    to_json_data = getattr(value, "to_json_data", None)  # grafanalib
    if callable(to_json_data):
        return to_json_data()
    to_json = getattr(value, "to_json", None)  # Foundation SDK models (what its encoder calls)
    if callable(to_json):
        return to_json()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise _NotSerializable(f"{type(value).__name__} is not JSON serializable")


def _source_error(exc: BaseException, source: Source, root: Path) -> SourceError:
    """The error at the innermost frame inside the project (the user's own file and line)."""
    path, line = _user_location(exc, root)
    description = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    if isinstance(exc, SyntaxError):
        description = f"SyntaxError: {exc.msg}"
    where = relative_name(path, root) if path else source.rel
    if where != source.rel:
        description += f" (while loading {source.rel})"
    return SourceError(where, description, line)


def _user_location(exc: BaseException, root: Path) -> tuple[Path | None, int | None]:
    if isinstance(exc, SyntaxError) and exc.filename:
        path = Path(exc.filename).resolve()
        if path.is_relative_to(root):
            return path, exc.lineno
    location: tuple[Path | None, int | None] = (None, None)
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        path = Path(tb.tb_frame.f_code.co_filename)
        if path.is_absolute() and path.resolve().is_relative_to(root):
            resolved = path.resolve()
            if not is_installed_code(resolved):
                location = (resolved, tb.tb_lineno)
        tb = tb.tb_next
    return location


def _top_level_names(statements: list[ast.stmt]) -> set[str]:
    """Names bound at module level, looking inside if/try/with/for blocks."""
    names: set[str] = set()
    for node in statements:
        match node:
            case ast.Assign(targets=targets):
                for target in targets:
                    names.update(_target_names(target))
            case ast.AnnAssign(target=target) | ast.AugAssign(target=target):
                names.update(_target_names(target))
            case ast.Import(names=aliases) | ast.ImportFrom(names=aliases):
                names.update((a.asname or a.name).split(".")[0] for a in aliases)
            case ast.FunctionDef(name=name) | ast.ClassDef(name=name):
                names.add(name)
        for block in ("body", "orelse", "finalbody", "handlers"):
            if isinstance(
                node, ast.If | ast.Try | ast.With | ast.For | ast.While | ast.ExceptHandler
            ):
                names.update(_top_level_names(getattr(node, block, [])))
    return names


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _target_names(element)


def _is_iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True

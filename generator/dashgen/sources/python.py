"""Python sources (``*.py``): a module that assigns ``dashboard`` or ``dashboards`` at top level.

Other ``.py`` files are helpers that sources import (``defaults.py``, ``lib/panels.py``);
a ``*.dashboard.py`` (grafanalib's naming) that defines neither name is an error.

Every build loads sources fresh (see ``dashgen.sources.pyimport``): each runs as a new
module, and the project modules it imports are dropped afterwards and recorded as its
dependencies.
Values may be grafanalib objects (``to_json_data()``), Foundation SDK builders
(``build()``, then the SDK's ``to_json()``: ``builders.dashboard`` for the classic model,
``builders.dashboardv2`` for schema v2, ``builders.resource.Manifest`` for an envelope), or
plain dicts.
"""

from __future__ import annotations

import ast
import json
import re
import signal
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
from dashgen.sources import LoadContext, LoadedDocument, Source, finite, relative_name
from dashgen.sources.kinds import GRAFANALIB_SUFFIX, read_source_text
from dashgen.sources.pyimport import (
    ImportCache,
    execute,
    fresh_project_modules,
    is_installed_code,
)

SOURCE_NAMES = ("dashboard", "dashboards")
_IMPORT_CACHE_KEY = "python.imports"
_ASSIGNMENT = re.compile(r"^(?:dashboards?\s*(?::[^=\n]*)?=(?!=)|.*\bas\s+dashboards?\b)", re.M)
_DEFINITION_LINE = re.compile(r"^dashboards?\b", re.M)
_SDK_DASHBOARDS = ("Dashboard", "Manifest")


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
    import_cache = ctx.session.get(_IMPORT_CACHE_KEY)
    if import_cache is None:
        import_cache = ctx.session[_IMPORT_CACHE_KEY] = ImportCache(ctx.config.root.resolve())
    root = import_cache.root
    text = read_source_text(source.path, source.rel, errors="replace", data=ctx.source_bytes)
    match = _DEFINITION_LINE.search(text)
    line = text.count("\n", 0, match.start()) + 1 if match else None
    search_path = [str(source.path.parent), str(ctx.config.sources_dir)]
    # A print() in a source goes to stderr: stdout carries the build's own (JSON) output.
    fresh = fresh_project_modules(root, search_path, import_cache)
    build_context = BuildContext(ctx.org.name, ctx.org.folder, ctx.variables)
    with fresh as loaded_files, redirect_stdout(sys.stderr), activated(build_context):
        try:
            module = execute(source.path, import_cache, ctx.source_bytes)
            values = _dashboard_values(module, source, line)
        except SourceError:
            raise
        except BaseException as exc:
            if _interrupted(exc):
                raise
            raise _source_error(exc, source, root) from None
        # Converting runs user code too (to_json_data, build()): same error handling, but
        # per item, so that every bad item of a `dashboards` list is reported.
        item_lines = _item_lines(text) if len(values) > 1 else {}
        documents = [
            _document(
                value,
                position,
                index,
                len(values),
                source,
                text,
                item_lines.get(position, line),
                root,
            )
            for index, (position, value) in enumerate(values)
        ]
    ctx.dependencies.update(loaded_files)
    ctx.uses_org = ctx.uses_org or build_context.asked
    return documents


def _document(
    value: Any,
    position: int,
    index: int,
    count: int,
    source: Source,
    text: str,
    line: int | None,
    root: Path,
) -> LoadedDocument:
    """One value of the source as a document (``error`` set when it is none)."""
    # position -1: the value of `dashboard` (not an item of `dashboards`)
    label = f"dashboard #{max(position, 0) + 1}"
    try:
        data, warnings = _to_dict(value, source, label, line)
    except SourceError as exc:
        return LoadedDocument(None, source.name, line=line, label=label, error=exc)
    except BaseException as exc:
        if _interrupted(exc):
            raise
        error = _source_error(exc, source, root)
        return LoadedDocument(None, source.name, line=line, label=label, error=error)
    return LoadedDocument(
        data,
        _uid_name(source.name, data, index, count),
        line=line,
        text=text,
        label=label,
        lenient=True,
        warnings=warnings,
    )


def _uid_name(name: str, data: dict[str, Any], index: int, count: int) -> str:
    """What a missing uid derives from: the path, plus the title when a file has several."""
    return name if count == 1 else f"{name}#{data.get('title') or index}"


def _dashboard_values(
    module: ModuleType, source: Source, line: int | None
) -> list[tuple[int, Any]]:
    """``(position in the list, value)`` of each dashboard value (None items are skipped);
    ``line`` is where the source assigns it."""
    if hasattr(module, "dashboards"):
        values = module.dashboards
        if isinstance(values, dict | str | bytes) or not _is_iterable(values):
            raise SourceError(
                source.rel,
                f"'dashboards' must be a list (or other iterable) of dashboards, "
                f"got {type(values).__name__}",
                line,
            )
        values = list(values)
        single = getattr(module, "dashboard", None)  # a value, not a helper function
        lost = single is not None and not callable(single) and not isinstance(single, ModuleType)
        if lost and not any(value is single for value in values):
            raise SourceError(
                source.rel,
                "assigns both 'dashboard' and 'dashboards', and only 'dashboards' is built: "
                "add the dashboard to the 'dashboards' list, or rename one of them",
                line,
            )
    elif hasattr(module, "dashboard"):
        if module.dashboard is None:
            raise SourceError(source.rel, "yields no dashboard ('dashboard' is None)", line)
        return [(-1, module.dashboard)]
    else:
        raise SourceError(
            source.rel,
            "defines neither 'dashboard' nor 'dashboards' at top level, so it yields no "
            f"dashboard (a *{GRAFANALIB_SUFFIX} file must define one)",
        )
    found = [(position, v) for position, v in enumerate(values) if v is not None]
    if not found:
        raise SourceError(source.rel, "yields no dashboard ('dashboards' is empty or None)", line)
    return found


def _item_lines(text: str) -> dict[int, int]:
    """The line of each item of a top-level ``dashboards = [...]`` literal."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}
    for node in tree.body:
        value = None
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "dashboards" for t in node.targets)
        ) or (isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "dashboards"):
            value = node.value
        if isinstance(value, ast.List | ast.Tuple):
            return {i: element.lineno for i, element in enumerate(value.elts)}
    return {}


def _to_dict(
    value: Any, source: Source, label: str, line: int | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """grafanalib objects, Foundation SDK builders and dicts → a plain JSON dict, and a
    warning for each NaN or infinity in them (written as null)."""
    wrong = _not_a_dashboard(value)
    schema = _sdk_v2_version(value)
    if wrong is None and not isinstance(value, dict) and not hasattr(value, "to_json_data"):
        build = getattr(value, "build", None)
        if callable(build):
            value = build()
            wrong = _not_a_dashboard(value)
    if wrong is not None:
        raise SourceError(source.rel, f"{label} {wrong}", line)
    try:
        data, non_finite = _plain_json(value)
    except _NotSerializable as exc:
        raise SourceError(source.rel, f"{label} cannot be turned into JSON: {exc}", line) from exc
    except RecursionError:
        message = (
            f"{label} nests too deeply to be turned into JSON (Python's recursion limit): "
            "no Grafana dashboard nests like this"
        )
        raise SourceError(source.rel, message, line) from None
    if not isinstance(data, dict):
        raise SourceError(
            source.rel,
            f"{label} is a {type(value).__name__}, not a dashboard "
            "(expected a grafanalib Dashboard, a Foundation SDK builder or a dict)",
            line,
        )
    warnings = finite.warnings(non_finite)
    if schema is not None:  # say which v2 version the spec is: an envelope without a name
        envelope = {"apiVersion": f"dashboard.grafana.app/{schema}", "kind": "Dashboard"}
        return {**envelope, "spec": data}, warnings
    return data, warnings


def _sdk_v2_version(value: Any) -> str | None:
    """``v2beta1``/``v2alpha1`` for a dashboard of the SDK's module of that version (its
    spec alone does not say it); None otherwise (``dashboardv2`` is the default, ``v2``)."""
    module = type(value).__module__ or ""
    if module.startswith("grafana_foundation_sdk.") and type(value).__name__ == "Dashboard":
        for version in ("v2beta1", "v2alpha1"):
            if module.endswith(f".dashboard{version}"):
                return version
    return None


def _not_a_dashboard(value: Any) -> str | None:
    """Why a grafanalib or Foundation SDK object is not a dashboard (a Row, a Panel ...)."""
    kind = type(value)
    module = kind.__module__ or ""
    if module.startswith("grafanalib."):
        core = sys.modules.get("grafanalib.core")
        if core is not None and isinstance(value, core.Dashboard):
            return None
        return (
            f"is a grafanalib {kind.__name__}, not a Dashboard: put it in a "
            "grafanalib.core.Dashboard (panels=[...] or rows=[...]) and assign that"
        )
    # Dashboard: a v1 or v2 (builders.dashboardv2) dashboard; Manifest: a resource envelope
    # (builders.resource), e.g. a v2 dashboard with its uid in metadata.name
    if module.startswith("grafana_foundation_sdk.") and kind.__name__ not in _SDK_DASHBOARDS:
        return (
            f"is a Foundation SDK {kind.__name__} ({module}), not a dashboard: add it to a "
            "grafana_foundation_sdk.builders.dashboard.Dashboard and assign that"
        )
    return None


class _NotSerializable(TypeError):
    pass


def _plain_json(value: Any) -> tuple[Any, list[tuple[str, str]]]:
    """``value`` as plain JSON data, calling to_json_data()/to_json() on the way, and where
    it holds NaN or an infinity (written as null, as JSON.stringify in Grafana writes it)."""
    containers = [value]

    def default(obj: Any) -> Any:
        plain = _json_default(obj)
        containers.append(plain)
        return plain

    try:
        data = orjson.loads(orjson.dumps(value, default=default))
    except orjson.JSONEncodeError:
        # Again with json: it takes integers beyond 64 bits, and when a to_json_data()
        # fails it keeps the traceback (orjson drops it), so the error names the line.
        text = json.dumps(value, default=_json_default)
        twice: list[tuple[str, str]] = []  # keys such as 1 and "1", one key in JSON
        data = json.loads(
            text, parse_constant=lambda _: None, object_pairs_hook=finite.noting(twice)
        )
        if (unwritable := finite.unwritable(data)) is not None:
            raise _NotSerializable(unwritable) from None
        if "NaN" not in text and "Infinity" not in text:
            return data, twice
        return data, twice + finite.non_finite_paths(value, _json_default)
    else:
        if not finite.may_hold_non_finite(containers):
            return data, []
    return data, finite.non_finite_paths(value, _json_default)


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


def _interrupted(exc: BaseException) -> bool:
    """A Ctrl-C, which stops the build; not a ``raise KeyboardInterrupt`` of the source's own
    where Ctrl-C cannot reach (a build worker ignores SIGINT: the build stops it)."""
    return isinstance(exc, KeyboardInterrupt) and signal.getsignal(signal.SIGINT) not in (
        signal.SIG_IGN,
        None,
    )


def _source_error(exc: BaseException, source: Source, root: Path) -> SourceError:
    """The error at the innermost frame inside the project (the user's own file and line)."""
    path, line = _user_location(exc, root)
    description = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    if type(exc).__module__.startswith("_dashgen_source_"):  # a class of the source's own
        description = description.removeprefix(f"{type(exc).__module__}.")
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

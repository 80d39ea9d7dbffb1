"""Compile sources: load → form → normalise → validate → canonical text, in-process or in a pool.

The form step (``dashgen.model.forms``) sits between loading and normalising, the same for
every source kind: an API envelope is unwrapped, a Share > Export document is converted
with the input values of the org being built (``[inputs]``, ``[orgs.<org>.inputs]``, then
``--input``), anything that is not a dashboard is refused.

Everything a worker process returns is plain data (texts, hashes, problems), so the
build can decide afterwards whether any of it is written.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dashgen.build.outputs import read_bytes
from dashgen.config import PYPROJECT_FILE_NAME, Config, OrgConfig
from dashgen.errors import SourceError
from dashgen.model.forms import (
    ExportConversionError,
    Form,
    FormError,
    LibraryPanelsError,
    MissingInputsError,
    dashboard_model,
    export_inputs,
    library_panels_message,
    missing_inputs_message,
    unwrap,
)
from dashgen.model.legacy_rows import convert_legacy_rows_in_place
from dashgen.model.normalize import dumps, hash_canonical, normalize_in_place
from dashgen.model.validate import ERROR, Problem, validate
from dashgen.sources import (
    CACHE_FILES,
    PER_ORG_KINDS,
    PYTHON,
    LoadContext,
    LoadedDocument,
    Source,
    load,
)

# Below this many sources, starting worker processes costs more than it saves.
POOL_MIN_JOBS = 64


@dataclass(frozen=True)
class Target:
    """An org a build produces dashboards for, with its merged template variables."""

    org: OrgConfig
    variables: dict[str, Any]


@dataclass
class CompiledDashboard:
    uid: str
    title: str
    content_hash: str  # normalize.content_hash of the dashboard
    file_hash: str  # sha256 of the output file's bytes
    line: int | None  # where the dashboard is defined in its source
    text: str | None = None  # the output text; dropped once written


@dataclass
class CompiledSource:
    """One source compiled for one org."""

    source_hash: str
    dependencies: dict[str, str]  # absolute path → sha256 of the bytes it had ("" = missing)
    dashboards: list[CompiledDashboard]
    problems: list[Problem]


Job = tuple[Source, list[Target]]


def compile_all(
    config: Config, jobs: list[Job], cache_files: dict[str, bytes]
) -> list[list[CompiledSource]]:
    """Compile each job's source for each of its targets (results in job order).

    ``cache_files`` receives what loaders want written on success (compiled templates).
    """
    if len(jobs) >= POOL_MIN_JOBS and (os.cpu_count() or 1) > 1 and _safe_to_fork():
        return _compile_in_pool(config, jobs, cache_files)
    session: dict[str, Any] = {CACHE_FILES: cache_files}
    return [compile_source(config, source, targets, session) for source, targets in jobs]


def compile_source(
    config: Config, source: Source, targets: list[Target], session: dict[str, Any]
) -> list[CompiledSource]:
    """One source for each target. Jinja renders per org; a Python source is loaded once and
    shared unless it read ``dashgen.context`` (then once per org)."""
    source_hash = hashlib.sha256(read_bytes(source.path) or b"").hexdigest()
    results: list[CompiledSource] = []
    shared: CompiledSource | None = None
    uses_org = source.kind in PER_ORG_KINDS
    for target in targets:
        if shared is not None and not uses_org:
            results.append(shared)
            continue
        ctx = LoadContext(config, target.org, target.variables, session=session)
        dashboards: list[CompiledDashboard] = []
        problems: list[Problem] = []
        try:
            for loaded in load(source, ctx):
                data, line = _dashboard_model(loaded, source, ctx)
                dashboard, found = _finish(data, line, loaded, source, config.convert_legacy_rows)
                dashboards.append(dashboard)
                problems.extend(found)
        except SourceError as exc:
            problems.append(Problem(ERROR, exc.detail, Path(exc.path), exc.line))
            dashboards = []
        except Exception as exc:  # a loader bug must not hide the other sources' results
            message = f"internal error: {type(exc).__name__}: {exc}"
            problems.append(Problem(ERROR, message, Path(source.rel)))
            dashboards = []
        uses_org = uses_org or ctx.uses_org
        dependencies = {str(p): _hash_file(p, session) for p in sorted(ctx.dependencies)}
        shared = CompiledSource(source_hash, dependencies, dashboards, problems)
        results.append(shared)
    return results


# -- the form step ------------------------------------------------------------------------


def _dashboard_model(
    loaded: LoadedDocument, source: Source, ctx: LoadContext
) -> tuple[dict[str, Any], int | None]:
    """The document's dashboard model and the line it starts at; ``SourceError`` if none."""
    form, body = unwrap(loaded.document)
    per_org = form is Form.EXPORT and export_depends_on_org(ctx.config, body)
    if per_org:
        ctx.uses_org = True  # set before converting: a failure is per org too
    try:
        model = dashboard_model(loaded.document, input_values(ctx), lenient=loaded.lenient)
    except FormError as exc:
        message = _form_error_message(exc, loaded, ctx, per_org)
        raise SourceError(source.rel, message, _form_error_line(exc, loaded)) from None
    line = _key_line(loaded, "dashboard") if model.wrapped else loaded.line
    return model.dashboard, line


def input_values(ctx: LoadContext) -> dict[str, str]:
    """The export input values for the org being built: ``[inputs]``,
    ``[orgs.<org>.inputs]``, then ``--input``."""
    config = ctx.config
    return {**config.inputs, **ctx.org.inputs, **config.input_overrides}


def export_depends_on_org(config: Config, doc: Mapping[str, Any]) -> bool:
    """Whether any declared org maps one of this export's inputs itself (not overridden by
    ``--input``): then the export is converted, and built, once per org."""
    names = {item.name for item in export_inputs(doc)} - set(config.input_overrides)
    return any(not names.isdisjoint(org.inputs) for org in config.orgs.values())


def _form_error_message(
    exc: FormError, loaded: LoadedDocument, ctx: LoadContext, per_org: bool
) -> str:
    if isinstance(exc, MissingInputsError):
        config_file = ctx.config.config_file
        in_pyproject = config_file is not None and config_file.name == PYPROJECT_FILE_NAME
        return missing_inputs_message(
            exc.export,
            exc.missing,
            org=ctx.org.name if per_org else None,
            prefix="tool.dashgen." if in_pyproject else "",
        )
    if isinstance(exc, LibraryPanelsError):
        return library_panels_message(exc.names)
    return f"{loaded.label}: {exc}" if loaded.label else str(exc)


def _form_error_line(exc: FormError, loaded: LoadedDocument) -> int | None:
    if not loaded.keys_in_text:
        return loaded.line
    if isinstance(exc, ExportConversionError):
        return _key_line(loaded, "__inputs") or _key_line(loaded, "__elements")
    return _key_line(loaded, exc.anchor) if exc.anchor else None


def _key_line(loaded: LoadedDocument, key: str) -> int | None:
    if not loaded.keys_in_text or not loaded.text:
        return loaded.line
    position = loaded.text.find(f'"{key}"')
    return loaded.text.count("\n", 0, position) + 1 if position >= 0 else None


# -- normalise, validate, serialise ---------------------------------------------------------


def _finish(
    data: dict[str, Any],
    line: int | None,
    loaded: LoadedDocument,
    source: Source,
    convert_legacy_rows: bool = False,
) -> tuple[CompiledDashboard, list[Problem]]:
    if convert_legacy_rows:  # before normalising: ids and flow layout cover the result
        data = convert_legacy_rows_in_place(data)
    data = normalize_in_place(data, source=loaded.name)
    path = Path(source.rel)
    problems = [p.located(path, _locate(loaded, p.subject, line)) for p in validate(data)]
    text = dumps(data)
    dashboard = CompiledDashboard(
        uid=str(data.get("uid") or ""),
        title=str(data.get("title") or ""),
        content_hash=hash_canonical(data),
        file_hash=hashlib.sha256(text.encode()).hexdigest(),
        line=line,
        text=text,
    )
    return dashboard, problems


def _locate(loaded: LoadedDocument, subject: str | None, line: int | None) -> int | None:
    """The line of a panel's title in the source text, else where the dashboard starts."""
    if subject and loaded.text:
        needle = orjson.dumps(subject).decode()
        position = loaded.text.find(f'"title": {needle}')
        if position < 0:
            position = loaded.text.find(needle)
        if position >= 0:
            return loaded.text.count("\n", 0, position) + 1
    return line


def _hash_file(path: Path, session: dict[str, Any]) -> str:
    hashes: dict[Path, str] = session.setdefault("compiler.file_hashes", {})
    if path not in hashes:
        data = read_bytes(path)
        hashes[path] = hashlib.sha256(data).hexdigest() if data is not None else ""
    return hashes[path]


def _compile_in_pool(
    config: Config, jobs: list[Job], cache_files: dict[str, bytes]
) -> list[list[CompiledSource]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if any(source.kind == PYTHON for source, _ in jobs):
        _preload_grafanalib()
    workers = min(os.cpu_count() or 1, 8)
    size = max(1, len(jobs) // (workers * 4))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    context = multiprocessing.get_context("fork")
    compiled: list[list[CompiledSource]] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk_result, chunk_cache_files in pool.map(
            _compile_chunk, [config] * len(chunks), chunks
        ):
            compiled.extend(chunk_result)
            cache_files.update(chunk_cache_files)
    return compiled


def _safe_to_fork() -> bool:
    """Forking while other threads run can deadlock the child on a lock one of them held,
    and spawn/forkserver would re-run the caller's main script; so: one thread, or no pool.
    """
    import threading

    return threading.active_count() == 1 and hasattr(os, "fork")


def _preload_grafanalib() -> None:
    """Import grafanalib once before forking, instead of once in every worker."""
    try:
        importlib.import_module("grafanalib.core")
    except ImportError:
        pass


def _compile_chunk(
    config: Config, jobs: list[Job]
) -> tuple[list[list[CompiledSource]], dict[str, bytes]]:
    cache_files: dict[str, bytes] = {}
    session: dict[str, Any] = {CACHE_FILES: cache_files}
    compiled = [compile_source(config, source, targets, session) for source, targets in jobs]
    return compiled, cache_files

"""Compile sources: load → normalise → validate → canonical text, in-process or in a pool.

Everything a worker process returns is plain data (texts, hashes, problems), so the
build can decide afterwards whether any of it is written.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dashgen.config import Config, OrgConfig
from dashgen.errors import SourceError
from dashgen.legacy_rows import convert_legacy_rows_in_place
from dashgen.normalize import GRAFANA_OWNED_FIELDS, dumps, normalize_in_place
from dashgen.outputs import read_bytes
from dashgen.sources import (
    CACHE_FILES,
    PER_ORG_KINDS,
    PYTHON,
    LoadContext,
    LoadedDashboard,
    Source,
    load,
)
from dashgen.validate import ERROR, Problem, validate

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
                dashboard, found = _finish(loaded, source, config.convert_legacy_rows)
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


def _finish(
    loaded: LoadedDashboard, source: Source, convert_legacy_rows: bool = False
) -> tuple[CompiledDashboard, list[Problem]]:
    data = loaded.data
    if convert_legacy_rows:  # before normalising: ids and flow layout cover the result
        data = convert_legacy_rows_in_place(data)
    data = normalize_in_place(data, source=loaded.name)
    path = Path(source.rel)
    problems = [p.located(path, _locate(loaded, p.subject)) for p in validate(data)]
    text = dumps(data)
    # normalize.content_hash without normalising again: data already is canonical.
    comparable = {k: v for k, v in data.items() if k not in GRAFANA_OWNED_FIELDS}
    dashboard = CompiledDashboard(
        uid=str(data.get("uid") or ""),
        title=str(data.get("title") or ""),
        content_hash=hashlib.sha256(dumps(comparable).encode()).hexdigest(),
        file_hash=hashlib.sha256(text.encode()).hexdigest(),
        line=loaded.line,
        text=text,
    )
    return dashboard, problems


def _locate(loaded: LoadedDashboard, subject: str | None) -> int | None:
    """The line of a panel's title in the source text, else where the dashboard starts."""
    if subject and loaded.text:
        needle = orjson.dumps(subject).decode()
        position = loaded.text.find(f'"title": {needle}')
        if position < 0:
            position = loaded.text.find(needle)
        if position >= 0:
            return loaded.text.count("\n", 0, position) + 1
    return loaded.line


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

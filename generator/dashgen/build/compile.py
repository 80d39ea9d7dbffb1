"""Compile one source: load → form → normalise → validate → canonical text.

The form step (``dashgen.model.forms``) sits between loading and normalising, the same for
every source kind: an API envelope is unwrapped, a Share > Export document is converted
with the input values of the org being built (``[inputs]``, ``[orgs.<org>.inputs]``, then
``--input``), anything that is not a dashboard is refused.

What a compile returns is plain data (texts, hashes, problems): ``compile_all`` runs
Python sources in worker processes (``dashgen.build.workers``), and the build decides
afterwards whether any of it is written.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashgen.build.compiled import CompiledDashboard, CompiledSource, Job, Target
from dashgen.build.outputs import read_bytes
from dashgen.build.placing import place, placed
from dashgen.config import PYPROJECT_FILE_NAME, Config
from dashgen.errors import SourceError
from dashgen.model.forms import (
    ExportConversionError,
    Form,
    FormError,
    LibraryPanelsError,
    MissingInputsError,
    NotADashboardError,
    export_inputs,
    library_panels_message,
    missing_inputs_message,
    unwrap,
)
from dashgen.model.integers import integral_ints_in_place
from dashgen.model.json_duplicates import duplicate_keys
from dashgen.model.legacy_rows import convert_legacy_rows_in_place
from dashgen.model.normalize import (
    derive_uid,
    dumps_bytes,
    hash_canonical_bytes,
    normalize_in_place,
)
from dashgen.model.schema import FolderResource, SourceModel, source_model
from dashgen.model.v2 import normalize_v2, v2_title
from dashgen.model.v2_validate import check_v2_uid, duplicate_element_keys, validate_v2
from dashgen.model.validate import ERROR, WARNING, Problem, validate
from dashgen.sources import (
    CACHE_FILES,
    DOCUMENT_NOUNS,
    JINJA,
    PER_ORG_KINDS,
    PYTHON,
    VIEW_JSON,
    YAML,
    LoadContext,
    LoadedDocument,
    Source,
    load,
)

if TYPE_CHECKING:
    from dashgen.build.workers import WorkerPool
from dashgen.sources.positions import deepest_nesting


def compile_source(
    config: Config,
    source: Source,
    targets: list[Target],
    session: dict[str, Any],
    *,
    guard: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> list[CompiledSource]:
    """One source for each target. Jinja renders per org; a Python source is loaded once and
    shared unless it read ``dashgen.context`` (then once per org). ``guard`` wraps each
    org's compile (a worker's watchdog)."""
    data = read_bytes(source.path)  # hashed, then given to the loader: read once
    source_hash = hashlib.sha256(data or b"").hexdigest()
    results: list[CompiledSource] = []
    shared: CompiledSource | None = None
    uses_org = source.kind in PER_ORG_KINDS
    for target in targets:
        if shared is not None and not uses_org:
            results.append(shared)
            continue
        ctx = LoadContext(config, target.org, target.variables, session=session, source_bytes=data)
        with guard():
            dashboards, problems = _compile_target(source, ctx)
        uses_org = uses_org or ctx.uses_org
        dependencies = {str(p): _hash_file(p, session) for p in sorted(ctx.dependencies)}
        shared = CompiledSource(source_hash, dependencies, dashboards, problems)
        results.append(shared)
    return results


def _compile_target(
    source: Source, ctx: LoadContext
) -> tuple[list[CompiledDashboard], list[Problem]]:
    """Every dashboard of the source for one org, and every problem: one bad document (an
    item of a ``dashboards`` list) does not hide the others."""
    dashboards: list[CompiledDashboard] = []
    problems: list[Problem] = []
    try:
        documents = load(source, ctx)
    except SourceError as exc:
        return [], [_problem_of(exc)]
    except RecursionError:
        return [], [Problem(ERROR, _too_deep(None), Path(source.rel))]
    except Exception as exc:  # a loader bug must not hide the other sources' results
        return [], [_internal_error(exc, source, None)]
    for loaded in documents:
        try:
            if loaded.error is not None:
                raise loaded.error
            if loaded.skipped is not None:
                problems.append(Problem(WARNING, loaded.skipped, Path(source.rel), loaded.line))
                continue
            model, line = _dashboard_model(loaded, source, ctx)
            if model is None:  # a folder resource: nothing to build, nothing wrong
                continue
            finish = _finish_v2 if model.is_v2 else _finish
            dashboard, found = finish(model, line, loaded, source, ctx.config)
            found += [Problem(WARNING, w, Path(source.rel), line) for w in loaded.warnings]
            if len(documents) > 1 and loaded.label:  # say which of the source's dashboards
                found = [replace(p, message=f"{loaded.label}: {p.message}") for p in found]
        except SourceError as exc:
            problems.append(_problem_of(exc))
            continue
        except RecursionError:
            problems.append(_too_deep_problem(loaded, source))
            continue
        except Exception as exc:
            problems.append(_internal_error(exc, source, loaded.label))
            continue
        dashboards.append(dashboard)
        problems.extend(found)
    return dashboards, problems


def _problem_of(exc: SourceError) -> Problem:
    return Problem(ERROR, exc.detail, Path(exc.path), exc.line)


def _internal_error(exc: Exception, source: Source, label: str | None) -> Problem:
    which = f"{label}: " if label else ""
    return Problem(ERROR, f"{which}internal error: {type(exc).__name__}: {exc}", Path(source.rel))


def _too_deep(label: str | None, where: str = "") -> str:
    which = f"{label} " if label else ""
    return (
        f"{which}nests arrays and objects too deeply for dashgen to process{where} (more "
        f"than Python's recursion limit of {sys.getrecursionlimit()} allows); no Grafana "
        "dashboard nests like this: flatten it"
    )


def _too_deep_problem(loaded: LoadedDocument, source: Source) -> Problem:
    if source.kind != VIEW_JSON or not loaded.text:
        return Problem(ERROR, _too_deep(loaded.label), Path(source.rel), loaded.line)
    depth, line = deepest_nesting(loaded.text)
    return Problem(ERROR, _too_deep(loaded.label, f": {depth} levels"), Path(source.rel), line)


# Below this many jobs, one worker (for the Python sources) and this process (for the
# others, meanwhile) do the work: more workers would cost more to start than they save.
POOL_MIN_JOBS = 64
MAX_WORKERS = 8


def compile_all(
    config: Config,
    jobs: list[Job],
    cache_files: dict[str, bytes],
    *,
    pool: Callable[[], WorkerPool] | None = None,
    on_result: Callable[[int, list[CompiledSource]], None] | None = None,
    staging: Callable[[], tuple[str, dict[str, str]] | None] | None = None,
) -> list[list[CompiledSource]]:
    """Compile each job's source for each of its targets (results in job order): Python
    sources in workers, the others here, or everything spread over workers for a large
    build. ``cache_files`` receives what loaders want written on success (compiled
    templates). ``pool`` gives the workers kept warm between builds (asked for, and the
    worker machinery imported, only when a job needs one); without it they end here.
    ``on_result(index, results)`` is told of each job compiled, as soon as it is.
    ``staging()``: where workers write the outputs themselves (``WorkerPool.compile``),
    asked for only when a job goes to a worker."""
    session: dict[str, Any] = {CACHE_FILES: cache_files}
    # Spreading every kind over workers pays only when they are forks: fresh interpreters
    # (when other threads run, as in watch) spend their start importing what a fork shares.
    parallel = len(jobs) >= POOL_MIN_JOBS and (os.cpu_count() or 1) > 1 and safe_to_fork()
    remote = [(i, job) for i, job in enumerate(jobs) if parallel or job[0].kind == PYTHON]
    results: list[list[CompiledSource] | None] = [None] * len(jobs)
    told = on_result or _ignore

    def compile_here(job: Job) -> list[CompiledSource]:
        return compile_source(config, job[0], job[1], session)

    def local_work() -> Iterator[None]:
        for index, job in enumerate(jobs):
            if not (parallel or job[0].kind == PYTHON):
                results[index] = compile_here(job)
                told(index, results[index])
                yield

    if remote:
        if parallel:
            _preload({job[0].kind for _, job in remote})
        from dashgen.build.workers import WorkerPool

        own_pool = pool is None
        workers = WorkerPool() if pool is None else pool()
        size = min(os.cpu_count() or 1, MAX_WORKERS) if parallel else 1
        try:
            workers.compile(
                config,
                remote,
                size=size,
                results=results,
                cache_files=cache_files,
                local_work=local_work(),
                fallback=compile_here,
                on_result=told,
                staging=staging() if staging is not None else None,
            )
        finally:
            if own_pool:
                workers.close()
    else:
        for _ in local_work():
            pass
    return [r if r is not None else [] for r in results]


def _ignore(index: int, results: list[CompiledSource]) -> None:
    pass


def _preload(kinds: set[str]) -> None:
    """Import what the workers will need (grafanalib, the Jinja loader and jinja2, PyYAML) once
    before forking them, instead of once in every worker."""
    if JINJA in kinds:
        importlib.import_module("dashgen.sources.jinja")
    if YAML in kinds:
        importlib.import_module("dashgen.sources.yamldoc")
    if PYTHON in kinds:
        importlib.import_module("dashgen.sources.python")
        from dashgen.sources.attrs_code import preload_grafanalib

        preload_grafanalib()


def safe_to_fork() -> bool:
    """Forking while other threads run can deadlock the child on a lock one of them held."""
    return threading.active_count() == 1 and hasattr(os, "fork")


# -- the form step ------------------------------------------------------------------------


def _dashboard_model(
    loaded: LoadedDocument, source: Source, ctx: LoadContext
) -> tuple[SourceModel | None, int | None]:
    """The document's model (None for a folder resource) and the line it starts at;
    ``SourceError`` if there is none."""
    form, body = unwrap(loaded.document)
    per_org = form is Form.EXPORT and export_depends_on_org(ctx.config, body)
    if per_org:
        ctx.uses_org = True  # set before converting: a failure is per org too
    try:
        model = source_model(loaded.document, input_values(ctx), lenient=loaded.lenient)
    except FolderResource:
        return None, None
    except FormError as exc:
        message = _form_error_message(exc, loaded, ctx, per_org, source)
        path, line = _form_error_place(exc, loaded, source)
        raise SourceError(path, message, line) from None
    if not model.prefix:
        return model, loaded.line
    return model, place(loaded, model.prefix, source)[1]


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
    exc: FormError, loaded: LoadedDocument, ctx: LoadContext, per_org: bool, source: Source
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
    if isinstance(exc, NotADashboardError):
        exc = NotADashboardError(exc.form, DOCUMENT_NOUNS.get(source.kind, "JSON"), exc.body)
    return f"{loaded.label}: {exc}" if loaded.label else str(exc)


def _form_error_place(
    exc: FormError, loaded: LoadedDocument, source: Source
) -> tuple[str, int | None]:
    pointer = getattr(exc, "pointer", None)  # a resource's or v2 spec's own error
    if pointer is not None:
        return place(loaded, pointer, source)
    if isinstance(exc, ExportConversionError):
        inputs = loaded.document.get("__inputs") if isinstance(loaded.document, dict) else None
        return place(loaded, ("__inputs",) if inputs else ("__elements",), source)
    return place(loaded, (exc.anchor,) if exc.anchor else (), source)


# -- normalise, validate, serialise ---------------------------------------------------------


def _finish(
    model: SourceModel,
    line: int | None,
    loaded: LoadedDocument,
    source: Source,
    config: Config,
) -> tuple[CompiledDashboard, list[Problem]]:
    data = model.dashboard
    twice = duplicate_keys(loaded.json_text, data) if loaded.json_text is not None else []
    if config.convert_legacy_rows:  # before normalising: ids and flow layout cover the result
        data = convert_legacy_rows_in_place(integral_ints_in_place(data))
    data = normalize_in_place(data, source=loaded.name)
    problems = placed(validate(data), loaded, source, line, model.prefix)
    problems.extend(placed(twice, loaded, source, line, ()))  # (paths from the text's root)
    uid = str(data.get("uid") or "")
    title = data["title"] if isinstance(data.get("title"), str) else ""
    return _compiled(data, uid, title, line, model), problems


def _finish_v2(
    model: SourceModel,
    line: int | None,
    loaded: LoadedDocument,
    source: Source,
    config: Config,
) -> tuple[CompiledDashboard, list[Problem]]:
    """A schema v2 dashboard: its spec is the output (no classic normalisation); the uid
    is the resource's ``metadata.name``, else derived from the source path."""
    spec = normalize_v2(model.dashboard)
    uid = model.uid if model.uid is not None else derive_uid(loaded.name)
    found = validate_v2(spec)
    if loaded.json_text is not None:
        found.extend(duplicate_element_keys(loaded.json_text, model.prefix))
    problems = placed(found, loaded, source, line, model.prefix)
    problems.extend(placed(check_v2_uid(uid, model.uid is not None), loaded, source, line, ()))
    return _compiled(spec, uid, v2_title(spec), line, model), problems


def _compiled(
    data: dict[str, Any], uid: str, title: str, line: int | None, model: SourceModel
) -> CompiledDashboard:
    """The record of a finished dashboard (classic model or v2 spec) and its output text."""
    content = dumps_bytes(data)
    return CompiledDashboard(
        uid=uid,
        title=title,
        content_hash=hash_canonical_bytes(data, content),
        file_hash=hashlib.sha256(content).hexdigest(),
        line=line,
        schema=model.schema,
        folder_uid=model.folder_uid,
        content=content,
    )


def _hash_file(path: Path, session: dict[str, Any]) -> str:
    hashes: dict[Path, str] = session.setdefault("compiler.file_hashes", {})
    if path not in hashes:
        data = read_bytes(path)
        hashes[path] = hashlib.sha256(data).hexdigest() if data is not None else ""
    return hashes[path]

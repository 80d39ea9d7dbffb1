"""discover → load → normalize → validate → write, atomically and incrementally.

Output: ``<output>/<org>/<uid>.json`` per org (``_default`` when the config declares
none) and ``<output>/manifest.json``. Bad sources never raise: every problem of the run
is collected in the ``BuildResult``; only config and usage errors raise.

Atomicity: nothing is written until every source has compiled and validated, so a
build with errors leaves the output folder as it was (caches included). A successful
build stages the changed files and renames them into place, removes outputs whose
source is gone, and rewrites only files whose bytes changed.

Incremental: a ``Builder`` remembers, per (org, source), the source's hash, the files it
depended on (templates a render loaded, project modules a Python source imported; the
config file, ``--var`` values and the legacy-rows switch apply to everything) and what
it produced (``dashgen.buildcache``). ``build(changed_paths)`` recompiles exactly the
sources whose file or dependencies are among the changed paths, plus new ones; ``build()``
decides by content hashes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen.buildcache import BuildCache, Key, SourceRecord
from dashgen.compiler import CompiledDashboard, CompiledSource, Job, Target, compile_all
from dashgen.config import CONFIG_FILE_NAME, PYPROJECT_FILE_NAME, Config, load_config
from dashgen.errors import BuildError, UsageError
from dashgen.manifest import (
    MANIFEST_NAME,
    BuiltDashboard,
    manifest_order,
    read_manifest,
    write_manifest,
)
from dashgen.outputs import (
    json_files_in,
    output_path,
    read_bytes,
    write_atomically,
    write_staged,
)
from dashgen.sources import PYTHON, Source, apply_changes, discover, selector
from dashgen.validate import ERROR, WARNING, Problem

__all__ = [
    "BuildResult",
    "Builder",
    "BuiltDashboard",
    "Problem",
    "build",
    "read_manifest",
]


@dataclass
class BuildResult:
    dashboards: list[BuiltDashboard] = field(default_factory=list)  # outputs of the orgs built
    rebuilt: list[BuiltDashboard] = field(default_factory=list)  # compiled in this run
    removed: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


def build(
    config: Config,
    *,
    orgs: Iterable[str] | None = None,
    extra_vars: Mapping[str, Any] | None = None,
    strict: bool = False,
    convert_legacy_rows: bool | None = None,
) -> BuildResult:
    """One build of the project (incremental against the output folder's cache).

    ``convert_legacy_rows`` overrides the config's ``[build] convert_legacy_rows``.
    """
    return Builder(
        config,
        orgs=orgs,
        extra_vars=extra_vars,
        strict=strict,
        convert_legacy_rows=convert_legacy_rows,
    ).build()


class Builder:
    """Keeps what the last builds produced so the next one compiles only what changed."""

    def __init__(
        self,
        config: Config,
        *,
        orgs: Iterable[str] | None = None,
        extra_vars: Mapping[str, Any] | None = None,
        strict: bool = False,
        convert_legacy_rows: bool | None = None,  # None: as the config says
    ) -> None:
        self.convert_legacy_rows = convert_legacy_rows
        self.config = self._with_overrides(config)
        self.requested_orgs = tuple(dict.fromkeys(orgs)) if orgs else None
        self.extra_vars = dict(extra_vars or {})
        self.strict = strict
        for name in self.requested_orgs or ():
            if not name or "/" in name or "\\" in name or name.startswith("."):
                raise UsageError(f"invalid org name {name!r}")
        self.cache: BuildCache | None = None  # loaded on the first build
        self.manifest: dict[tuple[str, str], BuiltDashboard] = {}
        self.pending: set[Key] = set()  # compiled in a failed run: compile again next time
        self.sources: dict[str, Source] = {}  # reused between walks of the sources dir
        self.walked: dict[str, Source] | None = None  # the sources dir's candidates, by path
        self.cache_dirty = False  # the cache file no longer matches memory

    def build(self, changed_paths: Iterable[Path] | None = None) -> BuildResult:
        """Build; with ``changed_paths``, recompile only what those files affect."""
        started = time.perf_counter()
        changed = None if changed_paths is None else {os.path.realpath(p) for p in changed_paths}
        if changed is not None and self._config_changed(changed):
            self.config = self._with_overrides(load_config(self.config.root))
            self.cache = None
            self.walked = None
        cache = self.cache or self._load_state()
        if not cache.trusted:
            changed = None  # nothing remembered to be incremental against: check everything
        result = _Run(self, cache, changed).execute()
        result.duration_s = time.perf_counter() - started
        return result

    def targets(self) -> list[Target]:
        names = self.requested_orgs or self.config.default_targets()
        targets = []
        for name in names:
            org = self.config.org(name)
            variables = {**self.config.vars, **org.vars, **self.extra_vars}
            targets.append(Target(org=org, variables=variables))
        return targets

    def _with_overrides(self, config: Config) -> Config:
        if self.convert_legacy_rows is None:
            return config
        return dataclasses.replace(config, convert_legacy_rows=self.convert_legacy_rows)

    def _config_changed(self, changed: set[str]) -> bool:
        root = self.config.root
        candidates = {str(root / CONFIG_FILE_NAME), str(root / PYPROJECT_FILE_NAME)}
        if self.config.config_file is not None:
            candidates.add(os.path.realpath(self.config.config_file))
        return not candidates.isdisjoint(changed)

    def _load_state(self) -> BuildCache:
        output_dir = self.config.output_dir
        key = BuildCache.compute_key(
            self.config.config_file,
            self.extra_vars,
            convert_legacy_rows=self.config.convert_legacy_rows,
            input_overrides=self.config.input_overrides,
        )
        self.cache = BuildCache.load(output_dir, key)
        try:
            self.manifest = {(d.org, d.uid): d for d in read_manifest(output_dir)}
        except BuildError:
            self.manifest = {}
            self.cache.trusted = False  # records without their manifest: start over
        self.cache_dirty = False
        return self.cache


class _Run:
    """One build: decide what is dirty, compile it, check, then write or keep everything."""

    def __init__(self, builder: Builder, cache: BuildCache, changed: set[str] | None) -> None:
        self.builder = builder
        self.cache = cache
        self.config = builder.config
        self.out = str(self.config.output_dir)
        self.changed = changed
        self.targets = builder.targets()
        self.target_orgs = {t.org.name for t in self.targets}
        self.file_hashes: dict[str, str] = {}
        self.cache_files: dict[str, bytes] = {}  # written to the output dir on success
        self.cache_trusted = cache.trusted  # the manifest on disk matches the cache's records

    def execute(self) -> BuildResult:
        current = self._current_sources()
        compiled = self._compile(current, self._dirty(current))
        dashboards = {
            key: (
                compiled[key].dashboards if key in compiled else self.cache.records[key].dashboards
            )
            for key in current
        }
        problems = self._problems(current, compiled, dashboards)
        rebuilt = [
            self._built(key, d) for key in sorted(compiled) for d in compiled[key].dashboards
        ]
        if any(p.severity == ERROR for p in problems):
            self.builder.pending |= set(compiled)
            return BuildResult(self._in_scope(), rebuilt, [], problems)
        removed = self._commit(current, compiled, dashboards)
        self.builder.pending.clear()
        return BuildResult(self._in_scope(), rebuilt, removed, problems)

    def _in_scope(self) -> list[BuiltDashboard]:
        """The outputs in the output folder for the orgs this build covers."""
        found = (d for d in self.builder.manifest.values() if d.org in self.target_orgs)
        return sorted(found, key=manifest_order)

    # -- what to build

    def _current_sources(self) -> dict[Key, Source]:
        current: dict[Key, Source] = {}
        selectors = [(t.org.name, selector(t.org.sources)) for t in self.targets]
        python_seen: set[str] = set()
        for source in self._walk():
            if source.kind == PYTHON:
                python_seen.add(source.rel)
                if not self._is_python_source(source):
                    continue
            for org_name, selects in selectors:
                if selects(source.name):
                    current[(org_name, source.rel)] = source
        for rel in set(self.cache.python_kinds) - python_seen:
            del self.cache.python_kinds[rel]
            self.builder.cache_dirty = True
        return current

    def _walk(self) -> list[Source]:
        """The candidate files; after an edit, the last walk updated with the changed paths."""
        builder = self.builder
        if (
            self.changed is None
            or builder.walked is None
            or not apply_changes(self.config, builder.walked, self.changed)
        ):
            found = discover(self.config, known=builder.sources)
            builder.walked = {str(source.path): source for source in found}
        return sorted(builder.walked.values(), key=lambda source: source.rel)

    def _is_python_source(self, source: Source) -> bool:
        from dashgen.sources.python import is_source

        known = self.cache.python_kinds.get(source.rel)
        if known is not None and self.changed is not None and str(source.path) not in self.changed:
            return known[1]
        file_hash = self._hash(source.path)
        if known is not None and known[0] == file_hash:
            return known[1]
        text = (read_bytes(source.path) or b"").decode("utf-8", errors="replace")
        verdict = is_source(source.path, text)
        self.cache.python_kinds[source.rel] = (file_hash, verdict)
        self.builder.cache_dirty = True
        return verdict

    def _dirty(self, current: dict[Key, Source]) -> set[Key]:
        records = self.cache.records
        dirty = {key for key in current if key not in records}
        dirty |= self.builder.pending & current.keys()
        for key, source in current.items():
            if key in dirty:
                continue
            record = records[key]
            if self.changed is not None:
                if str(source.path) in self.changed or not self.changed.isdisjoint(
                    record.dependencies
                ):
                    dirty.add(key)
            elif self._stale(key[0], source, record):
                dirty.add(key)
        return dirty

    def _stale(self, org: str, source: Source, record: SourceRecord) -> bool:
        if self._hash(source.path) != record.source_hash:
            return True
        if any(self._hash(dep) != h for dep, h in record.dependencies.items()):
            return True
        return any(not os.path.isfile(output_path(self.out, org, d.uid)) for d in record.dashboards)

    def _hash(self, path: Path | str) -> str:
        key = str(path)
        known = self.file_hashes.get(key)
        if known is None:
            data = read_bytes(key)
            known = hashlib.sha256(data).hexdigest() if data is not None else ""
            self.file_hashes[key] = known
        return known

    def _compile(self, current: dict[Key, Source], dirty: set[Key]) -> dict[Key, CompiledSource]:
        targets = {t.org.name: t for t in self.targets}
        jobs_by_source: dict[str, Job] = {}
        for org_name, rel in sorted(dirty):
            source = current[(org_name, rel)]
            jobs_by_source.setdefault(rel, (source, []))[1].append(targets[org_name])
        jobs = list(jobs_by_source.values())
        results = compile_all(self.config, jobs, self.cache_files)
        compiled: dict[Key, CompiledSource] = {}
        for (source, job_targets), per_org in zip(jobs, results, strict=True):
            for target, outcome in zip(job_targets, per_org, strict=True):
                compiled[(target.org.name, source.rel)] = outcome
        return compiled

    # -- checks across sources

    def _problems(
        self,
        current: dict[Key, Source],
        compiled: dict[Key, CompiledSource],
        dashboards: dict[Key, list[CompiledDashboard]],
    ) -> list[Problem]:
        problems: list[Problem] = []
        for key in sorted(current, key=lambda k: (k[1], k[0])):
            if key in compiled:
                problems.extend(compiled[key].problems)
            else:
                problems.extend(self.cache.records[key].warnings)
        problems.extend(_duplicate_uids(dashboards))
        if self.builder.strict:
            problems = [p.as_error() for p in problems]
        return list(dict.fromkeys(problems))  # a source shared by several orgs reports once

    # -- write

    def _commit(
        self,
        current: dict[Key, Source],
        compiled: dict[Key, CompiledSource],
        dashboards: dict[Key, list[CompiledDashboard]],
    ) -> list[Path]:
        """Write what changed, delete what is gone, then remember the new state."""
        records = self.cache.records
        building_all = self.builder.requested_orgs is None
        # Keys whose previous outputs may change: compiled, deleted, or of an org now dropped.
        replaced = set(compiled) | {
            key
            for key in records
            if (key[0] in self.target_orgs and key not in current)
            or (building_all and key[0] not in self.target_orgs)
        }
        previous = {
            output_path(self.out, key[0], d.uid): d.file_hash
            for key in replaced
            if key in records
            for d in records[key].dashboards
        }
        fresh = {
            output_path(self.out, key[0], d.uid): d
            for key, outcome in compiled.items()
            for d in outcome.dashboards
        }
        to_write: dict[str, str] = {}
        for path, dashboard in fresh.items():
            known = previous.get(path)
            if known is None:
                known = self._hash(path)  # a file the cache does not know about
            if known != dashboard.file_hash:
                to_write[path] = dashboard.text or ""
        stale = set(previous) - set(fresh)
        if building_all:
            stale |= {
                str(d.path) for d in self.builder.manifest.values() if d.org not in self.target_orgs
            }
        if self.changed is None:
            wanted = {
                output_path(self.out, k[0], d.uid) for k, ds in dashboards.items() for d in ds
            }
            stale |= json_files_in(self.out, self.target_orgs) - wanted
        write_staged(self.config.output_dir, to_write)
        for relative, data in self.cache_files.items():
            write_atomically(self.config.output_dir / relative, data)
        removed = sorted(Path(path) for path in stale if os.path.isfile(path))
        for path in removed:
            path.unlink()
        self._update_manifest(replaced, compiled, dashboards)
        self._update_records(replaced, compiled)
        return removed

    def _update_manifest(
        self,
        replaced: set[Key],
        compiled: dict[Key, CompiledSource],
        dashboards: dict[Key, list[CompiledDashboard]],
    ) -> None:
        builder = self.builder
        manifest_file = os.path.join(self.out, MANIFEST_NAME)
        if not self.cache_trusted or not os.path.isfile(manifest_file):
            # Rebuilt from every current output when the last state is unknown.
            manifest = {
                k: d
                for k, d in builder.manifest.items()
                if builder.requested_orgs is not None and d.org not in self.target_orgs
            }
            for key, built in dashboards.items():
                for dashboard in built:
                    manifest[(key[0], dashboard.uid)] = self._built(key, dashboard)
            changed = manifest != builder.manifest
        else:
            manifest = dict(builder.manifest)
            for key in replaced:
                record = self.cache.records.get(key)
                for dashboard in record.dashboards if record else ():
                    manifest.pop((key[0], dashboard.uid), None)
            for key, outcome in compiled.items():
                for dashboard in outcome.dashboards:
                    manifest[(key[0], dashboard.uid)] = self._built(key, dashboard)
            changed = bool(replaced)
        builder.manifest = manifest
        if changed or not os.path.isfile(manifest_file):
            write_manifest(self.config.output_dir, manifest.values())

    def _update_records(self, replaced: set[Key], compiled: dict[Key, CompiledSource]) -> None:
        records = self.cache.records
        for key in replaced - compiled.keys():
            records.pop(key, None)
        for key, outcome in compiled.items():
            records[key] = SourceRecord.from_compiled(outcome)
        if replaced or self.builder.cache_dirty or not self.cache.trusted:
            self.cache.save(self.config.output_dir)
            self.builder.cache_dirty = False

    def _built(self, key: Key, dashboard: CompiledDashboard) -> BuiltDashboard:
        org_name, rel = key
        org = self.config.org(org_name)
        return BuiltDashboard(
            org=org_name,
            uid=dashboard.uid,
            title=dashboard.title,
            source=Path(rel),
            path=Path(output_path(self.out, org_name, dashboard.uid)),
            content_hash=dashboard.content_hash,
            folder=org.folder,
            folder_uid=org.folder_uid,
        )


def _duplicate_uids(dashboards: dict[Key, list[CompiledDashboard]]) -> list[Problem]:
    """The same uid from two sources (or twice from one) in the same org, naming both."""
    first: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for (org, rel), built in sorted(dashboards.items(), key=lambda item: (item[0][1], item[0][0])):
        seen_here: set[str] = set()
        for dashboard in built:
            if not dashboard.uid:
                continue
            other = first.setdefault((org, dashboard.uid), rel)
            if other != rel or dashboard.uid in seen_here:
                also = f"{other} and {rel}" if other != rel else f"{rel} (twice)"
                message = f"uid {dashboard.uid!r} is produced by both {also}"
                problems.append(Problem(ERROR, message, Path(rel), dashboard.line))
            seen_here.add(dashboard.uid)
    return problems

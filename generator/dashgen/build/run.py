"""One build: decide what is dirty, compile it, check across sources, then write or keep all.

Atomicity: nothing is written until every source has compiled and validated, so a build
with errors leaves the output folder as it was (caches included). A successful build
writes the changed files, deletes outputs whose source is gone and records the new
manifest and cache as one commit (``dashgen.build.commit``): interrupted at any instant,
the output folder holds the old build or the new one. A commit that the file system
refuses (a full disk, a read-only folder, ``build`` being a file) is one problem of the
result, with the output folder as it was.

Output files are checked against the cache in full builds: a file whose size or mtime
differs from what was recorded is hashed, and rebuilt when its bytes are not the ones the
cache describes (a hand edit, a copy), so a build is always the build of the sources.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from dashgen.build.cache import CACHE_NAME, BuildCache, Key, SourceRecord
from dashgen.build.commit import Commit, CommitError, remove_leftovers
from dashgen.build.compiled import CompiledDashboard, CompiledSource, Job
from dashgen.build.early import EarlyStaging
from dashgen.build.manifest import (
    MANIFEST_NAME,
    BuiltDashboard,
    ManifestEntries,
    manifest_bytes,
    manifest_order,
)
from dashgen.build.next_manifest import new_manifest
from dashgen.build.outputs import inside_any, json_files_in, output_path, read_bytes
from dashgen.build.problems import (
    commit_problem,
    duplicate_uids,
    unmatched_patterns,
    unwritable_output,
)
from dashgen.build.result import BuildResult
from dashgen.model.validate import ERROR, Problem
from dashgen.sources import PYTHON, Source, apply_changes, discover, selector
from dashgen.sources.cache_pack import files_to_write
from dashgen.sources.discovery import missing_sources_dir
from dashgen.sources.kinds import GRAFANALIB_SUFFIX

if TYPE_CHECKING:
    from dashgen.build import Builder


class Run:
    """One build: decide what is dirty, compile it, check, then write or keep everything."""

    def __init__(
        self, builder: Builder, cache: BuildCache, changed: set[str] | None, *, last: bool = False
    ) -> None:
        self.builder = builder
        self.last = last  # no other build follows on this Builder: its workers may end early
        self.cache = cache
        self.config = builder.config
        self.out = str(self.config.output_dir)
        self.changed = changed
        self.targets = builder.targets()
        self.target_orgs = {t.org.name for t in self.targets}
        self.file_hashes: dict[str, str] = {}
        self.cache_files: dict[str, bytes] = {}  # written to the output dir on success
        self.cache_trusted = cache.trusted  # the manifest on disk matches the cache's records
        self.discovery_problems: list[Problem] = []  # places the walk could not look into
        self.walked_names: list[str] = []  # every candidate file, relative to the sources dir
        self.unverified: set[str] = set()  # outputs whose bytes are not what the cache says
        self.early = EarlyStaging(self.out)  # outputs written while the build compiles
        self.entries = ManifestEntries(self.config, self.out)

    def execute(self) -> BuildResult:
        try:
            return self._execute()
        finally:
            self.early.discard()  # unless the commit took it (or nothing was staged)

    def _execute(self) -> BuildResult:
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
            self.entries.of(key, d) for key in sorted(compiled) for d in compiled[key].dashboards
        ]
        if not any(p.severity == ERROR for p in problems):
            problem = unwritable_output(self.config)
            if problem is None:
                try:
                    removed = self._commit(current, compiled, dashboards)
                except CommitError as error:
                    problem = commit_problem(self.config, error)
                else:
                    if self.changed is None:  # what killed builds left, once this one is in
                        remove_leftovers(self.config.output_dir)
                    self.builder.pending.clear()
                    return BuildResult(self._in_scope(), rebuilt, removed, problems)
            problems.append(problem)
            self.builder.cache = None  # memory may be ahead of the disk: read it again
        self.builder.pending |= set(compiled)
        return BuildResult(self._in_scope(), rebuilt, [], problems)

    def _in_scope(self) -> list[BuiltDashboard]:
        """The outputs in the output folder for the orgs this build covers."""
        found = (d for d in self.builder.manifest.values() if d.org in self.target_orgs)
        return sorted(found, key=manifest_order)

    # -- what to build

    def _current_sources(self) -> dict[Key, Source]:
        current: dict[Key, Source] = {}
        selectors = [(t.org.name, selector(t.org.sources)) for t in self.targets]
        python_seen: set[str] = set()
        walked = self._walk()
        self.walked_names = [source.name for source in walked]
        for source in walked:
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
            found = discover(self.config, known=builder.sources, problems=self.discovery_problems)
            if not found and not self.config.sources_dir.is_dir():
                outputs = len(self._in_scope())
                self.discovery_problems.append(missing_sources_dir(self.config, outputs))
            # A walk that missed a folder is not worth keeping: walk again next time.
            walked = {str(source.path): source for source in found}
            builder.walked = None if self.discovery_problems else walked
            return sorted(walked.values(), key=lambda source: source.rel)
        return sorted(builder.walked.values(), key=lambda source: source.rel)

    def _is_python_source(self, source: Source) -> bool:
        if source.path.name.endswith(GRAFANALIB_SUFFIX):
            return True  # by its name alone: nothing to read (a cold build reads none here)
        known = self.cache.python_kinds.get(source.rel)
        if known is not None and self.changed is not None and str(source.path) not in self.changed:
            return known[1]
        file_hash = self._hash(source.path)
        if known is not None and known[0] == file_hash:
            return known[1]
        data = read_bytes(source.path)
        if data is None:
            return True  # unreadable: compiled as a source, so that its loader says why
        from dashgen.sources.python import is_source  # the Python loader, only when needed

        verdict = is_source(source.path, data.decode("utf-8", errors="replace"))
        self.cache.python_kinds[source.rel] = (file_hash, verdict)
        self.builder.cache_dirty = True
        return verdict

    def _dirty(self, current: dict[Key, Source]) -> set[Key]:
        records = self.cache.records
        dirty = {key for key in current if key not in records}
        dirty |= self.builder.pending & current.keys()
        folders = self._changed_folders()
        for key, source in current.items():
            if key in dirty:
                continue
            record = records[key]
            if self.changed is not None:
                path = str(source.path)
                if path in self.changed or not self.changed.isdisjoint(record.dependencies):
                    dirty.add(key)
                elif (
                    folders
                    and inside_any(folders, [path, *record.dependencies])
                    and self._stale(key[0], source, record)
                ):
                    dirty.add(key)  # its folder (or a dependency's) was replaced as a whole
            elif self._stale(key[0], source, record):
                dirty.add(key)
        return dirty

    def _changed_folders(self) -> set[str]:
        """Changed paths that are (or were: deleted) folders, not files. A folder moved in,
        or deleted and made again, can come as one event for the folder alone."""
        return {path for path in self.changed or () if not os.path.isfile(path)}

    def _stale(self, org: str, source: Source, record: SourceRecord) -> bool:
        if self._hash(source.path) != record.source_hash:
            return True
        if any(self._hash(dep) != h for dep, h in record.dependencies.items()):
            return True
        return not self._outputs_verified(org, record)

    def _outputs_verified(self, org: str, record: SourceRecord) -> bool:
        """Whether every output of ``record`` is on disk with the bytes it describes."""
        verified = True
        for dashboard in record.dashboards:
            path = output_path(self.out, org, dashboard.uid)
            try:
                status = os.stat(path)
            except OSError:
                self.unverified.add(path)  # gone: written again, whatever the cache says
                return False
            stat = (status.st_size, status.st_mtime_ns)
            if record.output_stats.get(dashboard.uid) == stat:
                continue
            if self._output_hash(path) != dashboard.file_hash:
                self.unverified.add(path)
                verified = False
            else:  # the same bytes (touched, copied): remember the new stat
                record.restat(dashboard.uid, stat)
                self.builder.cache_dirty = True
        return verified

    def _hash(self, path: Path | str) -> str:
        """A source's or dependency's hash (remembered by the cache with the file's stat)."""
        key = str(path)
        known = self.file_hashes.get(key)
        if known is None:
            known, changed = self.cache.file_hash(key)
            if changed:
                self.builder.cache_dirty = True
            self.file_hashes[key] = known
        return known

    def _output_hash(self, path: str) -> str:
        data = read_bytes(path)
        return hashlib.sha256(data).hexdigest() if data is not None else ""

    def _compile(self, current: dict[Key, Source], dirty: set[Key]) -> dict[Key, CompiledSource]:
        targets = {t.org.name: t for t in self.targets}
        jobs_by_source: dict[str, Job] = {}
        for org_name, rel in sorted(dirty):
            source = current[(org_name, rel)]
            jobs_by_source.setdefault(rel, (source, []))[1].append(targets[org_name])
        jobs = list(jobs_by_source.values())
        if not jobs:
            return {}
        from dashgen.build.compile import compile_all  # the compile chain, only when needed

        def stage(index: int, per_org: list[CompiledSource]) -> None:
            self.early.write_compiled(jobs[index][1], per_org)

        def staging() -> tuple[str, dict[str, str]] | None:
            folder = self.early.folder()  # workers write their outputs there themselves
            return (folder, self.early.elsewhere) if folder else None

        results = compile_all(
            self.config,
            jobs,
            self.cache_files,
            pool=lambda: self.builder.workers,
            on_result=stage,
            staging=staging,
        )
        if self.last:
            self.builder.release_workers()  # they end while this build commits
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
        problems = sorted(self.discovery_problems, key=lambda p: str(p.path))
        for key in sorted(current, key=lambda k: (k[1], k[0])):
            if key in compiled:
                problems.extend(compiled[key].problems)
            else:
                problems.extend(self.cache.records[key].warnings)
        problems.extend(duplicate_uids(dashboards, self.config.output_dir))
        if not self.discovery_problems:  # a walk that missed folders cannot tell
            problems.extend(unmatched_patterns(self.config, self.targets, self.walked_names))
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
        """Write what changed, delete what is gone and remember the new state, as one commit
        (``dashgen.build.commit``); raises ``CommitError`` with the output folder as it was."""
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
            output_path(self.out, key[0], d.uid): (key, d)
            for key, outcome in compiled.items()
            for d in outcome.dashboards
        }
        commit = Commit(self.config.output_dir, early=self.early)
        written: dict[str, tuple[Key, str]] = {}  # relative path -> (key, uid)
        for path, (key, dashboard) in fresh.items():
            known = None if path in self.unverified else previous.get(path)
            if known is None:
                known = self._output_hash(path)  # a file the cache does not know about
            if known != dashboard.file_hash:
                relative = f"{key[0]}/{dashboard.uid}.json"
                # one bytes object, however many orgs share the dashboard; None: the bytes
                # of the file a worker staged (``EarlyStaging.write_compiled``)
                commit.write(relative, dashboard.content)
                written[relative] = (key, dashboard.uid)
        stale = set(previous) - set(fresh)
        if building_all:
            stale |= {
                str(d.path) for d in self.builder.manifest.values() if d.org not in self.target_orgs
            }
        wanted: set[str] | None = None  # a full build: every output of the target orgs
        if self.changed is None:
            wanted = {
                output_path(self.out, k[0], d.uid) for k, ds in dashboards.items() for d in ds
            }
            stale |= json_files_in(self.out, self.target_orgs) - wanted
        for relative, data in files_to_write(self.config.output_dir, self.cache_files).items():
            commit.write(relative, data)
        removed = sorted(Path(path) for path in stale if os.path.isfile(path))
        for path in removed:
            commit.delete(os.path.relpath(path, self.out))
        manifest = new_manifest(self, replaced, compiled, dashboards, full=wanted is not None)
        if manifest is not None:
            commit.write(MANIFEST_NAME, manifest_bytes(manifest.values()))
        for key, outcome in compiled.items():  # remembered now, so the next no-op reads none
            self._hash(current[key].path)
            for dependency in outcome.dependencies:
                self._hash(dependency)
        records = self.cache.records_after(replaced, compiled)
        forgot = self.changed is None and self.cache.keep_files(self.file_hashes)
        if replaced or forgot:
            self.builder.cache_dirty = True

        def cache_file(stats: dict[str, tuple[int, int]]) -> dict[str, bytes]:
            for relative, (key, uid) in written.items():
                records[key].output_stats[uid] = stats[relative]
            if commit.empty and not self.builder.cache_dirty and self.cache.trusted:
                return {}
            return {CACHE_NAME: self.cache.to_bytes(records)}

        commit.apply(late=cache_file)
        # Only now, with the commit made, does memory move to the new state.
        self.cache.records = records
        self.cache.trusted = True
        self.builder.cache_dirty = False
        if manifest is not None:
            self.builder.manifest = manifest
        return removed

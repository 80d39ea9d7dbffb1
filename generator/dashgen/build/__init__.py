"""discover → load → form → normalize → validate → write, atomically and incrementally.

Output: ``<output>/<org>/<uid>.json`` per org (``_default`` when the config declares
none) and ``<output>/manifest.json``. Bad sources never raise: every problem of the run
is collected in the ``BuildResult``; only config and usage errors raise.

Atomicity (``dashgen.build.run``, ``dashgen.build.commit``): a build with errors leaves the
output folder as it was; a good build commits as one unit, so a build interrupted at any
instant (Ctrl-C, SIGKILL) leaves the old build or the new one, and the next build completes
or discards what it left. One build at a time per output folder (``dashgen.build.lock``);
a ``Builder`` that sees another process changed the output folder reads its state again.

Incremental: a ``Builder`` remembers, per (org, source), the source's hash, the files it
depended on (templates a render loaded, project modules a Python source imported; the
config file, ``--var`` values and the legacy-rows switch apply to everything) and what
it produced (``dashgen.build.cache``). ``build(changed_paths)`` recompiles exactly the
sources whose file or dependencies are among the changed paths, plus new ones; ``build()``
decides by content hashes.
"""

from __future__ import annotations

import dataclasses
import os
import time
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashgen.build.cache import CACHE_NAME, BuildCache, Key
from dashgen.build.commit import CommitError, complete_pending_commit
from dashgen.build.compiled import Target
from dashgen.build.lock import output_lock
from dashgen.build.manifest import MANIFEST_NAME, BuiltDashboard, read_manifest
from dashgen.build.problems import commit_problem
from dashgen.build.result import BuildResult
from dashgen.build.run import Run
from dashgen.config import CONFIG_FILE_NAMES, Config, load_config
from dashgen.errors import BuildError, UsageError
from dashgen.model.validate import Problem
from dashgen.sources import Source

if TYPE_CHECKING:
    from dashgen.build.workers import WorkerPool

__all__ = [
    "BuildResult",
    "Builder",
    "BuiltDashboard",
    "Problem",
    "build",
    "read_manifest",
]


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
    with Builder(
        config,
        orgs=orgs,
        extra_vars=extra_vars,
        strict=strict,
        convert_legacy_rows=convert_legacy_rows,
    ) as builder:
        return builder.build(last=True)


class Builder:
    """Keeps what the last builds produced so the next one compiles only what changed, and
    the worker processes that compile Python sources warm (``close()`` ends them; so does
    dropping the Builder, or the end of the process)."""

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
        # identity of the cache and manifest files after this Builder's last build
        self.disk_state: tuple[tuple[int, int, int] | None, ...] = ()
        self._workers: WorkerPool | None = None

    @property
    def workers(self) -> WorkerPool:
        """The worker processes kept for this Builder's builds (started on first use)."""
        if self._workers is None:
            from dashgen.build.workers import WorkerPool  # only builds that compile need it

            self._workers = WorkerPool()
            weakref.finalize(self, self._workers.close)  # when dropped, or at exit
        return self._workers

    def release_workers(self) -> None:
        """Ask the worker processes to end, without waiting for them (``close`` does)."""
        if self._workers is not None:
            self._workers.release()

    def close(self) -> None:
        """End the worker processes (the next build starts new ones)."""
        if self._workers is not None:
            self._workers.close()

    def __enter__(self) -> Builder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def build(
        self, changed_paths: Iterable[Path] | None = None, *, last: bool = False
    ) -> BuildResult:
        """Build; with ``changed_paths``, recompile only what those files affect. ``last``:
        no other build follows on this Builder, so its workers end once they have compiled
        (while this build commits) instead of waiting warm for the next one."""
        started = time.perf_counter()
        changed = None if changed_paths is None else {os.path.realpath(p) for p in changed_paths}
        if changed is not None and self._config_changed(changed):
            self.config = self._with_overrides(load_config(self.config.root))
            self.cache = None
            self.walked = None
        with output_lock(self.config.output_dir):
            try:
                if complete_pending_commit(self.config.output_dir):
                    self.cache = None  # a killed build's commit was completed: read it
            except CommitError as error:
                return BuildResult(problems=[commit_problem(self.config, error)])
            if self.cache is not None and self._disk_state() != self.disk_state:
                self.cache = None  # another process built into the output folder meanwhile
            cache = self.cache or self._load_state()
            if not cache.trusted:
                changed = None  # nothing remembered to be incremental against: check everything
            result = Run(self, cache, changed, last=last).execute()
            self.disk_state = self._disk_state()
        result.duration_s = time.perf_counter() - started
        return result

    def _disk_state(self) -> tuple[tuple[int, int, int] | None, ...]:
        """Identity of the cache and manifest files (every commit replaces them)."""
        identities = []
        for name in (CACHE_NAME, MANIFEST_NAME):
            try:
                status = os.stat(self.config.output_dir / name)
            except OSError:
                identities.append(None)
            else:
                identities.append((status.st_ino, status.st_mtime_ns, status.st_size))
        return tuple(identities)

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
        candidates = {str(root / name) for name in CONFIG_FILE_NAMES}
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

"""discover → load → normalize → validate → write, atomically and incrementally.

Output: ``<output>/<org>/<uid>.json`` per org (``_default`` when the config declares
none) and ``<output>/manifest.json``. Bad sources never raise: every problem of the run
is collected in the ``BuildResult``; only config and usage errors raise.

Atomicity: nothing is written until every source has compiled and validated, so a
build with errors leaves the output folder as it was. A successful build stages the
changed files next to their targets and renames them into place, removes outputs whose
source is gone, and rewrites only files whose bytes changed.

Incremental: ``Builder`` remembers, per (org, source), the source's hash, the files it
depended on (templates a render loaded, project modules a Python source imported; the
config file and ``--var`` values apply to everything) and what it produced. It persists
this in ``<output>/.dashgen-cache.json`` so a fresh process can skip work as well.
``build(changed_paths)`` rebuilds exactly the sources whose dependencies intersect the
changed paths (plus new and deleted ones); ``build()`` decides by content hashes.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from dashgen import __version__
from dashgen.config import Config, OrgConfig, load_config
from dashgen.errors import BuildError, SourceError, UsageError
from dashgen.normalize import GRAFANA_OWNED_FIELDS, dumps, normalize_in_place
from dashgen.sources import (
    CACHE_FILES,
    PER_ORG_KINDS,
    PYTHON,
    LoadContext,
    LoadedDashboard,
    Source,
    discover,
    load,
    selector,
)
from dashgen.validate import ERROR, WARNING, Problem, validate

MANIFEST_NAME = "manifest.json"
CACHE_NAME = ".dashgen-cache.json"
_FORMAT = 1
# Below this many sources to compile, starting worker processes costs more than it saves.
POOL_MIN_JOBS = 64

__all__ = [
    "BuildResult",
    "Builder",
    "BuiltDashboard",
    "Problem",
    "build",
    "read_manifest",
]


@dataclass(frozen=True)
class BuiltDashboard:
    org: str
    uid: str
    title: str
    source: Path  # relative to the project root
    path: Path  # absolute output file
    content_hash: str
    folder: str | None = None
    folder_uid: str | None = None

    def load(self) -> dict[str, Any]:
        return orjson.loads(self.path.read_bytes())

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "uid": self.uid,
            "title": self.title,
            "source": self.source.as_posix(),
            "path": f"{self.org}/{self.uid}.json",
            "content_hash": self.content_hash,
            "folder": self.folder,
            "folder_uid": self.folder_uid,
        }


@dataclass
class BuildResult:
    dashboards: list[BuiltDashboard] = field(
        default_factory=list
    )  # current outputs of the orgs built
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
) -> BuildResult:
    """One build of the project (incremental against the output folder's cache)."""
    return Builder(config, orgs=orgs, extra_vars=extra_vars, strict=strict).build()


def read_manifest(output_dir: Path) -> list[BuiltDashboard]:
    """The dashboards of the last successful build in ``output_dir`` ([] when none)."""
    path = Path(output_dir) / MANIFEST_NAME
    try:
        document = orjson.loads(path.read_bytes())
        return [_from_manifest_entry(entry, Path(output_dir)) for entry in document["dashboards"]]
    except FileNotFoundError:
        return []
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise BuildError(f"{path}: unreadable build manifest ({exc}); run dashgen build") from exc


def _from_manifest_entry(entry: dict[str, Any], output_dir: Path) -> BuiltDashboard:
    return BuiltDashboard(
        org=entry["org"],
        uid=entry["uid"],
        title=entry["title"],
        source=Path(entry["source"]),
        path=output_dir / entry["path"],
        content_hash=entry["content_hash"],
        folder=entry.get("folder"),
        folder_uid=entry.get("folder_uid"),
    )


# ---------------------------------------------------------------- per-source state


@dataclass
class _Output:
    """One dashboard a source produced for one org."""

    uid: str
    title: str
    content_hash: str
    file_hash: str
    line: int | None
    text: str | None = None  # only while freshly compiled; never persisted


@dataclass
class _Record:
    """What one (org, source) produced in the last successful build, and what it read."""

    source_hash: str
    dependencies: dict[str, str]  # absolute path → sha256 of its bytes ("" = missing)
    outputs: list[_Output]
    warnings: list[Problem]

    def to_json(self) -> dict[str, Any]:
        return {
            "source_hash": self.source_hash,
            "dependencies": self.dependencies,
            "outputs": [
                [o.uid, o.title, o.content_hash, o.file_hash, o.line] for o in self.outputs
            ],
            "warnings": [[p.message, _posix(p.path), p.line] for p in self.warnings],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Record:
        return cls(
            source_hash=data["source_hash"],
            dependencies=data["dependencies"],
            outputs=[_Output(*fields) for fields in data["outputs"]],
            warnings=[
                Problem(WARNING, message, Path(path) if path else None, line)
                for message, path, line in data["warnings"]
            ],
        )


@dataclass(frozen=True)
class _Target:
    org: OrgConfig
    variables: dict[str, Any]


@dataclass
class _Compiled:
    """A (org, source) compiled in this run."""

    source_hash: str
    dependencies: dict[str, str]
    outputs: list[_Output]
    problems: list[Problem]

    @property
    def failed(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


_Key = tuple[str, str]  # (org, source path relative to the root)


# ---------------------------------------------------------------- the builder


class Builder:
    """Keeps what the last builds produced so the next one compiles only what changed."""

    def __init__(
        self,
        config: Config,
        *,
        orgs: Iterable[str] | None = None,
        extra_vars: Mapping[str, Any] | None = None,
        strict: bool = False,
    ) -> None:
        self.config = config
        self.requested_orgs = tuple(dict.fromkeys(orgs)) if orgs else None
        self.extra_vars = dict(extra_vars or {})
        self.strict = strict
        for name in self.requested_orgs or ():
            if not name or "/" in name or "\\" in name or name.startswith("."):
                raise UsageError(f"invalid org name {name!r}")
        self._records: dict[_Key, _Record] = {}
        self._python_kinds: dict[str, tuple[str, bool]] = {}  # rel → (hash, is a source)
        self._manifest: dict[tuple[str, str], BuiltDashboard] = {}
        self._pending: set[_Key] = set()  # compiled in a failed run: retry next time
        self._loaded = False
        self._cache_key = ""
        self._state_changed = False  # the cache file no longer matches memory
        self._sources: dict[str, Source] = {}  # reused between walks of the sources dir

    # -- public

    def build(self, changed_paths: Iterable[Path] | None = None) -> BuildResult:
        started = time.perf_counter()
        changed = None if changed_paths is None else {_absolute(p) for p in changed_paths}
        if changed is not None and self._config_changed(changed):
            self.config = load_config(self.config.root)
            self._loaded = False
        self._load_state()
        run = _Run(self, changed)
        result = run.execute()
        result.duration_s = time.perf_counter() - started
        return result

    # -- state

    def targets(self) -> list[_Target]:
        names = self.requested_orgs or self.config.default_targets()
        targets = []
        for name in names:
            org = self.config.org(name)
            variables = {**self.config.vars, **org.vars, **self.extra_vars}
            targets.append(_Target(org=org, variables=variables))
        return targets

    def _config_changed(self, changed: set[str]) -> bool:
        config_file = self.config.config_file
        if config_file is not None:
            return str(config_file.resolve()) in changed
        root = self.config.root
        return any(str(root / name) in changed for name in ("dashgen.toml", "pyproject.toml"))

    def _load_state(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        self._cache_key = self._compute_cache_key()
        self._records.clear()
        self._python_kinds.clear()
        self._manifest = {(d.org, d.uid): d for d in _safe_read_manifest(self.config.output_dir)}
        try:
            cache = orjson.loads((self.config.output_dir / CACHE_NAME).read_bytes())
            if cache.get("format") != _FORMAT or cache.get("key") != self._cache_key:
                return
            for key, data in cache["records"].items():
                org, _, rel = key.partition("\0")
                self._records[(org, rel)] = _Record.from_json(data)
            self._python_kinds = {rel: (h, bool(s)) for rel, (h, s) in cache["python"].items()}
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            self._records.clear()
            self._python_kinds.clear()

    def _compute_cache_key(self) -> str:
        digest = hashlib.sha256(f"{_FORMAT}\0{__version__}\0".encode())
        if self.config.config_file is not None:
            digest.update(_read_bytes(self.config.config_file) or b"")
        digest.update(orjson.dumps(self.extra_vars, option=orjson.OPT_SORT_KEYS, default=str))
        return digest.hexdigest()

    def _save_cache(self) -> None:
        document = {
            "format": _FORMAT,
            "key": self._cache_key,
            "records": {f"{org}\0{rel}": r.to_json() for (org, rel), r in self._records.items()},
            "python": {rel: [h, s] for rel, (h, s) in self._python_kinds.items()},
        }
        _write_atomically(self.config.output_dir / CACHE_NAME, orjson.dumps(document))


class _Run:
    """One build: decide what is dirty, compile it, check, then write or keep everything."""

    def __init__(self, builder: Builder, changed: set[str] | None) -> None:
        self.builder = builder
        self.config = builder.config
        self.changed = changed
        self.targets = builder.targets()
        self.file_hashes: dict[str, str] = {}
        self.cache_files: dict[str, bytes] = {}  # written to the output dir on success

    def execute(self) -> BuildResult:
        builder = self.builder
        current = self._current_sources()
        dirty = self._dirty(current)
        compiled = self._compile(current, dirty)
        outputs = {
            key: (compiled[key].outputs if key in compiled else builder._records[key].outputs)
            for key in current
        }
        problems = self._problems(current, compiled, outputs)
        rebuilt = [self._built(key, output) for key in sorted(compiled) for output in outputs[key]]
        if any(p.severity == ERROR for p in problems):
            builder._pending |= set(compiled)
            return BuildResult(
                dashboards=self._current_dashboards(),
                rebuilt=rebuilt,
                problems=problems,
            )
        removed = self._commit(current, compiled, outputs)
        builder._pending.clear()
        return BuildResult(
            dashboards=self._current_dashboards(),
            rebuilt=rebuilt,
            removed=removed,
            problems=problems,
        )

    def _current_dashboards(self) -> list[BuiltDashboard]:
        """The outputs in the output folder for the orgs this build covers."""
        orgs = {t.org.name for t in self.targets}
        in_scope = (d for d in self.builder._manifest.values() if d.org in orgs)
        return sorted(in_scope, key=_manifest_order)

    # -- what to build

    def _current_sources(self) -> dict[_Key, Source]:
        current: dict[_Key, Source] = {}
        selectors = [(t, selector(t.org.sources)) for t in self.targets]
        python_seen: set[str] = set()
        for source in discover(self.config, known=self.builder._sources):
            if source.kind == PYTHON:
                python_seen.add(source.rel)
                if not self._is_python_source(source):
                    continue
            for target, selects in selectors:
                if selects(source.name):
                    current[(target.org.name, source.rel)] = source
        for rel in set(self.builder._python_kinds) - python_seen:
            del self.builder._python_kinds[rel]
            self.builder._state_changed = True
        return current

    def _is_python_source(self, source: Source) -> bool:
        from dashgen.sources.python import is_source

        known = self.builder._python_kinds.get(source.rel)
        if known is not None and self.changed is not None and str(source.path) not in self.changed:
            return known[1]
        file_hash = self._hash(source.path)
        if known is not None and known[0] == file_hash:
            return known[1]
        text = (_read_bytes(source.path) or b"").decode("utf-8", errors="replace")
        verdict = is_source(source.path, text)
        self.builder._python_kinds[source.rel] = (file_hash, verdict)
        self.builder._state_changed = True
        return verdict

    def _dirty(self, current: dict[_Key, Source]) -> set[_Key]:
        records = self.builder._records
        dirty = {key for key in current if key not in records} | (
            self.builder._pending & set(current)
        )
        for key, source in current.items():
            if key in dirty:
                continue
            record = records[key]
            if self.changed is not None:
                if str(source.path) in self.changed or not self.changed.isdisjoint(
                    record.dependencies
                ):
                    dirty.add(key)
            elif self._stale(key, source, record):
                dirty.add(key)
        return dirty

    def _stale(self, key: _Key, source: Source, record: _Record) -> bool:
        if self._hash(source.path) != record.source_hash:
            return True
        if any(self._hash(dep) != h for dep, h in record.dependencies.items()):
            return True
        out = str(self.config.output_dir)
        return any(not os.path.isfile(_output_path(out, key[0], o.uid)) for o in record.outputs)

    def _hash(self, path: Path | str) -> str:
        key = str(path)
        known = self.file_hashes.get(key)
        if known is None:
            data = _read_bytes(key)
            known = hashlib.sha256(data).hexdigest() if data is not None else ""
            self.file_hashes[key] = known
        return known

    # -- compile

    def _compile(self, current: dict[_Key, Source], dirty: set[_Key]) -> dict[_Key, _Compiled]:
        targets = {t.org.name: t for t in self.targets}
        jobs_by_source: dict[str, tuple[Source, list[_Target]]] = {}
        for org_name, rel in sorted(dirty):
            source = current[(org_name, rel)]
            jobs_by_source.setdefault(rel, (source, []))[1].append(targets[org_name])
        jobs = list(jobs_by_source.values())
        if len(jobs) >= POOL_MIN_JOBS and (os.cpu_count() or 1) > 1:
            results = _compile_in_pool(self.config, jobs, self.cache_files)
        else:
            session: dict[str, Any] = {CACHE_FILES: self.cache_files}
            results = [_compile_source(self.config, s, t, session) for s, t in jobs]
        compiled: dict[_Key, _Compiled] = {}
        for (source, job_targets), per_org in zip(jobs, results, strict=True):
            for target, outcome in zip(job_targets, per_org, strict=True):
                compiled[(target.org.name, source.rel)] = outcome
        return compiled

    # -- checks across sources

    def _problems(
        self,
        current: dict[_Key, Source],
        compiled: dict[_Key, _Compiled],
        outputs: dict[_Key, list[_Output]],
    ) -> list[Problem]:
        problems: list[Problem] = []
        for key in sorted(current, key=lambda k: (k[1], k[0])):
            if key in compiled:
                problems.extend(compiled[key].problems)
            else:
                problems.extend(self.builder._records[key].warnings)
        problems.extend(_duplicate_uids(outputs))
        if self.builder.strict:
            problems = [p.as_error() for p in problems]
        return list(dict.fromkeys(problems))

    # -- write

    def _commit(
        self,
        current: dict[_Key, Source],
        compiled: dict[_Key, _Compiled],
        outputs: dict[_Key, list[_Output]],
    ) -> list[Path]:
        """Write what changed, delete what is gone, then record the new state."""
        builder = self.builder
        out = str(self.config.output_dir)
        target_orgs = {t.org.name for t in self.targets}
        building_all = builder.requested_orgs is None
        records = builder._records
        # Keys whose previous outputs may change: compiled, deleted, or of an org now dropped.
        replaced = set(compiled) | {
            key
            for key in records
            if (key[0] in target_orgs and key not in current)
            or (building_all and key[0] not in target_orgs)
        }
        previous = {
            _output_path(out, key[0], o.uid): o.file_hash
            for key in replaced
            if key in records
            for o in records[key].outputs
        }
        fresh = {
            _output_path(out, key[0], o.uid): o for key, c in compiled.items() for o in c.outputs
        }
        to_write: dict[str, str] = {}
        for path, output in fresh.items():
            known = previous.get(path)
            if known is None:
                known = self._hash(path)  # a file the cache does not know about
            if known != output.file_hash:
                to_write[path] = output.text or ""
        stale = set(previous) - set(fresh)
        if building_all:
            stale |= {str(d.path) for d in builder._manifest.values() if d.org not in target_orgs}
        if self.changed is None:
            wanted = {
                _output_path(out, key[0], o.uid) for key, outs in outputs.items() for o in outs
            }
            stale |= _files_in_org_dirs(out, target_orgs) - wanted
        _write_files(self.config.output_dir, to_write)
        for relative, data in self.cache_files.items():
            _write_atomically(self.config.output_dir / relative, data)
        removed = sorted(Path(path) for path in stale if os.path.isfile(path))
        for path in removed:
            path.unlink()
        self._update_manifest(replaced, compiled, outputs, target_orgs)
        self._update_records(replaced, compiled)
        return removed

    def _update_records(self, replaced: set[_Key], compiled: dict[_Key, _Compiled]) -> None:
        builder = self.builder
        for key in replaced - set(compiled):
            builder._records.pop(key, None)
            builder._state_changed = True
        for key, outcome in compiled.items():
            for output in outcome.outputs:
                output.text = None
            builder._records[key] = _Record(
                source_hash=outcome.source_hash,
                dependencies=outcome.dependencies,
                outputs=outcome.outputs,
                warnings=[p for p in outcome.problems if p.severity == WARNING],
            )
            builder._state_changed = True
        if builder._state_changed:
            builder._save_cache()
            builder._state_changed = False

    def _update_manifest(
        self,
        replaced: set[_Key],
        compiled: dict[_Key, _Compiled],
        outputs: dict[_Key, list[_Output]],
        target_orgs: set[str],
    ) -> None:
        builder = self.builder
        manifest_file = self.config.output_dir / MANIFEST_NAME
        if self.changed is None:
            # Rebuilt from every current output: also right when the cache was lost.
            manifest = {
                k: d
                for k, d in builder._manifest.items()
                if builder.requested_orgs is not None and d.org not in target_orgs
            }
            for key, outs in outputs.items():
                for output in outs:
                    manifest[(key[0], output.uid)] = self._built(key, output)
            changed = manifest != builder._manifest
        else:
            manifest = dict(builder._manifest)
            for key in replaced:
                record = builder._records.get(key)
                for output in record.outputs if record else ():
                    manifest.pop((key[0], output.uid), None)
            for key, outcome in compiled.items():
                for output in outcome.outputs:
                    manifest[(key[0], output.uid)] = self._built(key, output)
            changed = bool(replaced)
        builder._manifest = manifest
        if changed or not manifest_file.is_file():
            entries = [d.manifest_entry() for d in sorted(manifest.values(), key=_manifest_order)]
            text = dumps({"format": _FORMAT, "dashboards": entries})
            if _read_bytes(manifest_file) != text.encode():
                _write_atomically(manifest_file, text.encode())

    def _built(self, key: _Key, output: _Output) -> BuiltDashboard:
        org_name, rel = key
        org = self.config.org(org_name)
        return BuiltDashboard(
            org=org_name,
            uid=output.uid,
            title=output.title,
            source=Path(rel),
            path=self.config.output_dir / org_name / f"{output.uid}.json",
            content_hash=output.content_hash,
            folder=org.folder,
            folder_uid=org.folder_uid,
        )


# ---------------------------------------------------------------- compiling one source


def _compile_source(
    config: Config, source: Source, targets: list[_Target], session: dict[str, Any]
) -> list[_Compiled]:
    """Load, normalise, validate and serialise one source for each of its targets."""
    source_hash = hashlib.sha256(_read_bytes(source.path) or b"").hexdigest()
    results: list[_Compiled] = []
    shared: _Compiled | None = None
    for target in targets:
        if shared is not None and source.kind not in PER_ORG_KINDS:
            results.append(shared)
            continue
        ctx = LoadContext(config, target.org, target.variables, session=session)
        outputs: list[_Output] = []
        problems: list[Problem] = []
        try:
            for loaded in load(source, ctx):
                output, found = _finish(loaded, source)
                outputs.append(output)
                problems.extend(found)
        except SourceError as exc:
            problems.append(Problem(ERROR, exc.detail, Path(exc.path), exc.line))
            outputs = []
        except Exception as exc:  # a loader bug must not hide the other sources' results
            problems.append(
                Problem(ERROR, f"internal error: {type(exc).__name__}: {exc}", Path(source.rel))
            )
            outputs = []
        dependencies = {str(p): _hash_file(p, session) for p in sorted(ctx.dependencies)}
        shared = _Compiled(source_hash, dependencies, outputs, problems)
        results.append(shared)
    return results


def _finish(loaded: LoadedDashboard, source: Source) -> tuple[_Output, list[Problem]]:
    data = normalize_in_place(loaded.data, source=loaded.name)
    path = Path(source.rel)
    problems = [p.located(path, _locate(loaded, p.subject)) for p in validate(data)]
    text = dumps(data)
    # comparable(data) without a second copy: data is already normalised.
    comparable = {k: v for k, v in data.items() if k not in GRAFANA_OWNED_FIELDS}
    output = _Output(
        uid=str(data.get("uid") or ""),
        title=str(data.get("title") or ""),
        content_hash=hashlib.sha256(dumps(comparable).encode()).hexdigest(),
        file_hash=hashlib.sha256(text.encode()).hexdigest(),
        line=loaded.line,
        text=text,
    )
    return output, problems


def _locate(loaded: LoadedDashboard, subject: str | None) -> int | None:
    if subject and loaded.text:
        needle = orjson.dumps(subject).decode()
        position = loaded.text.find(f'"title": {needle}')
        if position < 0:
            position = loaded.text.find(needle)
        if position >= 0:
            return loaded.text.count("\n", 0, position) + 1
    return loaded.line


def _hash_file(path: Path, session: dict[str, Any]) -> str:
    hashes: dict[Path, str] = session.setdefault("build.file_hashes", {})
    if path not in hashes:
        data = _read_bytes(path)
        hashes[path] = hashlib.sha256(data).hexdigest() if data is not None else ""
    return hashes[path]


def _compile_in_pool(
    config: Config, jobs: list[tuple[Source, list[_Target]]], cache_files: dict[str, bytes]
) -> list[list[_Compiled]]:
    workers = min(os.cpu_count() or 1, 8)
    # fork is cheapest, but forking a process that runs other threads can deadlock.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    chunk = max(1, len(jobs) // (workers * 4))
    chunks = [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        compiled: list[list[_Compiled]] = []
        for chunk_result, chunk_cache_files in pool.map(
            _compile_chunk, [config] * len(chunks), chunks
        ):
            compiled.extend(chunk_result)
            cache_files.update(chunk_cache_files)
        return compiled


def _compile_chunk(
    config: Config, jobs: list[tuple[Source, list[_Target]]]
) -> tuple[list[list[_Compiled]], dict[str, bytes]]:
    cache_files: dict[str, bytes] = {}
    session: dict[str, Any] = {CACHE_FILES: cache_files}
    compiled = [_compile_source(config, source, targets, session) for source, targets in jobs]
    return compiled, cache_files


# ---------------------------------------------------------------- helpers


def _duplicate_uids(outputs: dict[_Key, list[_Output]]) -> list[Problem]:
    first: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for (org, rel), outs in sorted(outputs.items(), key=lambda item: (item[0][1], item[0][0])):
        for output in outs:
            if not output.uid:
                continue
            other = first.setdefault((org, output.uid), rel)
            if other != rel or sum(o.uid == output.uid for o in outs) > 1:
                also = f"{other} and {rel}" if other != rel else f"{rel} (twice)"
                problems.append(
                    Problem(
                        ERROR,
                        f"uid {output.uid!r} is produced by both {also}",
                        Path(rel),
                        output.line,
                    )
                )
    return problems


def _output_path(output_dir: str, org: str, uid: str) -> str:
    return os.path.join(output_dir, org, f"{uid}.json")


def _files_in_org_dirs(output_dir: str, orgs: set[str]) -> set[str]:
    found: set[str] = set()
    for org in orgs:
        try:
            with os.scandir(os.path.join(output_dir, org)) as entries:
                found.update(e.path for e in entries if e.name.endswith(".json"))
        except (FileNotFoundError, NotADirectoryError):
            continue
    return found


def _write_files(output_dir: Path, files: dict[str, str]) -> None:
    """Stage every file in one folder inside ``output_dir``, then rename each into place."""
    if not files:
        return
    staging = output_dir / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        staged = []
        for index, (target, text) in enumerate(files.items()):
            temporary = staging / f"{index}.json"
            temporary.write_bytes(text.encode())
            staged.append((temporary, target))
        for temporary, target in staged:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(temporary, target)
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _safe_read_manifest(output_dir: Path) -> list[BuiltDashboard]:
    try:
        return read_manifest(output_dir)
    except BuildError:
        return []


def _read_bytes(path: Path | str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return None


def _absolute(path: Path | str) -> str:
    return os.path.realpath(path)


def _posix(path: Path | None) -> str | None:
    return path.as_posix() if path else None


def _manifest_order(dashboard: BuiltDashboard) -> tuple[str, str]:
    return dashboard.org, dashboard.uid

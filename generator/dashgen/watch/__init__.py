"""``dashgen watch``: rebuild (and optionally republish) what each saved file affects.

The loop only decides *when* to build and *what changed*; the Builder decides which dashboards
that affects (it tracks the templates and helper modules each dashboard loaded), so watch and
``dashgen build`` share one pipeline. A failed build or an invalid config never ends the loop:
the last good output and config stay, and the next good build says it recovered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dashgen.build import Builder, BuildResult
from dashgen.config import CONFIG_FILE_NAMES, Config, load_config
from dashgen.errors import ConfigError, DashgenError
from dashgen.publish.session import OrgSession
from dashgen.watch.changes import AUTHORING_TIMING, ChangeStream, Timing
from dashgen.watch.scope import WatchScope
from dashgen.watch.status import StatusKind, WatchStatus


def watch(
    config: Config,
    *,
    stop_event: threading.Event,
    on_status: Callable[[WatchStatus], None],
    orgs: Sequence[str] | None = None,
    extra_vars: Mapping[str, Any] | None = None,
    strict: bool = False,
    publisher: OrgSession | None = None,
    timing: Timing = AUTHORING_TIMING,
    force_polling: bool | None = None,
) -> None:
    """Build once, then rebuild on every relevant change until ``stop_event`` is set.

    With ``publisher`` (one ``OrgSession``, kept for the whole watch: one client, one org
    check, each folder ensured once), every good rebuild publishes what it rebuilt for
    that org; the caller closes it."""
    session = WatchSession(
        config, orgs=orgs, extra_vars=extra_vars, strict=strict, publisher=publisher
    )
    while not stop_event.is_set():
        scope = session.scope
        restart = threading.Event()
        stream = ChangeStream(scope, _EitherEvent(stop_event, restart), timing, force_polling)
        # Arm the watcher before building, so a save during the build is not lost.
        stream.start()
        # After a restart, saves made while no watcher was armed are found by content hash.
        statuses = session.rescan() if session.built else session.initial_build()
        statuses.append(_watching_status(scope, session.config.root))
        _report(statuses, on_status)
        for batch in stream.batches():
            _report(session.on_changes(batch), on_status)
            if session.scope != scope or scope.existing_trees() != stream.trees:
                restart.set()  # the config moved a folder, or a watched folder came or went
        stream.join()


class WatchSession:
    """The state kept between rebuilds: last good config, the Builder, whether the last failed."""

    def __init__(
        self,
        config: Config,
        *,
        orgs: Sequence[str] | None,
        extra_vars: Mapping[str, Any] | None,
        strict: bool,
        publisher: OrgSession | None,
    ) -> None:
        self.config = config
        self._orgs = orgs
        self._extra_vars = extra_vars
        self._strict = strict
        self._publisher = publisher
        self._builder = self._new_builder(config)
        self._failing = False  # the last build had errors
        self._config_broken = False  # the config file on disk does not load
        self.built = False

    @property
    def scope(self) -> WatchScope:
        return scope_for(self.config)

    def initial_build(self) -> list[WatchStatus]:
        self.built = True
        return self._build(changed_paths=None, changed=(), initial=True)

    def rescan(self) -> list[WatchStatus]:
        statuses = self._build(changed_paths=None, changed=())
        result = statuses[0].result
        if result is not None and result.ok and not (result.rebuilt or result.removed):
            return []
        return statuses

    def on_changes(self, paths: set[Path]) -> list[WatchStatus]:
        changed = tuple(sorted(_relative(p, self.config.root) for p in paths))
        config_files = set(self.scope.files)
        if paths & config_files:
            return self._reload_config(changed)
        return self._build(changed_paths=paths, changed=changed)

    def _reload_config(self, changed: tuple[Path, ...]) -> list[WatchStatus]:
        try:
            config = load_config(self.config.root)
        except ConfigError as exc:
            self._config_broken = True
            return [WatchStatus(StatusKind.CONFIG_ERROR, changed=changed, message=str(exc))]
        was_broken, self._config_broken = self._config_broken, False
        if config == self.config and not (was_broken or self._failing):
            return []  # e.g. an edit elsewhere in pyproject.toml
        if config != self.config:
            self.config = config
            self._builder = self._new_builder(config)
        return self._build(changed_paths=None, changed=changed, config_reloaded=True)

    def _build(
        self,
        *,
        changed_paths: Iterable[Path] | None,
        changed: tuple[Path, ...],
        initial: bool = False,
        config_reloaded: bool = False,
    ) -> list[WatchStatus]:
        try:
            result = self._builder.build(changed_paths=changed_paths)
        except DashgenError as exc:
            self._failing = True
            return [WatchStatus(StatusKind.FAILED, changed=changed, message=str(exc))]
        if not result.ok:
            self._failing = True
            return [WatchStatus(StatusKind.FAILED, result=result, changed=changed)]
        built = WatchStatus(
            StatusKind.BUILT,
            result=result,
            changed=changed,
            initial=initial,
            recovered=self._failing,
            config_reloaded=config_reloaded,
        )
        self._failing = False
        return [built, *self._publish(result)]

    def _publish(self, result: BuildResult) -> list[WatchStatus]:
        if self._publisher is None:
            return []
        dashboards = [d for d in result.rebuilt if d.org == self._publisher.org]
        if not dashboards:
            return []
        try:
            report = self._publisher.publish(dashboards)
        except DashgenError as exc:
            return [WatchStatus(StatusKind.PUBLISH_FAILED, message=str(exc))]
        events = tuple(sorted(report.events, key=lambda event: event.uid))
        if report.ok:
            return [WatchStatus(StatusKind.PUBLISHED, publish_events=events)]
        failed = len(report.failures)
        message = "; ".join(report.org_errors.values()) or f"{failed} of {len(events)} failed"
        return [WatchStatus(StatusKind.PUBLISH_FAILED, publish_events=events, message=message)]

    def _new_builder(self, config: Config) -> Builder:
        return Builder(config, orgs=self._orgs, extra_vars=self._extra_vars, strict=self._strict)


def scope_for(config: Config) -> WatchScope:
    config_files = [config.root / name for name in CONFIG_FILE_NAMES]
    if config.config_file is not None and config.config_file not in config_files:
        config_files.append(config.config_file)
    return WatchScope(
        trees=(config.sources_dir, config.templates_dir),
        files=tuple(config_files),
        excluded=(config.output_dir,),
    )


def _relative(path: Path, root: Path) -> Path:
    try:
        return path.relative_to(root.resolve())
    except ValueError:
        return path


def _watching_status(scope: WatchScope, root: Path) -> WatchStatus:
    shown = [f"{_relative(tree, root)}/" for tree in scope.trees if tree.is_dir()]
    shown += [str(_relative(f, root)) for f in scope.files if f.is_file()]
    return WatchStatus(StatusKind.WATCHING, message=", ".join(shown))


def _report(statuses: Iterable[WatchStatus], on_status: Callable[[WatchStatus], None]) -> None:
    for status in statuses:
        on_status(status)


class _EitherEvent:
    """Looks like a ``threading.Event`` to watchfiles: set when either event is set."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self._events = (first, second)

    def is_set(self) -> bool:
        return any(event.is_set() for event in self._events)

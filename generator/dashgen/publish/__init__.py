"""Publish built dashboards to Grafana organizations: plan (compare with live) → apply → events.

``publish()`` and ``plan()`` run one ``OrgSession`` per org (``dashgen.publish.session``):
the org's own token, one pooled client, ``GET /api/org`` naming that org before anything
is sent, folders ensured by uid, then each dashboard through ``dashgen.publish.dashboard``
(skip-unchanged, drift guard, writes that never repeat blindly). Before any write, each
batch checks the datasources its dashboards reference and binds datasource names to the
org's uids (``dashgen.publish.datasources``). With ``prune``, each org's dashboards that
this project owns and whose source is gone are deleted afterwards
(``dashgen.publish.prune``). ``dashgen watch --publish`` keeps one ``OrgSession`` for its
whole life (and never prunes).
"""

from __future__ import annotations

import queue
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from dashgen.build.manifest import BuiltDashboard, read_manifest
from dashgen.config import Config
from dashgen.errors import UsageError
from dashgen.grafana.client import Connection
from dashgen.publish.events import Action, PlannedDashboard, PlanReport, PublishEvent, PublishReport
from dashgen.publish.provenance import SharedSha
from dashgen.publish.prune_options import PruneOptions, require_project
from dashgen.publish.refs_store import forget_preload, preload_references
from dashgen.publish.session import (
    DEFAULT_CONCURRENCY,
    InFlight,
    OrgSession,
    read_width,
    sorted_by_uid,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "Action",
    "Connection",
    "OrgSession",
    "PlanReport",
    "PlannedDashboard",
    "PruneOptions",
    "PublishEvent",
    "PublishReport",
    "plan",
    "publish",
]

# Orgs published at the same time by one publish (each opens with a few requests of its
# own: org check, server settings, datasources, folders, search, lock); their dashboards
# share one bound, the read width (``session.read_width``).
MAX_CONCURRENT_ORGS = 4


def publish(
    config: Config,
    org_names: Sequence[str],
    *,
    connection: Connection,
    dashboards: Sequence[BuiltDashboard] | None = None,
    only_uids: Collection[str] | None = None,
    dry_run: bool = False,
    force: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    read_concurrency: int | None = None,
    on_event: Callable[[PublishEvent], None] | None = None,
    lock: bool = True,
    prune: PruneOptions | None = None,
    allow_missing_datasources: bool = False,
    skip_managed: bool = False,
) -> PublishReport:
    """Publish the built dashboards of each org in ``org_names``; never raises per dashboard
    or per org (an org that fails as a whole is in ``org_errors``).

    ``dashboards`` defaults to ``read_manifest(config.output_dir)``; ``only_uids`` narrows
    it. ``on_event`` is called in the caller's thread as each dashboard finishes (prune's
    events too). ``lock``: a publish with something to write (or delete) takes each org's
    publish lock first (``dashgen.publish.lock``), so two publishers of one org never race.
    ``prune``: then delete what this project owns and no longer builds; ``dashboards`` must
    then be the whole build (``only_uids`` is refused: a dashboard outside the selection is
    not "source removed"). Raises only for problems that concern every org (e.g.
    ``InsecureTransportError``, a prune without ``project`` in the config).
    """
    _check_prune(config, prune, only_uids)
    started = time.monotonic()
    report = PublishReport(
        kept_is_expected=bool(prune and prune.keep_edited), skip_managed=skip_managed
    )
    git_sha = SharedSha(config.root)  # asked of git by the first write that needs it
    batches = list(_select(config, org_names, dashboards, only_uids))
    if batches:  # read while the first org is checked (each batch's datasource check needs it)
        preload_references(config.output_dir)
    concurrent = len(batches) > 1
    # One bound for every org's dashboards in flight (each org's writes stay under its own
    # ``concurrency``); every org keeps its own session: its own token, its own client.
    in_flight = InFlight(read_width(concurrency, read_concurrency)) if concurrent else None

    def publish_org(
        org: str, selected: list[BuiltDashboard], notify: Callable[[PublishEvent], None] | None
    ) -> PublishReport:
        with OrgSession(
            config,
            org,
            connection=connection,
            force=force,
            concurrency=concurrency,
            read_concurrency=read_concurrency,
            git_sha=git_sha,
            lock=lock,
            allow_missing_datasources=allow_missing_datasources,
            in_flight=in_flight,
            skip_managed=skip_managed,
        ) as session:
            return session.publish(selected, on_event=notify, dry_run=dry_run, prune=prune)

    try:
        if concurrent:
            parts = _concurrently(batches, publish_org, on_event, in_flight)
        else:
            parts = [publish_org(org, selected, on_event) for org, selected in batches]
    finally:  # (an org that failed before its datasource check never took it)
        forget_preload(config.output_dir)
    for part in parts:
        report.merge(part)
    report.events.sort(key=lambda event: (event.org, event.uid))
    report.duration_s = time.monotonic() - started
    deadline = connection.deadline
    if deadline is not None:
        note = deadline_note(report, deadline.stopped_by, deadline.interrupted, deadline.name)
        if note is not None:
            report.notes.append(note)
    return report


def deadline_note(
    report: PublishReport, stopped_by: str, interrupted: bool, name: str = ""
) -> str | None:
    """What the deadline (``name``) or an interrupt stopped, in one sentence (None: it
    stopped nothing, and nothing was interrupted). An unknown of its own (a save whose
    answer was lost and whose re-read failed) is not the deadline's."""

    def by_deadline(error: str) -> bool:
        return stopped_by in error or bool(name and name in error) or "interrupt" in error

    counted = Counter(
        "unknown"
        if event.action is Action.UNKNOWN and by_deadline(event.error or "")
        else "not sent"
        if event.action is Action.FAILED and stopped_by in (event.error or "")
        else "written"
        if event.action in (Action.CREATED, Action.UPDATED, Action.DELETED)
        else ""
        for event in report.events
    )
    if not counted["unknown"] and not counted["not sent"] and not interrupted:
        return None
    unknown = f", {counted['unknown']} unknown (check Grafana)" if counted["unknown"] else ""
    listed = ""
    if counted["unknown"] or counted["not sent"]:
        listed = '; each is listed under "Not published:"' + ("" if interrupted else " (exit 1)")
    written, not_sent = counted["written"], counted["not sent"]
    return f"{stopped_by}: {written} written, {not_sent} not sent{unknown}{listed}"


def plan(
    config: Config,
    org_names: Sequence[str],
    *,
    connection: Connection,
    dashboards: Sequence[BuiltDashboard] | None = None,
    only_uids: Collection[str] | None = None,
    read_concurrency: int = 2 * DEFAULT_CONCURRENCY,
    prune: PruneOptions | None = None,
    allow_missing_datasources: bool = False,
    skip_managed: bool = False,
) -> PlanReport:
    """What ``publish`` would do, with the comparable documents on both sides (for diff);
    with ``prune``, what it would delete (``report.prune``)."""
    _check_prune(config, prune, only_uids)
    report = PlanReport(
        kept_is_expected=bool(prune and prune.keep_edited), skip_managed=skip_managed
    )
    for org, selected in _select(config, org_names, dashboards, only_uids):
        with OrgSession(
            config,
            org,
            connection=connection,
            concurrency=read_concurrency,
            git_sha=None,
            allow_missing_datasources=allow_missing_datasources,
            skip_managed=skip_managed,
        ) as session:
            part = session.plan(selected, with_documents=True, prune=prune)
        report.merge(part)
    report.items.sort(key=lambda item: (item.org, item.built.uid))
    report.prune.sort(key=lambda event: (event.org, event.uid))
    return report


def _concurrently(
    batches: list[tuple[str, list[BuiltDashboard]]],
    publish_org: Callable[
        [str, list[BuiltDashboard], Callable[[PublishEvent], None] | None], PublishReport
    ],
    on_event: Callable[[PublishEvent], None] | None,
    in_flight: InFlight | None,
) -> list[PublishReport]:
    """Each org's batch in a thread of its own (at most ``MAX_CONCURRENT_ORGS`` at once);
    ``on_event`` is still called in the caller's thread, as each dashboard finishes. Results
    in the order of ``batches``. Interrupted (Ctrl-C), no org not yet started is started."""
    events: queue.SimpleQueue[PublishEvent] = queue.SimpleQueue()
    notify = events.put if on_event is not None else None

    def relay() -> None:
        while on_event is not None:
            try:
                event = events.get_nowait()
            except queue.Empty:
                return
            on_event(event)

    pool = ThreadPoolExecutor(max_workers=min(MAX_CONCURRENT_ORGS, len(batches)))
    try:
        futures: list[Future[PublishReport]] = [
            pool.submit(publish_org, org, selected, notify) for org, selected in batches
        ]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
            relay()
        relay()
        return [future.result() for future in futures]
    except BaseException:
        if in_flight is not None:
            in_flight.stopped.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _check_prune(
    config: Config, options: PruneOptions | None, only_uids: Collection[str] | None
) -> None:
    if options is None:
        return
    if only_uids is not None:
        raise UsageError(
            "prune needs the whole build of each org: it cannot run for some uids (a dashboard "
            "outside the selection is not a removed source)"
        )
    require_project(config)


def _select(
    config: Config,
    org_names: Sequence[str],
    dashboards: Sequence[BuiltDashboard] | None,
    only_uids: Collection[str] | None,
) -> Iterable[tuple[str, list[BuiltDashboard]]]:
    available = list(dashboards) if dashboards is not None else read_manifest(config.output_dir)
    for org in dict.fromkeys(org_names):
        selected = [
            built
            for built in available
            if built.org == org and (only_uids is None or built.uid in only_uids)
        ]
        yield org, sorted_by_uid(selected)

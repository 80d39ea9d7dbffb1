"""One batch of an ``OrgSession``, in order: open the session, refuse the schema v2
dashboards this Grafana cannot take (``dashgen.publish.schemas``), check and bind the
datasources the dashboards reference (``dashgen.publish.datasources``), ensure folders,
plan or write each dashboard (under the org's publish lock: ``dashgen.publish.locked``),
then prune (``dashgen.publish.prune``), all inside the org-failure guard
(``dashgen.publish.org_failure``): once the org fails as a whole, nothing more is sent to it
(no write, no delete) and its failure is said once, in ``org_errors``.

The lock taken for the writes is held until the prune's deletes are done; a prune with
deletions in a batch that wrote nothing takes it itself. The caller holds the session's
batch lock (``OrgSession.publish`` / ``OrgSession.plan``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from dashgen.build.manifest import BuiltDashboard
from dashgen.publish import dashboard, datasources, library_panels, schemas, stamped, writing
from dashgen.publish.events import Action, PlannedDashboard, PlanReport, PublishEvent, PublishReport
from dashgen.publish.locked import WriteLock, publish_locked
from dashgen.publish.prefetch import NOTHING, start_reads
from dashgen.publish.prune_options import PruneOptions

if TYPE_CHECKING:
    from dashgen.publish.prune import PruneResult
    from dashgen.publish.session import OrgSession


def publish_batch(
    session: OrgSession,
    selected: Sequence[BuiltDashboard],
    *,
    on_event: Callable[[PublishEvent], None] | None,
    dry_run: bool,
    pruning: PruneOptions | None,
) -> PublishReport:
    """Publish ``selected`` (this org's, sorted), then prune; never raises per dashboard."""
    started = time.monotonic()
    org = session.org
    report = PublishReport(
        kept_is_expected=bool(pruning and pruning.keep_edited), skip_managed=session.skip_managed
    )

    def record(event: PublishEvent) -> None:
        report.events.append(event)
        if on_event is not None:
            on_event(event)

    failed: list[PublishEvent] = []  # reported at the end, once the org's fate is known

    def settle(event: PublishEvent) -> None:
        (failed.append if event.action is Action.FAILED else record)(event)

    error = session.open()
    if session.api_description is not None:
        report.backends[org] = session.api_description
    deadline = session.connection.deadline
    if error is not None and deadline is not None and deadline.stopped_by in error:
        for built in selected:  # (each named: the deadline, not the org, stopped them)
            record(PublishEvent.failed(org, built, deadline.not_sent().message))
    elif error is not None:
        report.org_errors[org] = error
        report.org_exit_codes[org] = session.open_exit_code
        for built in selected:
            record(PublishEvent.failed(org, built, error, org_failed=True))
    elif selected or pruning is not None:
        session.org_failure.reset()
        takes, refused = schemas.accepted(session, selected)
        lock = WriteLock(session, report) if session.use_lock and not dry_run else None
        # /apis: a stamped unchanged dashboard needs no datasource read (checked if written)
        if lock is not None and getattr(session.backend, "lists_objects", False):
            lock.peek_early()  # (beside the LIST, not after it)
        settled, listed = stamped.presurvey(session, takes) if lock else ([], False)
        unchecked = {built.uid for built in settled}
        if lock is not None:
            lock.unchecked = unchecked  # checked before any write after all
        to_check = [b for b in takes if b.uid not in unchecked]
        # The classic first reads go out together now (datasources, settings, search, ...).
        needs_datasources = datasources.referenced(session, to_check)
        peek = lock.lock.peek if lock is not None else None
        start_reads(session, to_check, peek, datasources=needs_datasources)
        # A dashboard missing a datasource fails only if it is to be written (deferred).
        checked = datasources.checked(session, to_check, defer=True)
        if lock is not None:
            lock.deferred = checked.deferred
        report.warnings.extend(checked.warnings)
        for built, why in [*refused, *checked.refused]:
            settle(PublishEvent.failed(org, built, why))
        ready = sorted([*checked.ready, *settled], key=lambda built: built.uid)
        try:
            _dashboards(
                session,
                ready,
                settle,
                dry_run=dry_run,
                lock=lock,
                listed=listed,
                deferred=checked.deferred,
            )
            report.warnings.extend(session.folder_warnings)  # (nested_folders)
            session.folder_warnings.clear()
            if pruning is not None and session.org_failure.sentence is None:
                from dashgen.publish.prune import prune  # only a publish that prunes

                pruned = prune(
                    session, selected, pruning, dry_run=dry_run, failed=len(failed), lock=lock
                )
                for event in pruned.events:
                    settle(event)
                _prune_report(org, pruned, report.warnings, report.prune_refusals)
        finally:
            session.prefetch.close()
            session.prefetch = NOTHING
            if lock is not None:
                lock.release()
        for event in failed:
            record(session.org_failure.absorb(event))
        if session.org_failure.sentence is not None:
            report.org_errors[org] = session.org_failure.sentence
            report.org_exit_codes[org] = 1
    report.events.sort(key=lambda event: (event.org, event.uid))
    report.duration_s = time.monotonic() - started
    return report


def _dashboards(
    session: OrgSession,
    ready: Sequence[BuiltDashboard],
    settle: Callable[[PublishEvent], None],
    *,
    dry_run: bool,
    lock: WriteLock | None,
    listed: bool = False,
    deferred: Mapping[str, str] | None = None,
) -> None:
    if not ready:
        return
    if session.org_failure.sentence is None:
        # (no folder is made for a dashboard that fails if it is to be written: deferred)
        folders_for = [b for b in ready if b.uid not in (deferred or {})]
        session.prepare(folders_for, create_folders=not dry_run, listed=listed)
    if dry_run:  # (on /apis the plan has Grafana validate each planned write: a dry run)
        plan_one = session.org_failure.guard(session.org, partial(dashboard.plan, session))
        for planned in session.each(ready, plan_one):
            planned = datasources.refused_if_written(planned, deferred or {})
            if planned.action in dashboard.WRITES:  # (a library panel the org lacks)
                refusal = library_panels.missing(session, planned.built)
                if refusal is not None:
                    planned = replace(planned, action=Action.FAILED, error=refusal, note=None)
            settle(planned.event())
    elif lock is not None:
        publish_locked(session, ready, settle, lock)
    else:
        publish_one = session.org_failure.guard(
            session.org, partial(writing.publish_one, session, deferred=deferred)
        )
        for outcome in session.each(ready, publish_one):
            settle(outcome.event() if isinstance(outcome, PlannedDashboard) else outcome)


def plan_batch(
    session: OrgSession,
    selected: Sequence[BuiltDashboard],
    *,
    with_documents: bool,
    pruning: PruneOptions | None,
) -> PlanReport:
    """What ``publish_batch`` would do (never a write); a failed org's dashboards are FAILED
    items carrying its sentence, with ``org_failed``."""
    org = session.org
    report = PlanReport(
        kept_is_expected=bool(pruning and pruning.keep_edited), skip_managed=session.skip_managed
    )
    error = session.open()
    if session.api_description is not None:
        report.backends[org] = session.api_description
    if error is not None:
        report.items = [
            PlannedDashboard(org, built, Action.FAILED, error=error, org_failed=True)
            for built in selected
        ]
        report.org_errors[org] = error
        report.org_exit_codes[org] = session.open_exit_code
        return report
    if not selected and pruning is None:
        return report
    session.org_failure.reset()
    takes, refused = schemas.accepted(session, selected)
    # The first reads go out together, and the dashboards' reads ahead, as for a publish.
    needs_datasources = datasources.referenced(session, takes)
    start_reads(session, takes, None, datasources=needs_datasources, login=not with_documents)
    try:
        items = _planned(session, selected, takes, refused, report, with_documents, pruning)
    finally:
        session.prefetch.close()
        session.prefetch = NOTHING
    report.items = sorted((session.org_failure.absorb(i) for i in items), key=lambda i: i.built.uid)
    if session.org_failure.sentence is not None:
        report.org_errors[org] = session.org_failure.sentence
        report.org_exit_codes[org] = 1
    return report


def _planned(
    session: OrgSession,
    selected: Sequence[BuiltDashboard],
    takes: Sequence[BuiltDashboard],
    refused: Sequence[tuple[BuiltDashboard, str]],
    report: PlanReport,
    with_documents: bool,
    pruning: PruneOptions | None,
) -> list[PlannedDashboard]:
    """``plan_batch``'s plan of ``takes`` (and the prune's, into ``report``)."""
    org = session.org
    checked = datasources.checked(session, takes, defer=True)  # (as publish_batch)
    report.warnings.extend(checked.warnings)
    items = [
        PlannedDashboard(org, built, Action.FAILED, error=why)
        for built, why in [*refused, *checked.refused]
    ]
    if checked.ready:
        if session.org_failure.sentence is None:
            session.prepare(checked.ready, create_folders=False)
        work = partial(dashboard.plan, session, with_documents=with_documents)
        planned = session.each(checked.ready, session.org_failure.guard(org, work))
        items.extend(datasources.refused_if_written(p, checked.deferred) for p in planned)
    report.warnings.extend(session.folder_warnings)  # (a nested folder left where it is)
    session.folder_warnings.clear()
    if pruning is not None and session.org_failure.sentence is None:
        from dashgen.publish.prune import prune

        failed = sum(1 for item in items if item.action is Action.FAILED)
        pruned = prune(session, selected, pruning, dry_run=True, failed=failed)
        report.prune.extend(session.org_failure.absorb(event) for event in pruned.events)
        _prune_report(org, pruned, report.warnings, report.prune_refusals)
    return items


def _prune_report(
    org: str, pruned: PruneResult, warnings: list[str], refusals: dict[str, str]
) -> None:
    warnings.extend(pruned.warnings)
    if pruned.refusal:
        refusals[org] = pruned.refusal

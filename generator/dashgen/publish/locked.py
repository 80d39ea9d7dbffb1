"""A publish batch under the org's publish lock (``dashgen.publish.lock``).

Every dashboard is planned first (reads only); the lock is taken only when something needs
writing, so an unchanged republish never touches it. When this publish had to wait for
another publisher, every dashboard is planned again after taking the lock: what the other
publisher wrote meanwhile is left alone (``dashgen.publish.dashboard``). Prune's deletes
are writes too (``dashgen.publish.prune``): they take the lock through the same
``WriteLock`` when the dashboards did not need it, and run under it when they did. The
lock is handed back as the batch's last request. A whole-org failure
(``dashgen.publish.org_failure``) stops the dashboards not started yet, planned or written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import DashgenError, DeadlineError
from dashgen.publish import dashboard
from dashgen.publish.at_hand import plan_all
from dashgen.publish.datasources import refused_if_written
from dashgen.publish.events import Action, PlannedDashboard, PublishEvent, PublishReport
from dashgen.publish.lock import LockTimeout, PublishLock
from dashgen.publish.stamped import checked_writes
from dashgen.publish.writing import write

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

T = TypeVar("T")


class WriteLock:
    """The org's publish lock for one batch: taken by the first write (or delete) that
    needs it, handed back by ``release()`` at the end of the batch."""

    def __init__(self, session: OrgSession, report: PublishReport) -> None:
        assert session.backend is not None
        self.session = session
        self.report = report
        self.lock = PublishLock(session.backend, session.connection.deadline)
        self.held = False
        self.unusable = False  # the token cannot use it here: writes go ahead without it
        self.unchecked: set[str] = set()  # uids whose datasources are checked only if written
        self.early_peek: Future[str | None] | None = None
        self.deferred: Mapping[str, str] = {}  # uid → datasource refusal, if it is written

    def peek(self) -> None:
        """Before planning: a publisher holding the lock now is one this publish overlaps
        (``early_peek``: the look already sent, beside the /apis LIST)."""
        early, self.early_peek = self.early_peek, None
        read = early.result if early is not None else self.lock.peek
        self.session.concurrent_since = self.session.prefetch.take("lock", read)

    def peek_early(self) -> None:
        """Send the look at the lock now, on its own thread (taken by ``peek``)."""
        self.early_peek = _on_its_own_thread("dashgen-lock-peek", self.lock.peek)

    def take(self) -> tuple[bool, str | None]:
        """Before writing: (waited for another publisher, None) when writing may go ahead
        (the lock is held, or cannot be used here), or (False, why not) when another
        publisher kept it longer than this one waits."""
        if self.held or self.unusable:
            return False, None
        session = self.session
        try:
            acquired = self.lock.acquire()
        except (LockTimeout, DeadlineError) as error:  # (never written without the lock)
            return False, error.message
        except DashgenError as error:
            doing = session.doing(f"taking the publish lock of org {session.org!r}")
            why = session.explain(error, doing)
            if session.org_failure.sentence is None:  # else the org's failure is said instead
                self.report.notes.append(
                    f"org {session.org}: published without the publish lock ({why})"
                )
            self.unusable = True
            return False, None
        self.held = True
        if session.connection.deadline is not None:  # (named by a second interrupt)
            session.connection.deadline.locks_held.add(session.org)
        session.concurrent_since = acquired.since if acquired.waited_for else None
        note = acquired.note(session.org)
        if note:
            self.report.notes.append(note)
        return acquired.waited_for is not None, None

    def release(self) -> None:
        if self.held:
            self.held = False
            left = self.lock.release()
            if left is not None:  # (others of this org wait for it to go stale)
                self.report.warnings.append(f"org {self.session.org}: {left}")
            if self.session.connection.deadline is not None:
                self.session.connection.deadline.locks_held.discard(self.session.org)


def publish_locked(
    session: OrgSession,
    selected: Sequence[BuiltDashboard],
    record: Callable[[PublishEvent], None],
    lock: WriteLock,
) -> None:
    """Plan every dashboard; if any needs a write, take the org's lock (waiting for
    another publisher if need be, then planning again), write. The caller hands the lock
    back (``lock.release()``) once the batch, prune included, is done."""
    lock.peek()
    # No server dry run before a write (on /apis the write itself is validated).
    plan = partial(dashboard.plan, session, server_check=False)
    plan_one = session.org_failure.guard(session.org, plan)
    # /apis: a dashboard its listed metadata proves unchanged is planned with no request:
    # here, not on a thread of the pool (starting threads cost more than planning those).
    offline = getattr(session.backend, "planned_offline", None)
    at_hand = [b for b in selected if offline is not None and offline(b.uid)]
    plans: list[PlannedDashboard] = [plan_one(built) for built in at_hand]
    if len(at_hand) < len(selected):
        done = {built.uid for built in at_hand}
        rest = [b for b in selected if b.uid not in done]
        plans.extend(plan_all(session, rest, plan_one))  # (those needing no request: here)
    plans = [refused_if_written(p, lock.deferred) for p in plans]
    if any(p.action in dashboard.WRITES for p in plans):
        first_dry_run = _first_dry_run(session, plans)
        try:
            _, refusal = lock.take()
        finally:
            checked = _dry_run_answer(first_dry_run)
        if checked is not None and session.concurrent_since is None:
            plans = [checked if p.built.uid == checked.built.uid else p for p in plans]
            if checked.action is Action.FAILED:  # (as a write's own dry run would)
                session.ready_folders.discard(checked.built.target_folder_uid or "")
        if refusal is not None:
            for planned in plans:
                event = planned.event()
                if planned.action in dashboard.WRITES:
                    error = refusal if refusal.startswith("not ") else f"not written: {refusal}"
                    event = replace(event, action=Action.FAILED, error=error, note=None)
                record(event)
            return
        if session.concurrent_since is not None:  # another publisher wrote meanwhile
            session.prepare(
                [b for b in selected if b.uid not in lock.deferred], create_folders=True
            )
            plans = list(session.each(selected, plan_one))
            plans = [refused_if_written(p, lock.deferred) for p in plans]
    writes = [p for p in plans if p.action in dashboard.WRITES]
    writes = checked_writes(session, writes, lock.unchecked, record, lock.report.warnings)
    for planned in plans:
        if planned.action not in dashboard.WRITES:
            record(planned.event())
    for event in session.each(writes, partial(_write, session)):
        record(event)


def _first_dry_run(
    session: OrgSession, plans: Sequence[PlannedDashboard]
) -> Future[PlannedDashboard] | None:
    """/apis, before this session's first write: the server dry run of one planned write,
    sent while the lock is being taken. What it answers tells how this server migrates
    what is sent (``GenerationStamps.learn``), so the writes that follow need none of
    their own (``dashgen.publish.writing``): one dry run, not one per write in flight."""
    backend = session.backend
    stamps = getattr(backend, "stamps", None)
    if backend is None or stamps is None or stamps.learned or not backend.validates_writes:
        return None
    planned = next(
        (p for p in plans if p.action in dashboard.WRITES and p.stored_hash is None), None
    )
    if planned is None:
        return None
    # Under the publish-wide bound on dashboards in flight, as the writes' own dry runs were;
    # the server's settings (a read outside the bound) are learned before taking a slot.
    check = session.bounded(partial(dashboard.server_checked, session))

    def dry_run() -> PlannedDashboard:
        session.learn_server()
        return check(planned)

    return _on_its_own_thread("dashgen-dry-run", dry_run)


def _on_its_own_thread(name: str, work: Callable[[], T]) -> Future[T]:
    """``work`` started now on a thread of its own; its answer (or error) is the future's."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)


def _dry_run_answer(first_dry_run: Future[PlannedDashboard] | None) -> PlannedDashboard | None:
    """The planned write with what its dry run said (a refusal: FAILED), once it is back."""
    if first_dry_run is None:
        return None
    return first_dry_run.result()  # (server_checked says a failure, never raises it)


def _write(session: OrgSession, planned: PlannedDashboard) -> PublishEvent:
    failure = session.org_failure.sentence
    if failure is not None:  # the whole org failed meanwhile: not sent
        return replace(planned.event(), action=Action.FAILED, error=failure, org_failed=True)
    with session.write_slots:
        return write(session, planned)

"""A publish batch under the org's publish lock (``dashgen.publish.lock``).

Every dashboard is planned first (reads only); the lock is taken only when something needs
writing, so an unchanged republish never touches it. When this publish had to wait for
another publisher, every dashboard is planned again after taking the lock: what the other
publisher wrote meanwhile is left alone (``dashgen.publish.dashboard``). The lock is handed
back as the batch's last request. A whole-org failure (``dashgen.publish.org_failure``)
stops the dashboards not started yet, planned or written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import DashgenError
from dashgen.publish import dashboard
from dashgen.publish.events import Action, PlannedDashboard, PublishEvent, PublishReport
from dashgen.publish.lock import LockTimeout, PublishLock
from dashgen.publish.writing import write

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession


def publish_locked(
    session: OrgSession,
    selected: Sequence[BuiltDashboard],
    record: Callable[[PublishEvent], None],
    report: PublishReport,
) -> None:
    """Plan every dashboard; if any needs a write, take the org's lock (waiting for
    another publisher if need be, then planning again), write, hand the lock back."""
    assert session.backend is not None
    lock: PublishLock | None = PublishLock(session.backend)
    session.concurrent_since = lock.peek()
    plan_one = session.org_failure.guard(session.org, partial(dashboard.plan, session))
    plans: list[PlannedDashboard] = list(session.each(selected, plan_one))
    if any(p.action in dashboard.WRITES for p in plans):
        lock, refusal = _take_lock(session, lock, report)
        if refusal is not None:
            for planned in plans:
                event = planned.event()
                if planned.action in dashboard.WRITES:
                    event = replace(event, action=Action.FAILED, error=refusal, note=None)
                record(event)
            return
        if session.concurrent_since is not None:  # another publisher wrote meanwhile
            session.prepare(selected, create_folders=True)
            plans = list(session.each(selected, plan_one))
    else:
        lock = None
    try:
        writes = [p for p in plans if p.action in dashboard.WRITES]
        for planned in plans:
            if planned.action not in dashboard.WRITES:
                record(planned.event())
        for event in session.each(writes, partial(_write, session)):
            record(event)
    finally:
        if lock is not None:
            lock.release()


def _take_lock(
    session: OrgSession, lock: PublishLock, report: PublishReport
) -> tuple[PublishLock | None, str | None]:
    """The lock (None: it cannot be used here, so publish without it), or a refusal."""
    try:
        acquired = lock.acquire()
    except LockTimeout as error:
        return None, f"not written: {error.message}"
    except DashgenError as error:
        why = session.explain(
            error, session.doing(f"taking the publish lock of org {session.org!r}")
        )
        if session.org_failure.sentence is None:  # else the org's failure is said instead
            report.notes.append(f"org {session.org}: published without the publish lock ({why})")
        return None, None
    session.concurrent_since = acquired.since if acquired.waited_for else None
    note = acquired.note(session.org)
    if note:
        report.notes.append(note)
    return lock, None


def _write(session: OrgSession, planned: PlannedDashboard) -> PublishEvent:
    failure = session.org_failure.sentence
    if failure is not None:  # the whole org failed meanwhile: not sent
        return replace(planned.event(), action=Action.FAILED, error=failure, org_failed=True)
    with session.write_slots:
        return write(session, planned)

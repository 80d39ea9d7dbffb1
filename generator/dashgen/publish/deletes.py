"""Deleting for prune, with the rules of writes: never repeated blindly, a 404 is success.

``deleter`` reads the dashboard again just before the delete (it must still be at
the version that was judged) and, after a lost answer (connection error, 5xx, 429), again:
gone is done, unchanged is sent again (bounded, the client's backoff), changed is failed.
``prune_folders`` deletes the folders the prune emptied that dashgen created
(``dashgen.publish.prune`` says which), never the publish lock's folder
(``dashgen.publish.lock``: created by the same identity, held by a publisher). Once the org
fails as a whole (``dashgen.publish.org_failure``), no delete is sent: what was not sent
carries the org's failure, said once. Under the command's deadline, a delete whose answer
did not come back before it (or that may have landed before a re-read could tell) is
``unknown``, never "deleted" or "failed"; one not sent once it passed is failed, "not sent".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import (
    DashgenError,
    DeadlineError,
    GrafanaConnectionError,
    RateLimitedError,
    ServerError,
)
from dashgen.grafana.backend import LiveDashboard, SearchHit
from dashgen.messages import Doing
from dashgen.publish.events import Action, PublishEvent
from dashgen.publish.lock import LOCK_FOLDER_UID
from dashgen.publish.org_failure import is_org_wide
from dashgen.publish.ownership import Evidence

if TYPE_CHECKING:
    from dashgen.grafana.deadline import Deadline
    from dashgen.publish.session import OrgSession

CHANGED_CONCURRENTLY = (
    "was changed in Grafana by someone else since dashgen read it; nothing was deleted: "
    "re-run the prune"
)
# Creators that name nobody in particular: never evidence that dashgen made a folder.
_NOBODY = frozenset({"", "Anonymous"})
_TRANSIENT = (GrafanaConnectionError, ServerError, RateLimitedError)


@dataclass(frozen=True)
class Target:
    hit: SearchHit
    live: LiveDashboard
    evidence: Evidence


# -- deleting ------------------------------------------------------------------------------


def deleter(session: OrgSession) -> Callable[[Target], PublishEvent]:
    def delete(target: Target) -> PublishEvent:
        with session.write_slots:
            failure = session.org_failure.sentence
            if failure is not None:  # the whole org failed meanwhile: not sent
                failed = event(session.org, target, Action.FAILED, error=failure)
                return replace(failed, org_failed=True)
            return _delete_dashboard(session, target)

    return delete


def _delete_dashboard(session: OrgSession, target: Target) -> PublishEvent:
    backend = session.backend
    assert backend is not None
    uid = target.hit.uid
    judged = target.live.version
    doing = session.doing(f"deleting dashboard {target.hit.title!r} (uid {uid})")

    def still_there() -> bool | None:
        live = backend.get(uid)
        if live is None:
            return None
        return live.version == judged and live.manager is None

    try:
        state = still_there()
    except DashgenError as error:
        return event(session.org, target, Action.FAILED, error=session.explain(error, doing))
    if state is None:
        return event(session.org, target, Action.DELETED)  # someone deleted it first
    if not state:
        return event(
            session.org, target, Action.FAILED, error=f"{describe(target)} {CHANGED_CONCURRENTLY}"
        )
    subject = describe(target)
    deadline, key = session.connection.deadline, f"{session.org}/{uid}"
    if deadline is not None:  # (what a second interrupt may leave unknown)
        deadline.writes_in_flight.add(key)
    try:
        why = _delete_safely(session, lambda: backend.delete(uid), still_there, doing, subject)
    finally:
        if deadline is not None:
            deadline.writes_in_flight.discard(key)
    if why is None:
        return event(session.org, target, Action.DELETED)
    return event(session.org, target, _failed_or_unknown(why), error=why)


class Unknown(str):
    """Why a delete's outcome is not known (sent; the deadline came before the answer, or
    its answer was lost and reading the target again failed)."""


def _failed_or_unknown(why: str) -> Action:
    return Action.UNKNOWN if isinstance(why, Unknown) else Action.FAILED


def _unknown(subject: str, error: DashgenError, deadline: Deadline | None = None) -> Unknown:
    if deadline is not None and deadline.interrupted:
        return Unknown(f"unknown: deleting {subject}: {deadline.unknown()}; check Grafana")
    return Unknown(
        f"unknown: deleting {subject} was sent but its outcome is not known ({error.message}): "
        "check Grafana"
    )


def _delete_safely(
    session: OrgSession,
    delete: Callable[[], bool],
    still_there: Callable[[], bool | None],
    doing: Doing,
    subject: str,
) -> str | None:
    """Send ``delete`` until it is done; None when done (or gone), else why not.

    ``still_there`` reads the target again after a lost answer: None gone, True unchanged
    (send again), False changed by someone else (stop)."""
    policy = session.connection.retry
    deadline = session.connection.deadline
    attempt = 0
    maybe_landed = False  # an earlier delete's answer was lost (not a 429's)
    while True:
        attempt += 1
        try:
            delete()  # False (404) is success too: it is gone
            return None
        except DeadlineError as error:
            if error.sent or maybe_landed:
                return _unknown(subject, error, deadline)
            return error.message
        except _TRANSIENT as error:
            error.attempts = attempt  # (each delete is sent once: this loop retries it)
            lost = not isinstance(error, RateLimitedError)  # (a 429 deleted nothing)
            maybe_landed = maybe_landed or lost
            last = attempt >= policy.attempts
            if last and not lost:
                return session.explain(error, doing)
            if not last:
                wait = policy.backoff(attempt, error)
                if deadline is not None and wait >= deadline.remaining():
                    too_long = deadline.too_long(wait, deadline.remaining(), error)
                    if not lost:
                        return f"not deleted: {too_long.message}"
                    return _unknown(subject, too_long, deadline)
                (deadline.sleep if deadline is not None else time.sleep)(wait)
                if deadline is not None and deadline.passed() and not lost:
                    # (an interrupt ended the wait after a 429: nothing was deleted)
                    return f"not deleted: {deadline.too_long(wait, 0, error).message}"
            try:
                state = still_there()
            except DeadlineError as read_error:
                return _unknown(subject, read_error, deadline)
            except DashgenError as read_error:
                if lost:  # the delete may have landed: nobody can tell
                    why = f"its answer was lost: {error.message}; reading it again failed"
                    return _unknown(subject, DashgenError(f"{why}: {read_error.message}"))
                return session.explain(read_error, doing)
            if state is None:
                return None
            if not state:
                return f"{subject} {CHANGED_CONCURRENTLY}"
            if last:  # still there after the last attempt: it did not land
                return session.explain(error, doing)
        except DashgenError as error:
            return session.explain(error, doing)


# -- folders -------------------------------------------------------------------------------


def _folder_writers(
    built: Sequence[BuiltDashboard], targets: Iterable[Target]
) -> dict[str, set[str]]:
    """Folder uid → the logins that saved this project's deleted dashboards in it (folders
    the build still publishes into, and General, are never candidates)."""
    kept = {b.target_folder_uid for b in built} | {LOCK_FOLDER_UID}
    writers: dict[str, set[str]] = {}
    for target in targets:
        folder = target.live.folder_uid
        if folder and folder not in kept:
            names = writers.setdefault(folder, set())
            if target.evidence.writer not in _NOBODY:
                names.add(target.evidence.writer)
    return writers


def prune_folders(
    session: OrgSession,
    built: Sequence[BuiltDashboard],
    deleted: Sequence[Target],
    warnings: list[str],
) -> list[PublishEvent]:
    """Delete the folders of ``deleted`` that dashgen created and that are empty now."""
    backend = session.backend
    assert backend is not None
    events: list[PublishEvent] = []
    for uid, writers in sorted(_folder_writers(built, deleted).items()):
        if session.org_failure.sentence is not None:
            break  # the org failed as a whole: nothing more is sent
        doing = session.doing(f"deleting folder {uid} (emptied by the prune)")
        try:
            info = backend.folder_info(uid)
            if info is None or info.managed or info.created_by not in writers:
                continue  # gone, another tool's, or not created by dashgen
            if not backend.folder_is_empty(uid):
                continue
        except DashgenError as error:
            why = session.explain(error, doing)
            if not is_org_wide(error):  # else said once, for the org
                warnings.append(f"{why}; the folder was kept")
            continue

        def still_empty(uid: str = uid) -> bool | None:
            if backend.folder_info(uid) is None:
                return None
            return backend.folder_is_empty(uid)

        subject = f"folder {info.title!r} (uid {uid})"
        with session.write_slots:
            why = _delete_safely(
                session, lambda u=uid: backend.delete_folder(u), still_empty, doing, subject
            )
        action = Action.FOLDER_DELETED if why is None else _failed_or_unknown(why)
        events.append(PublishEvent(session.org, uid, info.title, action, error=why))
    return events


def planned_folders(
    session: OrgSession,
    built: Sequence[BuiltDashboard],
    doomed: Sequence[Target],
    hits: Sequence[SearchHit],
) -> list[PublishEvent]:
    """For a plan: folders every listed dashboard of which would go (emptiness, library
    panels and alert rules are checked when it happens)."""
    assert session.backend is not None
    going = {t.hit.uid for t in doomed}
    events = []
    for uid, writers in sorted(_folder_writers(built, doomed).items()):
        if any(hit.folder_uid == uid and hit.uid not in going for hit in hits):
            continue
        if session.org_failure.sentence is not None:
            break
        try:
            info = session.backend.folder_info(uid)
        except DashgenError as error:
            session.explain(error, session.doing(f"reading folder {uid}"))  # an org failure?
            continue
        if info is not None and not info.managed and info.created_by in writers:
            events.append(PublishEvent(session.org, uid, info.title, Action.WOULD_DELETE_FOLDER))
    return events


# -- helpers -------------------------------------------------------------------------------


def each(session: OrgSession, items: Sequence, work: Callable) -> list:
    if not items:
        return []
    work = session.bounded(work)
    if len(items) == 1:
        return [work(items[0])]
    with ThreadPoolExecutor(max_workers=min(session.read_concurrency, len(items))) as pool:
        return list(pool.map(work, items))


def event(org: str, target: Target, action: Action, *, error: str | None = None) -> PublishEvent:
    return PublishEvent(
        org=org,
        uid=target.hit.uid,
        title=target.hit.title,
        action=action,
        version_before=target.live.version,
        error=error,
    )


def describe(target: Target) -> str:
    return f"dashboard {target.hit.title!r} (uid {target.hit.uid})"

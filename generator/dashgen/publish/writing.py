"""Writing one planned dashboard: never blindly, never over a concurrent write.

Every save is based on the live version that was compared (``overwrite: false``, with
``--force`` too: ``--force`` only skips the drift guard), so a concurrent writer between
read and write makes the backend raise ``VersionConflictError``. Then the dashboard is
read again and never overwritten:

- it now holds this build → ``unchanged (published concurrently)`` (or, when an earlier
  attempt of this write may have landed and the version carries dashgen's message for
  this build, ``created``/``updated``);
- it carries another dashgen publisher's message → ``failed``: "written by another
  publisher during this run", naming the version and its message;
- anything else → ``failed``: changed in Grafana by someone else, who and which version.

A create decided from the search alone (the uid was not listed) that finds the uid taken
is planned again once: the 12.x search index lags behind writes.

After a connection error, a timeout, a 5xx or a 429 the write may or may not have landed
(a slow Grafana can commit it after dashgen gave up waiting), so it is never repeated
blindly: the dashboard is read again; if it holds this build with dashgen's message, the
write landed; if it is still at the version the write was based on, it is sent again, still
based on that version (so if the first attempt lands later after all, one of the two is
refused and no duplicate version appears); anything else is a concurrent change as above.
When the attempts are used up, one last read decides between "in place" and "failed".

Under the command's deadline (``dashgen.grafana.deadline``) a save is not sent once it has
passed ("not sent: the publish deadline (Ns) passed"); a save whose answer did not come
back before it, or one that may have landed before a re-read could tell, is ``unknown``
("check Grafana"), never "failed" or "written"; a 429 whose Retry-After is longer than the
time left is not waited (Grafana stored nothing), another lost answer gets one last read
(if time is left) instead of the wait.

Without a deadline too, a save whose answer was lost (a connection error or a 5xx: it may
have been stored) and whose re-read then failed is ``unknown`` ("the save was sent and may
have been written ...: check Grafana"), never plain "failed"; a re-run reads it and finds
dashgen's own message on it if it landed.

``--force`` takes over a same-titled dashboard (≤ 11.2's ``name-exists``) or a plugin's
dashboard by repeating that one refused save with ``overwrite: true``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from dashgen.errors import (
    ConflictError,
    DashgenError,
    DeadlineError,
    GrafanaConnectionError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
    VersionConflictError,
)
from dashgen.grafana.classic import NOT_A_VERSION_CONFLICT
from dashgen.messages import CHANGED_CONCURRENTLY
from dashgen.model.normalize import content_hash, hash_canonical
from dashgen.publish import library_panels
from dashgen.publish.dashboard import (
    WRITES,
    by_another_publisher,
    describe,
    is_built,
    live_record,
    plan,
    server_checked,
    stored_form,
)
from dashgen.publish.events import PUBLISHED_CONCURRENTLY, Action, PlannedDashboard
from dashgen.publish.events import PublishEvent as Event
from dashgen.publish.provenance import hash_in_message, version_message, wrote

if TYPE_CHECKING:
    from collections.abc import Mapping

    from dashgen.build.manifest import BuiltDashboard
    from dashgen.grafana.deadline import Deadline
    from dashgen.publish.session import OrgSession

_TRANSIENT = (GrafanaConnectionError, ServerError, RateLimitedError)


def write(session: OrgSession, planned: PlannedDashboard) -> Event:
    deadline = session.connection.deadline
    if deadline is None:
        return _write(session, planned)
    key = f"{session.org}/{planned.built.uid}"
    deadline.writes_in_flight.add(key)  # (what a second interrupt may leave unknown)
    try:
        return _write(session, planned)
    finally:
        deadline.writes_in_flight.discard(key)


def _write(session: OrgSession, planned: PlannedDashboard) -> Event:
    backend = session.backend
    assert backend is not None
    built = planned.built
    text = built.text()  # (read once: the library panels, then what is sent)
    refusal = library_panels.missing(session, built, text)
    if refusal is not None:  # (a library panel the org lacks: never sent)
        return replace(planned.event(), action=Action.FAILED, error=refusal, note=None)
    # What Grafana will store (a too short refresh raised to the server's minimum): what is
    # sent, and what the version message's hash names.
    document, expected_hash = stored_form(session, built, text)
    sent_hash = expected_hash  # what is sent; Grafana may store a migrated form of it
    message = version_message(expected_hash, session.git_sha, session.config.project)
    doing = session.doing(f"saving {describe(built)}", built)
    extra: dict[str, Any] = {}
    if planned.stored_hash is None and backend.validates_writes:
        # /apis migrates what is sent (§4.6): the message names the form this server was
        # seen to store (the first writes of a session ask with a dry run, the others do
        # not); the save puts it right if that was wrong.
        stamps = backend.stamps  # type: ignore[attr-defined]
        if not stamps.learned:
            planned = server_checked(session, planned)
            if planned.action is Action.FAILED:
                session.ready_folders.discard(built.target_folder_uid or "")
                return planned.event()
        if planned.stored_hash is None:
            planned = replace(
                planned, stored_hash=stamps.stored_hash(document, expected_hash, text)
            )
        extra["message_for"] = partial(_message_for, session, planned.stored_hash)
    if planned.stored_hash is not None and planned.stored_hash != expected_hash:
        # /apis may store a migrated form of what is sent: the message names what it stores.
        expected_hash = planned.stored_hash
        message = version_message(expected_hash, session.git_sha, session.config.project)
    policy = session.connection.retry
    base_version = planned.live_version
    replanned = overwrite = in_flight = False
    maybe_landed = False  # a save's answer was lost (not a 429's): it may have landed
    lost: DashgenError | None = None
    attempt = 0
    while True:
        attempt += 1
        deadline = session.connection.deadline
        try:
            if deadline is not None and deadline.passed():
                passed = deadline.not_sent()
                if maybe_landed:
                    return _unknown(planned, passed, deadline)
                return _fail(planned, passed.message)
            saved = backend.save(
                document,
                uid=built.uid,
                base_version=base_version,
                folder_uid=built.target_folder_uid,
                message=message,
                overwrite=overwrite,
                build_hash=sent_hash,
                **extra,
            )
            return _done(session, planned, _written(base_version), saved.version, saved.url)
        except VersionConflictError:
            try:  # (refused: nothing of this attempt landed)
                if base_version is None and not (planned.read or replanned or in_flight):
                    # The uid exists after all (search lags behind writes): decide again.
                    replanned = True
                    planned = plan(session, built, trust_search=False, server_check=False)
                    if planned.action not in WRITES:
                        return planned.event()
                    base_version = planned.live_version
                    if planned.stored_hash is not None:
                        expected_hash = planned.stored_hash
                        message = version_message(
                            expected_hash, session.git_sha, session.config.project
                        )
                    continue
                return _after_lost_race(session, planned, base_version, in_flight, expected_hash)
            except DeadlineError as read_error:
                if maybe_landed:  # an earlier attempt may have landed
                    return _unknown(planned, read_error, deadline)
                return _fail(planned, f"not written: {read_error.message}")
            except DashgenError as read_error:
                if maybe_landed:  # an earlier attempt may have landed: nobody can tell
                    return _unknown(planned, _unread(lost, read_error), deadline)
                return _fail(planned, f"not written: {session.explain(read_error, doing)}")
        except DeadlineError as error:
            if maybe_landed or error.sent:  # the save (or an earlier attempt) may have landed
                return _unknown(planned, error, deadline)
            return _fail(planned, error.message)
        except (PreconditionFailedError, ConflictError) as error:
            if session.force and not overwrite and error.status_text in NOT_A_VERSION_CONFLICT:
                overwrite = True  # --force: take the same-titled or plugin dashboard over
                continue
            session.ready_folders.discard(built.target_folder_uid or "")
            return _fail(planned, session.explain(error, doing))
        except _TRANSIENT as error:
            in_flight = True
            error.attempts = attempt  # (each save is sent once: this loop retries it)
            if not isinstance(error, RateLimitedError):  # (a 429 stored nothing)
                maybe_landed, lost = True, error
            try:
                if attempt >= policy.attempts:
                    return _landed(session, planned, base_version, expected_hash) or _fail(
                        planned, session.explain(error, doing)
                    )
                wait = policy.backoff(attempt, error)
                if deadline is not None and wait >= deadline.remaining():
                    sentence = deadline.too_long(wait, deadline.remaining(), error).message
                    if not maybe_landed:  # every answer was a 429: nothing stored
                        return _fail(planned, f"not written: {sentence}")
                    return _out_of_time(
                        session, planned, base_version, expected_hash, sentence, error
                    )
                (deadline.sleep if deadline is not None else time.sleep)(wait)
                if deadline is not None and deadline.passed() and not maybe_landed:
                    # (an interrupt ended the wait: every answer was a 429, nothing stored)
                    sentence = deadline.too_long(wait, 0, error).message
                    return _fail(planned, f"not written: {sentence}")
                outcome = _after_lost_answer(session, planned, base_version, expected_hash)
            except DeadlineError as read_error:  # the save may have landed: nobody can tell
                return _unknown(planned, read_error, deadline)
            except DashgenError as read_error:
                if maybe_landed:  # the save's answer was lost and the read failed too
                    return _unknown(planned, _unread(lost, read_error), deadline)
                return _fail(planned, session.explain(read_error, doing))
            if isinstance(outcome, Event):
                return outcome
            base_version = outcome
        except DashgenError as error:
            # e.g. the folder was deleted in Grafana since it was ensured: check it again
            # before the next batch.
            session.ready_folders.discard(built.target_folder_uid or "")
            return _fail(planned, session.explain(error, doing))


def _out_of_time(
    session: OrgSession,
    planned: PlannedDashboard,
    base_version: int | None,
    expected_hash: str,
    sentence: str,
    error: DashgenError,
) -> Event:
    """A save failed and waiting to try again would pass the deadline: one read (if time is
    left) tells whether it landed; if it cannot, nobody knows. A save that got no answer at
    all and is not in place yet may still land (a slow Grafana): unknown too."""
    deadline = session.connection.deadline
    try:
        landed = _landed(session, planned, base_version, expected_hash)
    except DashgenError as read_error:
        return _unknown(planned, read_error, deadline)
    if landed is not None:
        return landed
    if isinstance(error, GrafanaConnectionError):
        late = DeadlineError(f"{sentence}; it is not in place yet", sent=True)
        return _unknown(planned, late, deadline)
    return _fail(planned, f"not written: {sentence}")


def _unknown(
    planned: PlannedDashboard, error: DashgenError | None, deadline: Deadline | None
) -> Event:
    """Sent, and the deadline (or an interrupt) came before Grafana's answer (or before a
    read could tell)."""
    why = f" ({error.message})" if error is not None else ""
    sentence = f"unknown: the save was sent but its outcome is not known{why}: check Grafana"
    if isinstance(error, _Unread):
        sentence = f"unknown: the save was sent and may have been written{why}: check Grafana"
    if deadline is not None and deadline.interrupted:
        sentence = f"unknown: {deadline.unknown()}; check Grafana"
    return replace(planned.event(), action=Action.UNKNOWN, error=sentence, note=None)


class _Unread(DashgenError):
    """Why a save whose answer was lost is unknown: reading the dashboard again failed."""


def _unread(lost: DashgenError | None, read_error: DashgenError) -> DashgenError:
    answer = f"its answer was lost: {lost.message}; " if lost is not None else ""
    return _Unread(f"{answer}reading it again failed: {read_error.message}")


def _message_for(session: OrgSession, named: str, stored: dict[str, Any]) -> str | None:
    """The message a write stored as ``stored`` should carry, when not the one naming
    ``named``."""
    # What Grafana stored is usually what was sent, canonical already: hashed as it is
    # (equal canonical text is the same dashboard), normalised only when that differs.
    if hash_canonical(stored) == named:
        return None
    stored_hash = content_hash(stored)
    if stored_hash == named:
        return None
    return version_message(stored_hash, session.git_sha, session.config.project)


def _after_lost_answer(
    session: OrgSession, planned: PlannedDashboard, base_version: int | None, expected_hash: str
) -> Event | int | None:
    """Read again after a write whose answer was lost: an event if settled, else the version
    to base the next attempt on (None: create)."""
    backend = session.backend
    assert backend is not None
    live = backend.get(planned.built.uid)
    if live is None:
        if base_version is None:
            return None  # the create did not land (yet): send it again
        return _fail(planned, f"{describe(planned.built)} was deleted in Grafana meanwhile")
    if live.version == base_version:
        return live.version  # the write did not land (yet): send it again, on that version
    return _after_lost_race(session, planned, base_version, True, expected_hash)


def _landed(
    session: OrgSession, planned: PlannedDashboard, base_version: int | None, expected_hash: str
) -> Event | None:
    """The last word after the attempts are used up: the write is in place, or None."""
    backend = session.backend
    assert backend is not None
    live = backend.get(planned.built.uid)
    if live is None or not is_built(live, planned.built, session.min_refresh_interval):
        return None
    record = live_record(session, planned.built.uid, live)
    if record is None or not wrote(record.message, expected_hash):
        return None
    return _done(session, planned, _written(base_version), live.version, live.url)


def _after_lost_race(
    session: OrgSession,
    planned: PlannedDashboard,
    base_version: int | None,
    in_flight: bool,
    expected_hash: str,
) -> Event:
    """Grafana refused the write (the live version moved), or a re-read found it moved:
    read what is there now, and never overwrite it."""
    backend = session.backend
    assert backend is not None
    built = planned.built
    live = backend.get(built.uid)
    if live is None:
        return _fail(planned, f"{describe(built)} was deleted in Grafana meanwhile")
    record = live_record(session, built.uid, live)
    if is_built(live, built, session.min_refresh_interval):
        if in_flight and record is not None and wrote(record.message, expected_hash):
            return _done(session, planned, _written(base_version), live.version, live.url)
        return _done(
            session, planned, Action.UNCHANGED, live.version, live.url, PUBLISHED_CONCURRENTLY
        )
    if record is not None and hash_in_message(record.message) is not None:
        return _fail(planned, by_another_publisher(built, live, record))
    who = live.updated_by or (record.created_by if record else "") or "someone"
    said = f", message {record.message!r}" if record and record.message else ""
    return _fail(
        planned,
        f"{describe(built)} {CHANGED_CONCURRENTLY} (version {live.version}, saved by {who}{said})",
    )


def _written(base_version: int | None) -> Action:
    return Action.CREATED if base_version is None else Action.UPDATED


def _done(
    session: OrgSession,
    planned: PlannedDashboard,
    action: Action,
    version: int | None,
    url: str | None,
    note: str | None = None,
) -> Event:
    if action is Action.CREATED and session.known_uids is not None:
        session.known_uids.add(planned.built.uid)
    if note is None and action is Action.UPDATED:
        note = planned.note  # ADOPTED, or a schema change (dashgen.publish.schemas)
    return replace(
        planned.event(),
        action=action,
        version_after=version,
        url=session.absolute(url or planned.url),
        note=note,
    )


def _fail(planned: PlannedDashboard, error: str) -> Event:
    return replace(planned.event(), action=Action.FAILED, error=error, note=None)


def publish_one(
    session: OrgSession, built: BuiltDashboard, deferred: Mapping[str, str] | None = None
) -> Event:
    """Plan and, if needed, write one dashboard (no lock: watch's path); one of
    ``deferred`` (uid → its datasource refusal) fails instead of being written."""
    from dashgen.publish.datasources import refused_if_written

    planned = refused_if_written(plan(session, built, server_check=False), deferred or {})
    if planned.action not in WRITES:
        return planned.event()
    with session.write_slots:
        return write(session, planned)

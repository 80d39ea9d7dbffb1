"""One dashboard of an ``OrgSession``: decide (plan), then write safely (publish_one).

Decision (``comparable`` = ``model.normalize.comparable``):

- no live dashboard → create (no base version);
- ``comparable(build) == comparable(live)`` and same folder → unchanged, no write (and no
  history read). The build is compared as this Grafana stores it: a ``refresh`` below the
  server's ``min_refresh_interval`` becomes that minimum on save (``as_stored``; the
  session reads the minimum from the server), and that stored form is what is sent and
  what the version message's hash names;
- otherwise the **drift guard**: the live version's history record must carry dashgen's
  message ``dashgen <content hash> [git <sha>]`` naming the live content; then the live
  dashboard is exactly what dashgen last wrote → update. Anything else (a UI edit, a
  restore, a dashboard dashgen never wrote, an unreadable history) → ``drifted``:
  reported, not written, unless ``force``. The evidence lives in Grafana, so this works
  from a fresh CI checkout. A dashboard still at the version and content that ``dashgen
  pull`` read (``dashgen.pulled.json``, committed with the sources) counts as dashgen's too.

Writes are based on the live version that was compared, so a concurrent writer between
read and write makes the backend raise ``VersionConflictError`` → ``failed``, "re-run".
A create refused that way (the uid exists after all: search is eventually consistent) is
re-planned once.

A write is never retried blindly (a committed write whose answer was lost would add a
version). After a connection error, 5xx or 429, the dashboard is read again: if it now
equals the build and carries dashgen's message, the write landed; if it is still at the
version the write was based on, it is sent again (bounded attempts, the client's backoff,
``Retry-After`` honoured); anything else is a concurrent change → ``failed``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import (
    DashgenError,
    GrafanaConnectionError,
    RateLimitedError,
    ServerError,
    VersionConflictError,
)
from dashgen.grafana.backend import LiveDashboard
from dashgen.messages import CHANGED_CONCURRENTLY
from dashgen.model.normalize import as_stored, comparable, content_hash, hash_canonical
from dashgen.publish.events import Action, PlannedDashboard, PublishEvent
from dashgen.publish.provenance import hash_in_message, version_message, wrote
from dashgen.publish.pulled import was_pulled

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

_TRANSIENT = (GrafanaConnectionError, ServerError, RateLimitedError)
_WRITES = (Action.WOULD_CREATE, Action.WOULD_UPDATE)

logger = logging.getLogger(__name__)


def describe(built: BuiltDashboard) -> str:
    return f"dashboard {built.title!r} (uid {built.uid})"


# -- plan ----------------------------------------------------------------------------------


def plan(
    session: OrgSession,
    built: BuiltDashboard,
    *,
    trust_search: bool = True,
    with_documents: bool = False,
) -> PlannedDashboard:
    """Decide what to do with one dashboard: a read or two, never a write."""
    backend = session.backend
    assert backend is not None
    desired = comparable(stored_form(session, built)[0]) if with_documents else None
    base = PlannedDashboard(session.org, built, Action.WOULD_CREATE, desired)
    folder = built.target_folder_uid
    if folder in session.folder_errors:
        return replace(base, action=Action.FAILED, error=session.folder_errors[folder])
    known = session.known_uids
    if trust_search and known is not None and built.uid not in known:
        return base
    doing = session.doing(f"reading {describe(built)}", built)
    try:
        live = backend.get(built.uid)
        if live is None:
            return base
        planned = replace(
            base,
            live=comparable(live.dashboard) if with_documents else None,
            live_version=live.version,
            url=session.absolute(live.url),
        )
        if is_built(live, built, session.min_refresh_interval):
            return replace(planned, action=Action.UNCHANGED)
        drift = None if session.force else _drift(session, built, live)
    except DashgenError as error:
        return replace(base, action=Action.FAILED, error=session.explain(error, doing))
    if drift is not None:
        return replace(planned, action=Action.DRIFTED, error=drift)
    return replace(planned, action=Action.WOULD_UPDATE)


def _drift(session: OrgSession, built: BuiltDashboard, live: LiveDashboard) -> str | None:
    """None when the live dashboard is what dashgen last wrote, else why it is not."""
    assert session.backend is not None
    live_hash = content_hash(live.dashboard)
    if was_pulled(session.config.root, session.org, built.uid, live.version, live_hash):
        return None  # untouched since `dashgen pull` read it (dashgen.publish.pulled)
    # A 403 here means the token cannot save either: let it fail with that sentence.
    record = session.backend.history(built.uid, live.version)
    if record is not None and wrote(record.message, live_hash):
        return None
    who = live.updated_by or (record.created_by if record else "") or "someone"
    saved = f"version {live.version}, saved by {who}"
    if record is None:
        why = f"has no readable version history ({saved})"
    elif hash_in_message(record.message) is None:
        note = f" with message {record.message!r}" if record.message else ""
        why = f"was last saved in Grafana, not by dashgen ({saved}{note})"
    else:
        why = f"differs from what dashgen last published ({saved})"
    return (
        f"{describe(built)} {why}; not overwritten: bring the change into the source, "
        "or re-run with --force to replace it"
    )


def is_built(
    live: LiveDashboard, built: BuiltDashboard, min_refresh_interval: str | None = None
) -> bool:
    """The live dashboard is the build as Grafana stores it: same comparable content, same
    folder (``min_refresh_interval``: the server's, None when no rewrite is expected)."""
    # built.content_hash is content_hash() of the build output: no need to load the file.
    if live.folder_uid != built.target_folder_uid:
        return False
    # Grafana usually returns what dashgen stored, which is canonical already: hashing it
    # as it is saves most of the CPU of an unchanged republish. If that does not match,
    # the full comparison (normalising the live copy) decides.
    if hash_canonical(live.dashboard) == built.content_hash:
        return True
    live_hash = content_hash(live.dashboard)
    if live_hash == built.content_hash:
        return True
    # Only a live refresh equal to the minimum can be Grafana's rewrite of the build's.
    if not min_refresh_interval or live.dashboard.get("refresh") != min_refresh_interval:
        return False
    return stored_form_of(built, min_refresh_interval)[1] == live_hash


def stored_form(session: OrgSession, built: BuiltDashboard) -> tuple[dict[str, Any], str]:
    """The build as this session's Grafana will store it, and its content hash."""
    return stored_form_of(built, session.min_refresh_interval)


def stored_form_of(built: BuiltDashboard, min_refresh_interval: str) -> tuple[dict[str, Any], str]:
    document = built.load()
    stored = as_stored(document, min_refresh_interval)
    if stored is document:
        return document, built.content_hash
    logger.info(
        "%s: refresh %r is below the server's min_refresh_interval; Grafana stores %r",
        describe(built),
        document.get("refresh"),
        stored.get("refresh"),
    )
    return stored, content_hash(stored)


# -- apply ---------------------------------------------------------------------------------


def publish_one(session: OrgSession, built: BuiltDashboard) -> PublishEvent:
    planned = plan(session, built)
    if planned.action not in _WRITES:
        return planned.event()
    with session.write_slots:
        return _write(session, planned)


def _write(session: OrgSession, planned: PlannedDashboard) -> PublishEvent:
    backend = session.backend
    assert backend is not None
    built = planned.built
    document, expected_hash = stored_form(session, built)
    message = version_message(expected_hash, session.git_sha, session.config.project)
    doing = session.doing(f"saving {describe(built)}", built)
    policy = session.connection.retry
    base_version = planned.live_version
    replanned = False
    attempt = 0
    while True:
        attempt += 1
        try:
            saved = backend.save(
                document,
                uid=built.uid,
                base_version=base_version,
                folder_uid=built.target_folder_uid,
                message=message,
                overwrite=session.force,
            )
            action = Action.CREATED if base_version is None else Action.UPDATED
            return _done(session, planned, action, saved.version, saved.url)
        except VersionConflictError:
            if base_version is None and not replanned:
                # The uid exists after all (search lags behind writes): decide again.
                replanned = True
                planned = plan(session, built, trust_search=False)
                if planned.action not in _WRITES:
                    return planned.event()
                base_version = planned.live_version
                continue
            return _fail(planned, f"{describe(built)} {CHANGED_CONCURRENTLY}")
        except _TRANSIENT as error:
            if attempt >= policy.attempts:
                return _fail(planned, session.explain(error, doing))
            time.sleep(policy.backoff(attempt, error))
            try:
                outcome = _after_lost_answer(session, planned, base_version, expected_hash)
            except DashgenError as read_error:
                return _fail(planned, session.explain(read_error, doing))
            if isinstance(outcome, PublishEvent):
                return outcome
            base_version = outcome
        except DashgenError as error:
            # e.g. the folder was deleted in Grafana since it was ensured: check it again
            # before the next batch.
            session.ready_folders.discard(built.target_folder_uid or "")
            return _fail(planned, session.explain(error, doing))


def _after_lost_answer(
    session: OrgSession, planned: PlannedDashboard, base_version: int | None, expected_hash: str
) -> PublishEvent | int | None:
    """Read again after a failed write: an event if settled, else the version to send."""
    backend = session.backend
    assert backend is not None
    built = planned.built
    live = backend.get(built.uid)
    if live is None:
        if base_version is None:
            return None  # the create did not land: send it again
        return _fail(planned, f"{describe(built)} was deleted in Grafana meanwhile")
    if is_built(live, built, session.min_refresh_interval):
        record = backend.history(built.uid, live.version)
        if record is not None and wrote(record.message, expected_hash):
            action = Action.CREATED if base_version is None else Action.UPDATED
            return _done(session, planned, action, live.version, live.url)
        return _done(session, planned, Action.UNCHANGED, live.version, live.url)
    if live.version == base_version or session.force:
        return live.version  # our write did not land (or --force): send it again
    return _fail(planned, f"{describe(built)} {CHANGED_CONCURRENTLY}")


def _done(
    session: OrgSession,
    planned: PlannedDashboard,
    action: Action,
    version: int | None,
    url: str | None,
) -> PublishEvent:
    if action is Action.CREATED and session.known_uids is not None:
        session.known_uids.add(planned.built.uid)
    return replace(
        planned.event(),
        action=action,
        version_after=version,
        url=session.absolute(url or planned.url),
    )


def _fail(planned: PlannedDashboard, error: str) -> PublishEvent:
    return replace(planned.event(), action=Action.FAILED, error=error)

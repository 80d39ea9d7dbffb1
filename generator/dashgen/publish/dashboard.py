"""One dashboard of an ``OrgSession``: decide (plan), then write safely (write).

Decision (``comparable`` = ``model.normalize.comparable``):

- no live dashboard → create (no base version);
- ``comparable(build) == comparable(live)`` and same folder → unchanged, no write. The
  build is compared as this Grafana stores it: a ``refresh`` below the server's
  ``min_refresh_interval`` becomes that minimum on save (``as_stored``; the session reads
  the minimum from the server), and that stored form is what is sent and what the version
  message's hash names. If the live version is not dashgen's (a person edited the
  dashboard in Grafana and the source was then brought to match it), it is **adopted**:
  one write of the same content with dashgen's message, so later edits of the source
  publish normally (the evidence lives in Grafana's history, so this works from a fresh
  checkout). Whether the live version is dashgen's is read from its history, except for
  versions saved by the token's own identity (``GET /api/user``, once) or by one seen
  saving dashgen's versions in this session: an unchanged org costs no history read. A
  dashboard still at the version and content that ``dashgen pull`` read
  (``dashgen.pulled.json``, committed with the sources) is dashgen's already: nothing to
  adopt;
- otherwise the **drift guard**: the live version's history record must carry dashgen's
  message ``dashgen <content hash> [git <sha>] [project <name>]`` naming the live content
  (only the hash counts here: any dashgen project's write is dashgen's); then the live
  dashboard is exactly what dashgen last wrote → update. Anything else (a UI edit, a
  restore, a dashboard dashgen never wrote, an unreadable history) → ``drifted``:
  reported, not written, unless ``force``. The evidence lives in Grafana, so this works
  from a fresh CI checkout; the pulled evidence above counts as dashgen's too.
- after waiting for another publisher's lock (``dashgen.publish.lock``): a dashboard saved
  since that publisher took the lock was **written by another publisher during this run**
  and is left alone (``unchanged (published concurrently)`` when it holds this build).

Writes (``dashgen.publish.writing``) are always based on the live version that was
compared (``overwrite: false``, with ``--force`` too), so a write that loses a race is
refused by Grafana and never followed by an overwrite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import DashgenError, VersionConflictError
from dashgen.grafana.backend import LiveDashboard, VersionRecord
from dashgen.model.normalize import as_stored, comparable, content_hash, hash_canonical
from dashgen.publish.events import ADOPTED, PUBLISHED_CONCURRENTLY, Action, PlannedDashboard
from dashgen.publish.provenance import hash_in_message, version_message, wrote
from dashgen.publish.pulled import was_pulled
from dashgen.publish.schemas import schema_changes, schema_drift, schema_note
from dashgen.publish.stamped import stamped_build, stamped_write

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

WRITES = (Action.WOULD_CREATE, Action.WOULD_UPDATE)
GIT_SYNC = "repo"  # grafana.app/managedBy of a dashboard Git Sync provisions (§8.2)

logger = logging.getLogger(__name__)


def describe(built: BuiltDashboard) -> str:
    return f"dashboard {built.title!r} (uid {built.uid})"


def plan(
    session: OrgSession,
    built: BuiltDashboard,
    *,
    trust_search: bool = True,
    with_documents: bool = False,
    server_check: bool = True,
) -> PlannedDashboard:
    """Decide what to do with one dashboard: a read or two, never a write (on /apis, with
    ``server_check``, a planned write is also sent as a server dry run: what Grafana would
    store, or why it would refuse it; a publish, which writes at once, does not ask).

    ``with_documents`` (diff) keeps both sides for diffing and does not look for
    adoptions (they change no content)."""
    planned = _plan(session, built, trust_search=trust_search, with_documents=with_documents)
    if with_documents and planned.desired is None:  # (an unchanged one's is the live one)
        planned = replace(planned, desired=comparable(stored_form(session, built)[0]))
    assert session.backend is not None
    validates = session.backend.validates_writes and server_check
    # (a diff asks too for a new dashboard, so that it shows one Grafana would refuse as
    # failed, as a dry run does; a changed one was asked by ``_matches_as_stored``)
    creates = not with_documents or planned.action is Action.WOULD_CREATE
    if planned.action in WRITES and creates and validates:
        return server_checked(session, planned)
    return planned


def server_checked(session: OrgSession, planned: PlannedDashboard) -> PlannedDashboard:
    """``planned`` with the hash of what the server will store (``?dryRun=All``), or FAILED
    with the server's refusal. A lost race is left to the write to find and say."""
    backend = session.backend
    assert backend is not None
    built = planned.built
    document, sent_hash = stored_form(session, built)
    doing = session.doing(f"Grafana's dry run of saving {describe(built)}", built)
    try:
        stored = backend.would_store(
            document,
            uid=built.uid,
            base_version=planned.live_version,
            folder_uid=built.target_folder_uid,
            message=version_message(sent_hash, session.git_sha, session.config.project),
        )
    except VersionConflictError:
        return planned
    except DashgenError as error:
        return replace(planned, action=Action.FAILED, error=session.refusal(error, doing))
    stored_hash = content_hash(stored) if stored is not None else sent_hash
    return replace(planned, stored_hash=stored_hash)


def _plan(
    session: OrgSession,
    built: BuiltDashboard,
    *,
    trust_search: bool,
    with_documents: bool,
) -> PlannedDashboard:
    backend = session.backend
    assert backend is not None
    base = PlannedDashboard(session.org, built, Action.WOULD_CREATE)
    folder = built.target_folder_uid
    if folder in session.folder_errors:
        return replace(base, action=Action.FAILED, error=session.folder_errors[folder])
    known = session.known_uids
    if trust_search and known is not None and built.uid not in known:
        return base
    doing = session.doing(f"reading {describe(built)}", built)
    try:
        live = session.prefetch.dashboard(built.uid, backend.get)
        if live is None:
            return replace(base, read=True)
        planned = replace(
            base,
            live=comparable(live.dashboard) if with_documents else None,
            live_version=live.version,
            url=session.absolute(live.url),
            read=True,
        )
        if live.manager is not None and live.manager.kind == GIT_SYNC:
            return replace(planned, action=Action.SKIPPED, error=managed_by(built, live))
        # v1 over a v2-stored dashboard or the reverse (§9.6): the drift guard's (schemas).
        changed = schema_changes(built, live)
        concurrent = written_during_run(session, live)
        matches = is_built(live, built, session.lazy_min_refresh_interval)
        if not matches and with_documents and backend.validates_writes:
            matches, planned = _matches_as_stored(session, planned, live)
            if planned.action is Action.FAILED:
                return planned  # Grafana would refuse the write: diff says so
        if matches:
            return _as_built(session, planned, live, concurrent, with_documents)
        if concurrent:
            record = live_record(session, built.uid, live)
            if record is not None and hash_in_message(record.message) is not None:
                return replace(
                    planned, action=Action.FAILED, error=by_another_publisher(built, live, record)
                )
        drift = None if session.force else _drift(session, built, live)
        if drift is not None and backend.validates_writes and not with_documents:
            # Not dashgen's: maybe the source now matches it as the server stores it.
            matches, planned = _matches_as_stored(session, planned, live)
            if matches:
                return _as_built(session, planned, live, concurrent, with_documents)
    except DashgenError as error:
        return replace(base, action=Action.FAILED, error=session.explain(error, doing))
    if drift is not None:
        if changed:
            drift = schema_drift(built, live, drift, describe(built))
        return replace(planned, action=Action.DRIFTED, error=drift)
    note = schema_note(built, live) if changed else None
    return replace(planned, action=Action.WOULD_UPDATE, note=note)


def _drift(session: OrgSession, built: BuiltDashboard, live: LiveDashboard) -> str | None:
    """None when the live dashboard is what dashgen last wrote, else why it is not."""
    assert session.backend is not None
    live_hash = content_hash(live.dashboard)
    if was_pulled(session.config.root, session.org, built.uid, live.version, live_hash):
        return None  # untouched since `dashgen pull` read it (dashgen.publish.pulled)
    # A 403 here means the token cannot save either: let it fail with that sentence.
    if stamped_write(live):
        return None  # dashgen's stamped write, untouched since (dashgen.publish.stamped)
    record = live_record(session, built.uid, live)
    if record is not None and wrote(record.message, live_hash):
        session.learn_identity(live.updated_by)
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


def dashgens_without_history(
    session: OrgSession, built: BuiltDashboard, live: LiveDashboard
) -> bool:
    """dashgen's by its saver's identity (no message) or stamp: no history read needed."""
    stamped = stamped_build(live, built)  # (first: the identity may take a request)
    return stamped or (live.message is None and session.saved_by_dashgen(live.updated_by))


def _to_adopt(session: OrgSession, built: BuiltDashboard, live: LiveDashboard) -> bool:
    """Whether the live version (which equals the build) is someone else's, so that one
    write with dashgen's message should record it as dashgen's."""
    if dashgens_without_history(session, built, live):
        return False
    assert session.backend is not None
    live_hash = content_hash(live.dashboard)  # the stored form: what the message names
    if was_pulled(session.config.root, session.org, built.uid, live.version, live_hash):
        return False  # still as `dashgen pull` read it: dashgen's already
    try:
        record = live_record(session, built.uid, live)
    except DashgenError:
        return False  # cannot tell: leave it (the drift guard will ask again)
    if record is None:
        return False
    if wrote(record.message, live_hash):
        session.learn_identity(live.updated_by)
        return False
    return True


def _as_built(
    session: OrgSession,
    planned: PlannedDashboard,
    live: LiveDashboard,
    concurrent: bool,
    with_documents: bool,
) -> PlannedDashboard:
    """The live dashboard holds the build: unchanged, or one write to adopt it."""
    if planned.live is not None:  # (a diff's)
        planned = replace(planned, desired=planned.live)  # as stored: no difference
    if concurrent:
        return replace(planned, action=Action.UNCHANGED, note=PUBLISHED_CONCURRENTLY)
    if not with_documents and _to_adopt(session, planned.built, live):
        return replace(planned, action=Action.WOULD_UPDATE, note=ADOPTED)
    return replace(planned, action=Action.UNCHANGED)


def _matches_as_stored(
    session: OrgSession, planned: PlannedDashboard, live: LiveDashboard
) -> tuple[bool, PlannedDashboard]:
    """Whether the build, as this server would store it (a dry run), is ``live``; the plan
    then diffs that stored form (/apis migrates v1 writes to the latest schemaVersion)."""
    built = planned.built
    stored = _as_stored_by_server(session, built, live)
    if isinstance(stored, DashgenError):  # a publish's write will say why; a diff says now
        if planned.live is None or isinstance(stored, VersionConflictError):
            return False, planned  # (not a diff's)
        doing = session.doing(f"Grafana's dry run of saving {describe(built)}", built)
        return False, replace(planned, action=Action.FAILED, error=session.refusal(stored, doing))
    if stored is None:
        return False, planned
    if planned.live is not None:  # (a diff's)
        planned = replace(planned, desired=comparable(stored))
    same = live.folder_uid == built.target_folder_uid
    return same and content_hash(stored) == content_hash(live.dashboard), planned


def _as_stored_by_server(
    session: OrgSession, built: BuiltDashboard, live: LiveDashboard
) -> dict[str, Any] | DashgenError | None:
    """The build as this server would store it over ``live`` (/apis migrates v1 writes:
    a dry run says how), None when it cannot tell; a changed dashboard costs this one read."""
    assert session.backend is not None
    document, build_hash = stored_form(session, built)
    try:
        return session.backend.would_store(
            document,
            uid=built.uid,
            base_version=live.version,
            folder_uid=built.target_folder_uid,
            message=version_message(build_hash, session.git_sha, session.config.project),
        )
    except DashgenError as error:
        return error  # why it would be refused


def live_record(session: OrgSession, uid: str, live: LiveDashboard) -> VersionRecord | None:
    """The record of the live version: from the object when it carries its message
    (/apis), else from the version history (one read)."""
    if live.message is not None:
        return VersionRecord(version=live.version, message=live.message, created_by=live.updated_by)
    assert session.backend is not None
    return session.backend.history(uid, live.version)


def managed_by(built: BuiltDashboard, live: LiveDashboard) -> str:
    assert live.manager is not None
    return (
        f"{describe(built)} is managed by {live.manager.describe()}; not written (a write "
        "would become a commit to that repository, or be refused): change it there, or "
        "pass --skip-managed if skipping it is expected"
    )


def is_built(
    live: LiveDashboard,
    built: BuiltDashboard,
    min_refresh_interval: str | Callable[[], str] | None = None,
) -> bool:
    """The live dashboard is the build as Grafana stores it: same comparable content, same
    folder (``min_refresh_interval``: the server's, None when no rewrite is expected)."""
    # built.content_hash is content_hash() of the build output: no need to load the file.
    if live.folder_uid != built.target_folder_uid:
        return False
    if stamped_build(live, built):  # /apis: no spec to migrate, hash or compare
        return True
    # Grafana usually returns what dashgen stored, which is canonical already: hashing it
    # as it is saves most of the CPU of an unchanged republish. If that does not match,
    # the full comparison (normalising the live copy) decides.
    canonical_hash = hash_canonical(live.dashboard)
    if canonical_hash == built.content_hash:
        return True
    # /apis: what dashgen stored for this very build (Grafana migrated it on write): the
    # annotation names the form that was sent, the message what was stored.
    message = live.message if live.build_hash is not None else None
    same_build = message is not None and live.build_hash == built.content_hash
    if same_build and wrote(str(message), canonical_hash):
        return True  # (what Grafana stored is canonical already: no normalising)
    live_hash = content_hash(live.dashboard)
    if live_hash == built.content_hash:
        return True
    ours = message is not None and wrote(message, live_hash)
    if ours and live.build_hash == built.content_hash:
        return True
    if callable(min_refresh_interval):  # asked only now: it may cost a request
        min_refresh_interval = min_refresh_interval()
    if ours and min_refresh_interval:
        return live.build_hash == stored_form_of(built, min_refresh_interval)[1]
    # Only a live refresh equal to the minimum can be Grafana's rewrite of the build's.
    if not min_refresh_interval or live.dashboard.get("refresh") != min_refresh_interval:
        return False
    return stored_form_of(built, min_refresh_interval)[1] == live_hash


def stored_form(
    session: OrgSession, built: BuiltDashboard, text: bytes | None = None
) -> tuple[dict[str, Any], str]:
    """The build as this session's Grafana will store it, and its content hash (``text``:
    its output file's bytes, if read already)."""
    return stored_form_of(built, session.min_refresh_interval, text)


def stored_form_of(
    built: BuiltDashboard, min_refresh_interval: str, text: bytes | None = None
) -> tuple[dict[str, Any], str]:
    document = built.load(text)
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


# -- concurrent publishers -------------------------------------------------------------


def written_during_run(session: OrgSession, live: LiveDashboard) -> bool:
    """Saved since the publisher this session waited for took the lock (Grafana's clock)."""
    since = session.concurrent_since
    if since is None or not live.updated:
        return False
    saved, started = _moment(live.updated), _moment(since)
    return saved is not None and started is not None and saved >= started


def by_another_publisher(built: BuiltDashboard, live: LiveDashboard, record: VersionRecord) -> str:
    return (
        f"{describe(built)} was written by another publisher during this run (version "
        f"{live.version}, message {record.message!r}); left alone: dashgen never overwrites "
        "a concurrent write. Re-run the publish whose content should win"
    )


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None

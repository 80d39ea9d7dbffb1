"""``publish --prune``: delete, in one org, the dashboards this project owns whose source is gone.

Run per org after its dashboards were published (``diff --prune`` and ``--dry-run`` only
plan). Backend-neutral: only the backend calls ``search_dashboards``, ``get``,
``versions``, ``delete``, ``folder_info``, ``folder_is_empty``, ``delete_folder``.

1. Guards before any request: the build for the org holds dashboards (an empty build, from
   a wrong ``sources`` glob or a checkout in the wrong folder, must not empty the org), and
   none of the org's dashboards failed to publish (a renamed uid whose new dashboard
   failed keeps its old one).
2. Candidates: the org's dashboards (one search, all pages) minus the build's uids. The
   search is eventually consistent on 12.x: a dashboard it misses is pruned next time.
3. Each candidate is read (``get``: content, version, manager) and its ownership decided
   (``dashgen.publish.ownership``): only this project's dashboards, unchanged since it
   wrote them, are deleted. Edited ones are reported as ``kept`` (exit 1 unless
   ``--prune-keep-edited``); dashboards of other projects, the UI or other tools are never
   touched; those managed by Git Sync or provisioning (``LiveDashboard.manager``) are
   skipped before anything else.
4. ``--prune-max`` (default: 10 or 25% of this project's dashboards in the org, whichever
   is larger): more deletions than that and nothing is deleted without ``--yes``.
5. Deletes, bounded by the session's write slots. A delete is never repeated blindly: after
   a connection error, 5xx or 429 the dashboard is read again (gone: done; same version:
   send again; changed: failed). A 404 on delete is success. Just before each delete the
   dashboard is read again and must still be at the version that was judged (the classic
   API has no conditional delete: a save in the instant between that read and the delete
   would be lost, the one window left).
6. Folders: a folder that held a deleted dashboard is deleted too when the build publishes
   nothing into it, Grafana counts nothing left in it (dashboards, subfolders, library
   panels, alert rules: deleting a folder deletes them all), no other tool manages it, and
   it was created by dashgen: its ``createdBy`` is the identity that saved this project's
   versions of the deleted dashboards (the legacy folder DTO carries no description or
   other place for a marker, so the creator is the evidence). Any other folder stays.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from dashgen.build.manifest import BuiltDashboard
from dashgen.config import Config
from dashgen.errors import (
    DashgenError,
    GrafanaConnectionError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UsageError,
)
from dashgen.grafana.backend import LiveDashboard, SearchHit
from dashgen.messages import Doing
from dashgen.publish.events import Action, PublishEvent
from dashgen.publish.ownership import Evidence, Ownership, evidence

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

DEFAULT_PRUNE_MAX = 10
DEFAULT_PRUNE_SHARE = 0.25
NAMED_IN_REFUSAL = 5
CHANGED_CONCURRENTLY = (
    "was changed in Grafana by someone else since dashgen read it; nothing was deleted: "
    "re-run the prune"
)
# Creators that name nobody in particular: never evidence that dashgen made a folder.
_NOBODY = frozenset({"", "Anonymous"})
_TRANSIENT = (GrafanaConnectionError, ServerError, RateLimitedError)

logger = logging.getLogger(__name__)


def require_project(config: Config) -> None:
    """Prune needs the project's name: it is how dashgen tells its dashboards apart."""
    if not config.project:
        where = config.config_file.name if config.config_file else "dashgen.toml"
        raise UsageError(
            f'--prune needs the project\'s name: add project = "<name>" to {where}. dashgen '
            "writes it into every version message, so that prune deletes only what this "
            "project published, never another project's dashboards in the same org"
        )


@dataclass(frozen=True)
class PruneOptions:
    max_deletions: int | None = None  # --prune-max; None: max(10, 25% of the project's)
    yes: bool = False  # --yes: go beyond the limit
    keep_edited: bool = False  # --prune-keep-edited: kept dashboards do not fail the run

    def limit(self, built: int, deleting: int) -> int:
        if self.max_deletions is not None:
            return self.max_deletions
        return max(DEFAULT_PRUNE_MAX, math.floor(DEFAULT_PRUNE_SHARE * (built + deleting)))


@dataclass
class PruneResult:
    events: list[PublishEvent] = field(default_factory=list)
    refusal: str | None = None  # why nothing was pruned in the org (a guard held)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    hit: SearchHit
    live: LiveDashboard
    evidence: Evidence


def prune(
    session: OrgSession,
    built: Sequence[BuiltDashboard],
    options: PruneOptions,
    *,
    dry_run: bool,
    failed: int = 0,
) -> PruneResult:
    """Prune one org (``built``: its whole build). Never raises for Grafana's answers."""
    result = PruneResult()
    org = session.org
    if session.backend is None:
        return result  # the org could not be opened: its error says so
    if not built:
        result.refusal = (
            f"the build has no dashboards for org {org!r}, so nothing was pruned (check the "
            "`sources` globs and the directory dashgen runs in)"
        )
        return result
    if failed:
        result.refusal = (
            f"{failed} dashboard(s) of org {org!r} were not published, so nothing was pruned"
        )
        return result
    try:
        hits = session.backend.search_dashboards()
    except DashgenError as error:
        doing = session.doing(f"listing the dashboards of org {org!r} to prune")
        result.refusal = f"{session.explain(error, doing)}; nothing was pruned"
        return result
    wanted = {b.uid for b in built}
    candidates = [hit for hit in hits if hit.uid not in wanted]
    targets = _classify(session, candidates, result)
    doomed = [t for t in targets if t.evidence.ownership is Ownership.OURS]
    for target in targets:
        _report(session, target, result)
    limit = options.limit(len(built), len(doomed))
    if len(doomed) > limit and not options.yes:
        result.refusal = _too_many(org, doomed, limit)
        if not dry_run:
            return result
    if dry_run:
        result.events.extend(_event(org, t, Action.WOULD_DELETE) for t in doomed)
        result.events.extend(_folders_planned(session, built, doomed, hits))
        return result
    deleted = [e for e in _each(session, doomed, _deleter(session)) if e is not None]
    result.events.extend(deleted)
    gone = {e.uid for e in deleted if e.action is Action.DELETED}
    _prune_folders(session, built, [t for t in doomed if t.hit.uid in gone], result)
    return result


# -- deciding ------------------------------------------------------------------------------


def _classify(
    session: OrgSession, candidates: Sequence[SearchHit], result: PruneResult
) -> list[_Target]:
    def judge(hit: SearchHit) -> _Target | str | None:
        assert session.backend is not None
        doing = session.doing(f"reading dashboard {hit.title!r} (uid {hit.uid}) to prune")
        try:
            live = session.backend.get(hit.uid)
            if live is None:
                return None  # deleted meanwhile
            if live.manager is not None:
                logger.debug("%s is managed by %s: not pruned", hit.uid, live.manager.describe())
                return None
            return _Target(hit, live, evidence(session, hit.uid, live))
        except PermissionDeniedError:
            return None  # dashgen's token could not have written it
        except DashgenError as error:
            return f"{session.explain(error, doing)}; not pruned"

    targets: list[_Target] = []
    for outcome in _each(session, candidates, judge):
        if isinstance(outcome, str):
            result.warnings.append(outcome)
        elif outcome is not None:
            targets.append(outcome)
    targets.sort(key=lambda t: t.hit.uid)
    return targets


def _report(session: OrgSession, target: _Target, result: PruneResult) -> None:
    kind = target.evidence.ownership
    if kind is Ownership.EDITED:
        why = (
            f"source removed, but edited in Grafana since: kept ({target.evidence.why}); delete "
            "it in Grafana or bring its source back"
        )
        kept = _event(session.org, target, Action.KEPT, error=why)
        result.events.append(replace(kept, url=session.absolute(target.live.url)))
    elif kind is Ownership.UNNAMED:
        result.warnings.append(
            f"{session.org}/{target.hit.uid} {target.hit.title!r}: not in the build, but "
            f"{target.evidence.why}; not deleted (delete it in Grafana if it is this project's)"
        )


def _too_many(org: str, doomed: Sequence[_Target], limit: int) -> str:
    names = ", ".join(t.hit.uid for t in doomed[:NAMED_IN_REFUSAL])
    if len(doomed) > NAMED_IN_REFUSAL:
        names += f" and {len(doomed) - NAMED_IN_REFUSAL} more"
    return (
        f"the prune would delete {len(doomed)} dashboards in org {org!r} ({names}), more than "
        f"--prune-max {limit}; nothing was deleted: check that the build holds every source, "
        "or re-run with --yes"
    )


# -- deleting ------------------------------------------------------------------------------


def _deleter(session: OrgSession) -> Callable[[_Target], PublishEvent]:
    def delete(target: _Target) -> PublishEvent:
        with session.write_slots:
            return _delete_dashboard(session, target)

    return delete


def _delete_dashboard(session: OrgSession, target: _Target) -> PublishEvent:
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
        return _event(session.org, target, Action.FAILED, error=session.explain(error, doing))
    if state is None:
        return _event(session.org, target, Action.DELETED)  # someone deleted it first
    if not state:
        return _event(
            session.org, target, Action.FAILED, error=f"{_describe(target)} {CHANGED_CONCURRENTLY}"
        )
    subject = _describe(target)
    why = _delete_safely(session, lambda: backend.delete(uid), still_there, doing, subject)
    if why is None:
        return _event(session.org, target, Action.DELETED)
    return _event(session.org, target, Action.FAILED, error=why)


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
    attempt = 0
    while True:
        attempt += 1
        try:
            delete()  # False (404) is success too: it is gone
            return None
        except _TRANSIENT as error:
            if attempt >= policy.attempts:
                return session.explain(error, doing)
            time.sleep(policy.backoff(attempt, error))
            try:
                state = still_there()
            except DashgenError as read_error:
                return session.explain(read_error, doing)
            if state is None:
                return None
            if not state:
                return f"{subject} {CHANGED_CONCURRENTLY}"
        except DashgenError as error:
            return session.explain(error, doing)


# -- folders -------------------------------------------------------------------------------


def _folder_writers(
    built: Sequence[BuiltDashboard], targets: Iterable[_Target]
) -> dict[str, set[str]]:
    """Folder uid → the logins that saved this project's deleted dashboards in it (folders
    the build still publishes into, and General, are never candidates)."""
    kept = {b.target_folder_uid for b in built}
    writers: dict[str, set[str]] = {}
    for target in targets:
        folder = target.live.folder_uid
        if folder and folder not in kept:
            names = writers.setdefault(folder, set())
            if target.evidence.writer not in _NOBODY:
                names.add(target.evidence.writer)
    return writers


def _prune_folders(
    session: OrgSession,
    built: Sequence[BuiltDashboard],
    deleted: Sequence[_Target],
    result: PruneResult,
) -> None:
    backend = session.backend
    assert backend is not None
    for uid, writers in sorted(_folder_writers(built, deleted).items()):
        doing = session.doing(f"deleting folder {uid} (emptied by the prune)")
        try:
            info = backend.folder_info(uid)
            if info is None or info.managed or info.created_by not in writers:
                continue  # gone, another tool's, or not created by dashgen
            if not backend.folder_is_empty(uid):
                continue
        except DashgenError as error:
            result.warnings.append(f"{session.explain(error, doing)}; the folder was kept")
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
        action = Action.FOLDER_DELETED if why is None else Action.FAILED
        result.events.append(PublishEvent(session.org, uid, info.title, action, error=why))


def _folders_planned(
    session: OrgSession,
    built: Sequence[BuiltDashboard],
    doomed: Sequence[_Target],
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
        try:
            info = session.backend.folder_info(uid)
        except DashgenError:
            continue
        if info is not None and not info.managed and info.created_by in writers:
            events.append(PublishEvent(session.org, uid, info.title, Action.WOULD_DELETE_FOLDER))
    return events


# -- helpers -------------------------------------------------------------------------------


def _each(session: OrgSession, items: Sequence, work: Callable) -> list:
    if not items:
        return []
    if len(items) == 1:
        return [work(items[0])]
    with ThreadPoolExecutor(max_workers=min(session.read_concurrency, len(items))) as pool:
        return list(pool.map(work, items))


def _event(org: str, target: _Target, action: Action, *, error: str | None = None) -> PublishEvent:
    return PublishEvent(
        org=org,
        uid=target.hit.uid,
        title=target.hit.title,
        action=action,
        version_before=target.live.version,
        error=error,
    )


def _describe(target: _Target) -> str:
    return f"dashboard {target.hit.title!r} (uid {target.hit.uid})"

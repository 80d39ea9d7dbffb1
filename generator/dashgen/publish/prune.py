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
3. Each candidate's history is read (``versions``); one without any dashgen version (nor
   pulled by this project) is left there and then. The others are read (``get``: content,
   version, manager) and their ownership decided (``dashgen.publish.ownership``): only this
   project's dashboards, unchanged since it wrote them, are deleted. Edited ones are
   reported as ``kept`` (exit 1 unless ``--prune-keep-edited``); dashboards of other
   projects, the UI or other tools are never touched; those managed by Git Sync or
   provisioning (``LiveDashboard.manager``) are skipped before their ownership is judged.
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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import DashgenError, PermissionDeniedError
from dashgen.grafana.backend import SearchHit
from dashgen.publish.deletes import (
    Target,
    deleter,
    each,
    event,
    planned_folders,
    prune_folders,
)
from dashgen.publish.events import Action, PublishEvent
from dashgen.publish.lock import LOCK_FOLDER_UID
from dashgen.publish.org_failure import is_org_wide
from dashgen.publish.ownership import Ownership, evidence, history, maybe_ours
from dashgen.publish.prune_options import (  # noqa: F401 (this module's names, as before)
    DEFAULT_PRUNE_MAX,
    DEFAULT_PRUNE_SHARE,
    PruneOptions,
    require_project,
)

if TYPE_CHECKING:
    from dashgen.publish.locked import WriteLock
    from dashgen.publish.session import OrgSession

NAMED_IN_REFUSAL = 5

logger = logging.getLogger(__name__)


@dataclass
class PruneResult:
    events: list[PublishEvent] = field(default_factory=list)
    refusal: str | None = None  # why nothing was pruned in the org (a guard held)
    warnings: list[str] = field(default_factory=list)


def prune(
    session: OrgSession,
    built: Sequence[BuiltDashboard],
    options: PruneOptions,
    *,
    dry_run: bool,
    failed: int = 0,
    lock: WriteLock | None = None,
) -> PruneResult:
    """Prune one org (``built``: its whole build). Never raises for Grafana's answers.

    ``lock``: the batch's publish lock (``dashgen.publish.locked``); deletes are writes, so
    they run under it, taken here when the batch's dashboards did not need it. After
    waiting for another publisher, every candidate is judged again."""
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
    decided = _decide(session, built, result)
    if decided is None:
        return result
    limit = options.limit(len(built), len(decided.doomed))
    within = len(decided.doomed) <= limit or options.yes
    if decided.doomed and within and not dry_run and lock is not None:
        waited, refusal = lock.take()
        if refusal is not None:
            decided.report(session, result)
            result.refusal = f"{refusal}; nothing was pruned"
            return result
        if waited:  # another publisher ran meanwhile: judge again, under the lock
            decided = _decide(session, built, result)
            if decided is None:
                return result
            limit = options.limit(len(built), len(decided.doomed))
            within = len(decided.doomed) <= limit or options.yes
    decided.report(session, result)
    doomed = decided.doomed
    if not within:
        result.refusal = _too_many(org, doomed, limit)
        if not dry_run:
            return result
    if dry_run:
        result.events.extend(event(org, t, Action.WOULD_DELETE) for t in doomed)
        result.events.extend(planned_folders(session, built, doomed, decided.hits))
        return result
    deleted = [e for e in each(session, doomed, deleter(session)) if e is not None]
    result.events.extend(deleted)
    gone = {e.uid for e in deleted if e.action is Action.DELETED}
    emptied = [t for t in doomed if t.hit.uid in gone]
    result.events.extend(prune_folders(session, built, emptied, result.warnings))
    return result


@dataclass
class _Decided:
    hits: list[SearchHit]
    targets: list[Target]
    warnings: list[str]

    @property
    def doomed(self) -> list[Target]:
        return [t for t in self.targets if t.evidence.ownership is Ownership.OURS]

    def report(self, session: OrgSession, result: PruneResult) -> None:
        result.warnings.extend(self.warnings)
        for target in self.targets:
            _report(session, target, result)


# -- deciding ------------------------------------------------------------------------------


def _decide(
    session: OrgSession, built: Sequence[BuiltDashboard], result: PruneResult
) -> _Decided | None:
    """The org's dashboards outside the build, each judged; None (with ``result.refusal``
    unless the org failed as a whole) when they cannot be listed."""
    assert session.backend is not None
    try:
        hits = session.backend.search_dashboards()
    except DashgenError as error:
        doing = session.doing(f"listing the dashboards of org {session.org!r} to prune")
        why = session.explain(error, doing)
        if not is_org_wide(error):  # else the org's failure is said once, for the org
            result.refusal = f"{why}; nothing was pruned"
        return None
    # Never the publish lock (a folder: a search that lists folders would name it).
    wanted = {b.uid for b in built} | {LOCK_FOLDER_UID}
    decided = _Decided(hits, [], [])
    decided.targets = _classify(session, [hit for hit in hits if hit.uid not in wanted], decided)
    return decided


def _classify(
    session: OrgSession, candidates: Sequence[SearchHit], decided: _Decided
) -> list[Target]:
    def judge(hit: SearchHit) -> Target | str | None:
        assert session.backend is not None
        if session.org_failure.sentence is not None:
            return None  # the org failed as a whole: nothing more is sent
        doing = session.doing(f"reading dashboard {hit.title!r} (uid {hit.uid}) to prune")
        try:
            records = history(session, hit.uid)
            if not maybe_ours(session, hit.uid, records):
                return None  # no dashgen version: made in the UI or by another tool
            live = session.backend.get(hit.uid)
            if live is None:
                return None  # deleted meanwhile
            if live.manager is not None:
                logger.debug("%s is managed by %s: not pruned", hit.uid, live.manager.describe())
                return None
            return Target(hit, live, evidence(session, hit.uid, live, records))
        except PermissionDeniedError:
            return None  # dashgen's token could not have written it
        except DashgenError as error:
            why = session.explain(error, doing)
            return None if is_org_wide(error) else f"{why}; not pruned"

    targets: list[Target] = []
    for outcome in each(session, candidates, judge):
        if isinstance(outcome, str):
            decided.warnings.append(outcome)
        elif outcome is not None:
            targets.append(outcome)
    targets.sort(key=lambda t: t.hit.uid)
    return targets


def _report(session: OrgSession, target: Target, result: PruneResult) -> None:
    kind = target.evidence.ownership
    if kind is Ownership.EDITED:
        why = (
            f"source removed, but edited in Grafana since: kept ({target.evidence.why}); delete "
            "it in Grafana or bring its source back"
        )
        kept = event(session.org, target, Action.KEPT, error=why)
        result.events.append(replace(kept, url=session.absolute(target.live.url)))
    elif kind is Ownership.UNNAMED:
        result.warnings.append(
            f"{session.org}/{target.hit.uid} {target.hit.title!r}: not in the build, but "
            f"{target.evidence.why}; not deleted (delete it in Grafana if it is this project's)"
        )


def _too_many(org: str, doomed: Sequence[Target], limit: int) -> str:
    names = ", ".join(t.hit.uid for t in doomed[:NAMED_IN_REFUSAL])
    if len(doomed) > NAMED_IN_REFUSAL:
        names += f" and {len(doomed) - NAMED_IN_REFUSAL} more"
    return (
        f"the prune would delete {len(doomed)} dashboards in org {org!r} ({names}), more than "
        f"--prune-max {limit}; nothing was deleted: check that the build holds every source, "
        "or re-run with --yes"
    )

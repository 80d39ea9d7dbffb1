"""The plans a publish batch makes on its own thread: those that need no request.

A classic batch reads its dashboards ahead (``dashgen.publish.prefetch``): once an answer
is in, deciding that the dashboard is unchanged is CPU only, and doing that on the threads
of a pool costs more than the decision (starting dozens of threads, handing the GIL from
one to the next on every answer). So the batch's thread takes each answer read ahead in
turn and plans here what needs no further request:

- what ``dashboard.plan`` decides before any read (a folder that failed, a dashboard the
  search does not know: a create), or with the read alone (no live dashboard, a failed
  read): ``plan`` itself, handed the answer taken here;
- a live dashboard that holds the build by the cheap ways of ``dashboard.is_built`` (its
  canonical hash is the build's, same folder) and needs no history read to say it is
  dashgen's (saved by dashgen's identity, stamped, or written during this run):
  unchanged, exactly as ``plan`` says it. Once a classic live dashboard held a content,
  the ``compact_hash`` of its text is kept with that content's references
  (``refs_store``): the next live text with that hash is the same text, so it holds the
  build too, found at about half the CPU of the canonical hash.

Everything else (a changed dashboard: the drift guard's history read; one to adopt, a
managed one, one not read ahead) is planned by ``plan`` on the pool as before, with the
answer taken here handed back (``Prefetch.hand_back``): never read twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from dashgen.build.manifest import BuiltDashboard
from dashgen.errors import DashgenError
from dashgen.grafana.backend import LiveDashboard
from dashgen.model.normalize import compact_hash, hash_canonical
from dashgen.publish import refs_store
from dashgen.publish.dashboard import (
    GIT_SYNC,
    dashgens_without_history,
    is_built,
    written_during_run,
)
from dashgen.publish.events import PUBLISHED_CONCURRENTLY, Action, PlannedDashboard
from dashgen.publish.prefetch import NOT_AHEAD

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

Plan = Callable[[BuiltDashboard], PlannedDashboard]


def plan_all(
    session: OrgSession, dashboards: Sequence[BuiltDashboard], plan_one: Plan
) -> list[PlannedDashboard]:
    """``plan_one`` of every dashboard: here those at hand, the others on the pool."""
    plans: list[PlannedDashboard] = []
    later: list[BuiltDashboard] = []
    learned: list[str] = []
    for built in dashboards:
        planned = planned_at_hand(session, built, plan_one, learned)
        if planned is None:
            later.append(built)
        else:
            plans.append(planned)
    if learned:
        refs_store.save_learned(session.config.output_dir)
    plans.extend(session.each(later, plan_one))
    return plans


def planned_at_hand(
    session: OrgSession, built: BuiltDashboard, plan_one: Plan, learned: list[str]
) -> PlannedDashboard | None:
    """``plan_one(built)`` when it needs no request now, else None (the answer read ahead
    for it, when there was one, is kept for it). ``learned``: the content hashes whose
    compact hash this learned."""
    known = session.known_uids
    if (
        session.org_failure.sentence is not None
        or built.target_folder_uid in session.folder_errors
        or (known is not None and built.uid not in known)
    ):
        return plan_one(built)  # decided before any read
    taken: Any
    try:
        taken = session.prefetch.take_ahead(built.uid)
    except DashgenError as error:
        taken = error
    if taken is NOT_AHEAD:
        return None
    if isinstance(taken, LiveDashboard):
        planned = _unchanged(session, built, taken, learned)
        if planned is not None:
            return planned
    session.prefetch.hand_back(built.uid, taken)
    if isinstance(taken, LiveDashboard):
        return None  # a request of its own may follow: on the pool
    return plan_one(built)  # not there (a create) or the read failed: said with no request


def _unchanged(
    session: OrgSession, built: BuiltDashboard, live: LiveDashboard, learned: list[str]
) -> PlannedDashboard | None:
    """``dashboard.plan``'s UNCHANGED for ``live`` when no request is needed to say it."""
    if live.manager is not None and live.manager.kind == GIT_SYNC:
        return None
    if not _holds_build(session, built, live, learned):
        return None
    concurrent = written_during_run(session, live)
    if not concurrent and not dashgens_without_history(session, built, live):
        return None  # whose version it is takes the history read (``dashboard._to_adopt``)
    return PlannedDashboard(
        session.org,
        built,
        Action.UNCHANGED,
        live_version=live.version,
        url=session.absolute(live.url),
        read=True,
        note=PUBLISHED_CONCURRENTLY if concurrent else None,
    )


def _holds_build(
    session: OrgSession, built: BuiltDashboard, live: LiveDashboard, learned: list[str]
) -> bool:
    """Whether ``live`` holds the build by the cheap ways of ``is_built`` (False: the pool's
    plan decides in full): classic, its compact hash when one is known for this content,
    else its canonical hash (True here is True with any ``min_refresh_interval``)."""
    if live.message is not None or live.build_hash is not None:
        return is_built(live, built)  # (/apis: its message and stamps take part)
    if live.folder_uid != built.target_folder_uid:
        return False
    entry = refs_store.stored_entry(session.config.output_dir, built.content_hash)
    if entry is not None and entry.compact is not None:
        return compact_hash(live.dashboard) == entry.compact  # a miss: changed, most likely
    if hash_canonical(live.dashboard) != built.content_hash:
        return False
    if entry is not None:  # what this text is known by from now on
        entry.compact = compact_hash(live.dashboard)
        learned.append(built.content_hash)
    return True

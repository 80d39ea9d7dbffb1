"""The reads a batch makes before planning, sent together instead of one after another.

Once the org is checked, a classic batch needs the server's settings, the org's datasources
(when its dashboards reference some), the search for existing uids, each target folder's
existence, a look at the publish lock and (when some of its dashboards exist: the unchanged
check asks who saves dashgen's versions) the token's login. Each is one round trip the next
did not depend on: they go out at once here, and each consumer takes its answer (or the
error the read raised, handled as before) when it gets to it, or asks itself when nothing
was fetched for it. Only reads are fetched, only after the org passed its checks, and
nothing of a failed org (``OrgSession.org_failure``). A diff (``plan_batch``) starts the
same reads, and reads its dashboards ahead the same way, without the login (it adopts
nothing) or a look at the lock (it takes none).

On /apis the LIST and the look at the lock went out before (``stamped.presurvey``,
``WriteLock.peek_early``); the dashboards the LIST did not prove unchanged still need the
datasources, their folders and, when one of them is to be created, the server's settings:
those go out together the same way (none for an unchanged republish).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from dashgen.grafana.read_ahead import NotReadAhead

if TYPE_CHECKING:
    from dashgen.build.manifest import BuiltDashboard
    from dashgen.publish.session import OrgSession

T = TypeVar("T")
MAX_PARALLEL_READS = 8
NOT_AHEAD = object()  # ``take_ahead``: nothing was read ahead for this uid


class Sent(Protocol):
    """A read sent ahead: its answer (once), or dropped."""

    def take(self) -> Any: ...

    def close(self) -> None: ...


class Prefetch:
    """Answers being fetched, by key; ``take`` hands each out once."""

    def __init__(self) -> None:
        self._futures: dict[Hashable, Future[Any]] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._dashboards_ahead: Any = None  # the backend's read ahead (``read_dashboards``)
        self._handed_back: dict[str, Any] = {}  # uid → a dashboard or error ``take_ahead`` took
        self._sent: dict[Hashable, Sent] = {}

    def read_dashboards(self, backend: Any, uids: Sequence[str]) -> None:
        """Send the reads of ``uids`` together, without a thread each, when the backend can
        (classic: ``ClassicDashboards.read_ahead``); ``dashboard`` takes each."""
        start = getattr(backend, "read_ahead", None)
        ahead = start(uids) if start is not None and uids else None
        with self._lock:
            self._dashboards_ahead = ahead

    def dashboard(self, uid: str, read: Callable[[str], T]) -> T:
        """The dashboard read ahead for ``uid`` (once), else ``read(uid)``."""
        with self._lock:
            taken = self._handed_back.pop(uid, NOT_AHEAD)
        if isinstance(taken, BaseException):
            raise taken
        if taken is not NOT_AHEAD:
            return cast(T, taken)
        ahead = self._dashboards_ahead
        if ahead is not None:
            try:
                live: T = ahead.take(uid)
                return live
            except NotReadAhead:
                pass
        return read(uid)

    def take_ahead(self, uid: str) -> Any:
        """The dashboard read ahead for ``uid`` (once, raising its error), else NOT_AHEAD;
        nothing is asked (``dashboard`` would ask)."""
        ahead = self._dashboards_ahead
        if ahead is None:
            return NOT_AHEAD
        try:
            return ahead.take(uid)
        except NotReadAhead:
            return NOT_AHEAD

    def hand_back(self, uid: str, taken: Any) -> None:
        """What ``take_ahead`` took for ``uid`` (a dashboard, None or the error it raised)
        becomes what ``dashboard`` answers for it, once: it is never asked twice."""
        with self._lock:
            self._handed_back[uid] = taken

    def start(self, key: Hashable, read: Callable[[], Any]) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=MAX_PARALLEL_READS, thread_name_prefix="dashgen-prefetch"
                )
            self._futures[key] = self._pool.submit(read)

    def sent(self, key: Hashable, read: Sent) -> None:
        """A read already sent (read ahead, no thread of its own): ``take`` of ``key``
        takes its answer."""
        with self._lock:
            self._sent[key] = read

    def take(self, key: Hashable, read: Callable[[], T]) -> T:
        """The fetched answer of ``key`` (raising what its read raised), else ``read()``."""
        with self._lock:
            future = self._futures.pop(key, None)
            sent = self._sent.pop(key, None)
        if sent is not None:
            answer: T = sent.take()
            return answer
        if future is None:
            return read()
        result: T = future.result()
        return result

    def close(self) -> None:
        """Drop what nobody took (waiting for reads already sent: they hold the client)."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._futures.clear()
            self._handed_back.clear()
            sent, self._sent = list(self._sent.values()), {}
            ahead, self._dashboards_ahead = self._dashboards_ahead, None
        for read in sent:
            read.close()
        if ahead is not None:
            ahead.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


NOTHING = Prefetch()  # for sessions between batches: every take() reads itself


def start_reads(
    session: OrgSession,
    dashboards: Sequence[BuiltDashboard],
    lock_peek: Callable[[], Any] | None,
    *,
    datasources: bool = False,
    login: bool = True,
) -> Prefetch:
    """Start the reads the datasource check (with ``datasources``), ``session.prepare`` and
    the plan will make for ``dashboards`` (those still to check), and the server's
    settings, and make them the session's ``prefetch``. ``login``: the plan may ask who
    saved an unchanged dashboard (not a diff's: it writes nothing to adopt)."""
    from dashgen.publish.session import SEARCH_MIN_DASHBOARDS  # (tests lower it there)

    prefetch = session.prefetch = Prefetch()
    backend = session.backend
    if backend is None or session.org_failure.sentence is not None:
        return prefetch
    # Under the publish-wide bound on requests in flight, like the dashboards (the login,
    # which dashboards wait for while holding their own slots, goes out as it is).
    run_bounded = session.bounded(lambda read: read())

    def start(key: Hashable, read: Callable[[], Any]) -> None:
        prefetch.start(key, partial(run_bounded, read))

    classic = backend.name == "classic"
    if not classic and not dashboards:
        return prefetch  # /apis: the LIST proved every dashboard unchanged
    if session.needs_server_info():
        if classic:
            start("server", backend.server_info)
        elif _creates(session, dashboards):
            # (taken by a write, which holds its own slot: sent as it is, as the login)
            prefetch.start("server", backend.server_info)
    if datasources:
        start("datasources", backend.datasources)
    if not classic:  # /apis: the LIST and the look at the lock went out already
        _start_folder_reads(session, dashboards, start)
        return prefetch
    if len(dashboards) >= SEARCH_MIN_DASHBOARDS:
        batch = {built.uid for built in dashboards}

        def search() -> set[str]:
            existing = backend.existing_uids()
            if login and existing & batch and session.needs_login():
                # (sent ahead of the dashboards, whose plans wait for it: behind them, it
                # would be answered once the first ~64 of them are)
                ahead = getattr(backend, "login_ahead", None)
                login_read = ahead() if ahead is not None else None
                if login_read is not None:
                    prefetch.sent("login", login_read)
                else:
                    prefetch.start("login", backend.current_login)
            if session.in_flight is None:  # (orgs sharing one bound read under it, each)
                prefetch.read_dashboards(backend, sorted(existing & batch))
            return existing

        start("search", search)
    _start_folder_reads(session, dashboards, start)
    if lock_peek is not None:
        start("lock", lock_peek)
    return prefetch


def _creates(session: OrgSession, dashboards: Sequence[BuiltDashboard]) -> bool:
    """/apis: some dashboard is not in the org's LIST, so a write will need the server's
    settings (an unchanged one, compared only, usually does not: they are not asked)."""
    known = session.known_uids
    return known is not None and any(built.uid not in known for built in dashboards)


def _start_folder_reads(
    session: OrgSession,
    dashboards: Sequence[BuiltDashboard],
    start: Callable[[Hashable, Callable[[], Any]], None],
) -> None:
    from dashgen.publish.lock import LOCK_FOLDER_UID
    from dashgen.publish.nested_folders import nested_uids

    backend = session.backend
    assert backend is not None
    folders = {built.target_folder_uid for built in dashboards} - session.ready_folders
    folders -= nested_uids(session)  # (read with their parents, dashgen.publish.nested_folders)
    for uid in sorted(uid for uid in folders if uid and uid != LOCK_FOLDER_UID):
        start(("folder", uid), partial(backend.folder_exists, uid))

"""Publishing to one organization: its token and client, its folders, each dashboard.

``OrgSession`` is the one per-org publisher: ``publish()`` opens one per org for a call,
``dashgen watch --publish`` keeps one for its whole life. Opened on first use: the org's
own token, ONE pooled client, the backend for it, the ``GET /api/org`` check, and one
read of what the server says about itself (its version, logged, and the
``min_refresh_interval`` every comparison applies: grafana-api.md §14.1). Each
batch first checks the datasources its dashboards reference and binds datasource names to
this org's uids (``dashgen.publish.datasources``: nothing is written for a dashboard that
fails), then ensures only the folders not seen before, searches for the uids that exist
only when the batch is large (a shortcut: new dashboards then cost no read), and runs
the per-dashboard path (``dashgen.publish.dashboard``) concurrently: reads at
``read_concurrency``, writes bounded by ``concurrency``. A failed open (no token, a
broken token store, the wrong org, Grafana unreachable) is reported for that org's batch
and tried again on the next one, as is a token Grafana rejects (401) during a batch.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import partial
from typing import Any

from dashgen.build.manifest import BuiltDashboard
from dashgen.config import Config
from dashgen.errors import AuthenticationError, DashgenError
from dashgen.grafana.classic import ClassicDashboards
from dashgen.grafana.client import Connection, GrafanaClient
from dashgen.messages import Doing, explain, token_hint
from dashgen.model.normalize import DEFAULT_MIN_REFRESH_INTERVAL
from dashgen.publish import dashboard, datasources
from dashgen.publish.events import Action, PlannedDashboard, PublishEvent, PublishReport
from dashgen.publish.provenance import git_short_sha
from dashgen.tokens import resolve_token

DEFAULT_CONCURRENCY = 8
# Reads run wider than writes, but not so wide that threads fight over the GIL: an
# unchanged republish is bound by the CPU spent per GET (decode + hash), not by latency.
READ_CONCURRENCY_FACTOR = 3
MAX_READ_CONCURRENCY = 32
# A batch this large starts with one search for the uids that exist (new dashboards then
# cost no read); a smaller one reads each dashboard directly (the search lists the whole
# org: ~40 ms at 1,000 dashboards, against a few ms per dashboard GET).
SEARCH_MIN_DASHBOARDS = 32

logger = logging.getLogger(__name__)


class _FromProject:
    """``git_sha`` default: ask git about the project (once per session)."""


FROM_PROJECT = _FromProject()


class OrgSession:
    """One org: its token, its pooled client and backend, its folders, each dashboard.

    Batches run one at a time; ``close()`` (or leaving the ``with`` block, or the session
    being collected) closes the client.
    """

    def __init__(
        self,
        config: Config,
        org: str,
        *,
        connection: Connection,
        force: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        read_concurrency: int | None = None,
        git_sha: str | _FromProject | None = FROM_PROJECT,
        allow_missing_datasources: bool = False,
    ) -> None:
        self.config = config
        self.org = org
        self.connection = connection
        self.force = force
        self.allow_missing_datasources = allow_missing_datasources
        self.warnings: list[str] = []  # the last batch's (missing datasources let through ...)
        self._git_sha = git_sha
        writes = max(1, concurrency)
        self.read_concurrency = max(
            writes, read_concurrency or min(READ_CONCURRENCY_FACTOR * writes, MAX_READ_CONCURRENCY)
        )
        self.write_slots = threading.BoundedSemaphore(writes)
        self.backend: ClassicDashboards | None = None
        self.token_origin: str | None = None
        self.server_version: str | None = None  # e.g. "12.0.0"; None until open, or unknown
        # What Grafana stores instead of a shorter refresh; read from the server on open.
        self.min_refresh_interval = DEFAULT_MIN_REFRESH_INTERVAL
        self.known_uids: set[str] | None = None  # None: unknown, read every dashboard
        self.folder_errors: dict[str | None, str] = {}
        self.ready_folders: set[str] = set()  # folder uids known to exist in Grafana
        # Grafana answered 401 during a batch (token revoked or expired): the session
        # closes so that the next batch resolves the token and checks it again.
        self.token_rejected = False
        self._lock = threading.Lock()
        # Safety net for callers that never close: the client's connections go with us.
        self._open_clients: list[GrafanaClient] = []
        weakref.finalize(self, _close_all, self._open_clients)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.backend is not None

    @property
    def git_sha(self) -> str | None:
        if isinstance(self._git_sha, _FromProject):
            self._git_sha = git_short_sha(self.config.root)
        return self._git_sha

    def open(self) -> str | None:
        """Token, client, org check (once). None when ready, else the sentence saying why
        not; after a failure the session stays closed and ``open()`` may be called again."""
        if self.backend is not None:
            return None
        self.token_rejected = False
        what = f"checking the token of org {self.org!r}"
        try:
            token = resolve_token(self.org, self.connection.url)
        except DashgenError as error:  # a broken store or an expired stored token: this org only
            return f"{what}: {error.message}"
        if token is None:
            return f"no token for org {self.org!r}: {token_hint(self.org)}"
        self.token_origin = token.origin
        doing = self.doing(what)
        client = self.connection.token_client(token.secret, max_connections=self.read_concurrency)
        self._open_clients.append(client)
        self.backend = ClassicDashboards(client)
        try:
            actual = self.backend.current_org().name
        except DashgenError as error:
            self._close_backend()
            return explain(error, doing)
        if actual != self.org:
            self._close_backend()
            return (
                f"the token from {token.origin} belongs to org {actual!r}, not {self.org!r}; "
                f"nothing was sent to {self.org!r}: {token_hint(self.org)}"
            )
        self._learn_server()
        return None

    def _learn_server(self) -> None:
        """The server's version and ``min_refresh_interval`` (one request, never fails)."""
        assert self.backend is not None
        info = self.backend.server_info()
        self.server_version = info.version
        if info.min_refresh_interval is not None:
            self.min_refresh_interval = info.min_refresh_interval
        else:
            logger.warning(
                "Grafana at %s does not say its min_refresh_interval; assuming Grafana's "
                "default %s (a dashboard refreshing more often is stored with that refresh)",
                self.backend.display_url,
                DEFAULT_MIN_REFRESH_INTERVAL,
            )

    def close(self) -> None:
        with self._lock:
            self._close_backend()

    def _close_backend(self) -> None:
        self.backend = None
        _close_all(self._open_clients)

    def __enter__(self) -> OrgSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- batches -----------------------------------------------------------------------------

    def publish(
        self,
        dashboards: Sequence[BuiltDashboard],
        *,
        on_event: Callable[[PublishEvent], None] | None = None,
        dry_run: bool = False,
    ) -> PublishReport:
        """Publish ``dashboards`` (this org's); per-dashboard problems never raise."""
        started = time.monotonic()
        report = PublishReport()
        selected = sorted_by_uid(d for d in dashboards if d.org == self.org)

        def record(event: PublishEvent) -> None:
            report.events.append(event)
            if on_event is not None:
                on_event(event)

        with self._lock:
            error = self.open()
            if error is not None:
                report.org_errors[self.org] = error
                for built in selected:
                    record(PublishEvent.failed(self.org, built, error))
            elif selected:
                ready = self._check_datasources(selected)
                report.warnings.extend(self.warnings)
                for built, why in ready.refused:
                    record(PublishEvent.failed(self.org, built, why))
                self._prepare(ready.ready, create_folders=not dry_run)
                work = dashboard.plan if dry_run else dashboard.publish_one
                for outcome in self._each(ready.ready, partial(work, self)):
                    record(outcome.event() if isinstance(outcome, PlannedDashboard) else outcome)
                if self.token_rejected:
                    self._close_backend()  # the next batch reads the token and checks again
        report.events.sort(key=lambda event: (event.org, event.uid))
        report.duration_s = time.monotonic() - started
        return report

    def plan(
        self, dashboards: Sequence[BuiltDashboard], *, with_documents: bool = False
    ) -> tuple[list[PlannedDashboard], str | None]:
        """What ``publish`` would do (never a write), and the org's error if it failed."""
        selected = sorted_by_uid(d for d in dashboards if d.org == self.org)
        with self._lock:
            error = self.open()
            if error is not None:
                return [], error
            if not selected:
                return [], None
            ready = self._check_datasources(selected)
            items = [
                PlannedDashboard(self.org, built, Action.FAILED, error=why)
                for built, why in ready.refused
            ]
            self._prepare(ready.ready, create_folders=False)
            work = partial(dashboard.plan, self, with_documents=with_documents)
            items.extend(self._each(ready.ready, work))
        items.sort(key=lambda item: item.built.uid)
        return items, None

    def _check_datasources(self, dashboards: Sequence[BuiltDashboard]) -> datasources.CheckedBatch:
        """Before anything is written: datasources bound and checked (``self.warnings``)."""
        checked = datasources.check_batch(
            self, dashboards, allow_missing=self.allow_missing_datasources
        )
        self.warnings = checked.warnings
        return checked

    def _prepare(self, dashboards: Sequence[BuiltDashboard], *, create_folders: bool) -> None:
        """Before a batch: ensure the folders not seen yet; search only for a large batch."""
        self._ensure_folders(dashboards, create=create_folders)
        self.known_uids = None
        if len(dashboards) >= SEARCH_MIN_DASHBOARDS:
            assert self.backend is not None
            try:
                self.known_uids = self.backend.existing_uids()
            except DashgenError:
                self.known_uids = None  # only a shortcut: read every dashboard instead

    def _ensure_folders(self, dashboards: Sequence[BuiltDashboard], *, create: bool) -> None:
        assert self.backend is not None
        # General (None) always exists.
        folders = {
            uid: built.folder
            for built in dashboards
            if (uid := built.target_folder_uid) and uid not in self.ready_folders
        }
        for uid, title in sorted(folders.items()):
            self.folder_errors.pop(uid, None)
            doing = self.doing(f"ensuring folder {title!r} (uid {uid})")
            try:
                if self.backend.get_folder(uid) is not None:
                    self.ready_folders.add(uid)
                elif create:
                    self.backend.create_folder(uid, title or uid)
                    self.ready_folders.add(uid)
            except DashgenError as error:
                self.folder_errors[uid] = self.explain(error, doing)

    def _each(
        self, dashboards: Sequence[BuiltDashboard], work: Callable[[BuiltDashboard], Any]
    ) -> Iterable[Any]:
        """Run ``work`` for every dashboard concurrently; yield results as they finish."""
        if not dashboards:
            return
        if len(dashboards) == 1:  # no thread hop for the common watch case
            yield work(dashboards[0])
            return
        pool = ThreadPoolExecutor(max_workers=min(self.read_concurrency, len(dashboards)))
        try:
            futures = [pool.submit(work, built) for built in dashboards]
            for future in as_completed(futures):
                yield future.result()
        finally:
            # On Ctrl-C (or a bug) do not start the dashboards still queued.
            pool.shutdown(wait=True, cancel_futures=True)

    # -- for the per-dashboard path ------------------------------------------------------------

    def explain(self, error: DashgenError, doing: Doing) -> str:
        if isinstance(error, AuthenticationError):
            self.token_rejected = True
        return explain(error, doing)

    def doing(self, what: str, built: BuiltDashboard | None = None) -> Doing:
        return Doing(
            org=self.org,
            what=what,
            token_origin=self.token_origin,
            source=str(built.source) if built is not None else None,
        )

    def absolute(self, url: str | None) -> str | None:
        """A Grafana URL as a person can open it (Grafana often answers relative ones)."""
        if not url or "://" in url or self.backend is None:
            return url
        return f"{self.backend.display_url}{url}"


def sorted_by_uid(dashboards: Iterable[BuiltDashboard]) -> list[BuiltDashboard]:
    return sorted(dashboards, key=lambda built: built.uid)


def _close_all(clients: list[GrafanaClient]) -> None:
    while clients:
        clients.pop().close()

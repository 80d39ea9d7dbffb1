"""Publishing to one organization: its token and client, its folders, each dashboard.

``OrgSession`` is the one per-org publisher: ``publish()`` opens one per org for a call,
``dashgen watch --publish`` keeps one for its whole life. Opened on first use: the org's
own token, ONE pooled client, the backend for it, the ``GET /api/org`` check, and one
read of what the server says about itself (its version, logged, and the
``min_refresh_interval`` every comparison applies: grafana-api.md §14.1). Each batch
(``dashgen.publish.batch``) first checks the datasources its dashboards reference and binds
datasource names to this org's uids (``dashgen.publish.datasources``: nothing is written
for a dashboard that fails), then ensures only the folders not seen before, searches for
the uids that exist only when the batch is large (a shortcut: new dashboards then cost no
read), and runs the per-dashboard path (``dashgen.publish.dashboard``) concurrently: reads
at ``read_concurrency``, writes bounded by ``concurrency``; with ``lock`` it plans first and
takes the org's publish lock only when something needs writing (``dashgen.publish.locked``);
with ``prune`` it then deletes what this project owns and no longer builds
(``dashgen.publish.prune``). A failed open (no token, a broken token store, the wrong org,
Grafana unreachable) is reported for that org's batch and tried again on the next one, as
is a token Grafana rejects (401) during a batch.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

from dashgen.build.manifest import BuiltDashboard
from dashgen.config import Config
from dashgen.errors import (
    AuthenticationError,
    DashgenError,
    DeadlineError,
)
from dashgen.grafana.backend import DashboardBackend
from dashgen.grafana.classic import ClassicDashboards
from dashgen.grafana.client import Connection, GrafanaClient
from dashgen.grafana.discovery import ApiUnavailableError, api_choice, choose_backend
from dashgen.messages import Doing, explain, token_hint
from dashgen.publish.batch import plan_batch, publish_batch
from dashgen.publish.bounds import (
    DEFAULT_CONCURRENCY,
    SEARCH_MIN_DASHBOARDS,
    InFlight,
    read_width,
)
from dashgen.publish.events import PlanReport, PublishEvent, PublishReport
from dashgen.publish.lock import LOCK_FOLDER_UID, RESERVED_FOLDER
from dashgen.publish.nested_folders import ensure_nested, folder_failed
from dashgen.publish.org_failure import OrgFailure
from dashgen.publish.prefetch import NOTHING
from dashgen.publish.provenance import FROM_PROJECT, FromProject, SharedSha, git_short_sha
from dashgen.publish.prune_options import PruneOptions
from dashgen.publish.server_facts import ServerFacts
from dashgen.tokens import resolve_token

T = TypeVar("T")

R = TypeVar("R")

logger = logging.getLogger(__name__)


class OrgSession(ServerFacts):
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
        git_sha: str | FromProject | None = FROM_PROJECT,
        lock: bool = False,
        allow_missing_datasources: bool = False,
        in_flight: InFlight | None = None,
        skip_managed: bool = False,
    ) -> None:
        self.config = config
        # Shared by the orgs of one publish that run at the same time: one bound on the
        # dashboards being read or written at once, whichever org they belong to.
        self.in_flight = in_flight
        # a dashboard Git Sync manages is skipped either way; this says that is expected
        self.skip_managed = skip_managed
        self.use_lock = lock  # take the org's publish lock before writing (dashgen.publish.lock)
        self.org = org
        self.connection = connection
        self.force = force
        # write dashboards whose datasources the org lacks (a warning instead of a refusal)
        self.allow_missing_datasources = allow_missing_datasources
        self._git_sha = git_sha
        self.read_concurrency = read_width(concurrency, read_concurrency)
        self.write_slots = threading.BoundedSemaphore(max(1, concurrency))
        self.backend: DashboardBackend | None = None
        # Which API the backend speaks and why (--verbose, --output json); None until open.
        self.api_description: str | None = None
        self.api_name: str | None = None  # the backend chosen first: kept for the whole run
        self.token_origin: str | None = None
        self._server_version: str | None = None
        self._learning = threading.Lock()
        # What Grafana stores instead of a shorter refresh: read from the server with a
        # classic batch's first reads, or when first needed (/apis: an unchanged republish
        # never needs it).
        self._min_refresh_interval: str | None = None
        self.known_uids: set[str] | None = None  # None: unknown, read every dashboard
        self.folder_errors: dict[str | None, str] = {}
        self.ready_folders: set[str] = set()  # folder uids known to exist in Grafana
        self.folder_warnings: list[str] = []  # (nested_folders: one left where it is)
        # Grafana answered 401 during a batch (token revoked or expired): the session
        # closes so that the next batch resolves the token and checks it again.
        self.token_rejected = False
        # exit code of the last failed open(): 2 when the org's configuration is at fault
        self.open_exit_code = 1
        # Set during a batch when the whole org fails (dashgen.publish.org_failure): the
        # dashboards not started yet are not sent, and the failure is said once.
        self.org_failure = OrgFailure()
        # Set after waiting for another publisher's lock: when it took the lock (Grafana's
        # clock). Dashboards saved since then are that publisher's: never overwritten.
        self.concurrent_since: str | None = None
        # Who Grafana shows as the saver of dashgen's versions (learnt from their history):
        # an unchanged dashboard last saved by one of them needs no history read.
        self.dashgen_identities: set[str] = set()
        self._own_login: str | None = None
        self.prefetch = NOTHING  # the reads of the batch under way (dashgen.publish.prefetch)
        self._identity_lock = threading.Lock()
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
        if isinstance(self._git_sha, SharedSha):
            return self._git_sha.value()
        if isinstance(self._git_sha, FromProject):
            self._git_sha = git_short_sha(self.config.root)
        return self._git_sha

    def open(self) -> str | None:
        """Token, client, org check (once). None when ready, else the sentence saying why
        not; after a failure the session stays closed and ``open()`` may be called again."""
        if self.backend is not None:
            return None
        self.token_rejected = False
        self.open_exit_code = 1
        what = f"checking the token of org {self.org!r}"
        try:
            token = resolve_token(self.org, self.connection.url)
        except DashgenError as error:  # a broken store, a bad or expired token: this org only
            self.open_exit_code = error.exit_code
            return error.message  # names the org and where the token came from
        if token is None:
            return f"no token for org {self.org!r}: {token_hint(self.org)}"
        self.token_origin = token.origin
        doing = self.doing(what)
        client = self.connection.token_client(token.secret, max_connections=self.read_concurrency)
        self._open_clients.append(client)
        classic = ClassicDashboards(client)
        self.backend = classic
        try:
            actual = classic.current_org()
        except DashgenError as error:
            self._close_backend()
            return explain(error, doing)
        if actual.name != self.org:
            self._close_backend()
            return (
                f"the token from {token.origin} belongs to org {actual.name!r}, not "
                f"{self.org!r}; nothing was sent to {self.org!r}: {token_hint(self.org)}"
            )
        choice = self.connection.api or api_choice(None, os.environ, self.config)
        try:
            chosen = choose_backend(client, actual.id, choice, self.org)
        except DashgenError as error:
            self._close_backend()
            if isinstance(error, ApiUnavailableError):
                self.open_exit_code = 2
            return explain(error, self.doing(f"choosing the dashboard API of org {self.org!r}"))
        if (switched := chosen.switch_from(self.api_name, self.org)) is not None:
            self._close_backend()
            return switched
        self.backend, self.api_name = chosen.backend, chosen.backend.name
        self.api_description = chosen.describe()
        logger.info("org %s: dashboards through %s", self.org, self.api_description)
        self._min_refresh_interval = None
        return None

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
        prune: PruneOptions | None = None,
    ) -> PublishReport:
        """Publish ``dashboards`` (this org's), then prune with ``prune``
        (``dashgen.publish.batch``); per-dashboard problems never raise."""
        selected = sorted_by_uid(d for d in dashboards if d.org == self.org)
        with self._lock:
            report = publish_batch(
                self, selected, on_event=on_event, dry_run=dry_run, pruning=prune
            )
            if self.token_rejected:
                self._close_backend()  # the next batch reads the token and checks again
        return report

    def learn_identity(self, login: str) -> None:
        if login:
            self.dashgen_identities.add(login)

    def saved_by_dashgen(self, login: str) -> bool:
        """Whether versions saved by ``login`` are dashgen's: this token's own identity
        (asked once), or one whose dashgen versions were seen in this session."""
        if not login:
            return False
        if login in self.dashgen_identities:
            return True
        with self._identity_lock:
            if self._own_login is None and self.backend is not None:
                own = self.prefetch.take("login", self.backend.current_login)
                self._own_login = own or ""
                self.learn_identity(self._own_login)
        return login in self.dashgen_identities

    def needs_login(self) -> bool:
        return self._own_login is None

    def plan(
        self,
        dashboards: Sequence[BuiltDashboard],
        *,
        with_documents: bool = False,
        prune: PruneOptions | None = None,
    ) -> PlanReport:
        """What ``publish`` would do (never a write), and with ``prune`` what it would
        delete; a failed org's dashboards are FAILED items carrying its sentence."""
        selected = sorted_by_uid(d for d in dashboards if d.org == self.org)
        with self._lock:
            return plan_batch(self, selected, with_documents=with_documents, pruning=prune)

    def prepare(
        self, dashboards: Sequence[BuiltDashboard], *, create_folders: bool, listed: bool = False
    ) -> None:
        """Search a large batch (/apis: a LIST of every object) unless ``listed``; folders;
        classic: the server's settings."""
        assert self.backend is not None
        if self.backend.name == "classic" and self._min_refresh_interval is None:
            self._learn_server()
        if not listed:
            self.backend.forget()
            try:
                search, big = self.backend.existing_uids, len(dashboards) >= SEARCH_MIN_DASHBOARDS
                self.known_uids = self.prefetch.take("search", search) if big else None
            except DashgenError:
                self.known_uids = None  # only a shortcut: read every dashboard instead
        self._ensure_folders(dashboards, create=create_folders)

    def _ensure_folders(self, dashboards: Sequence[BuiltDashboard], *, create: bool) -> None:
        assert self.backend is not None
        # General (None) always exists.
        folders = {
            uid: built.folder
            for built in dashboards
            if (uid := built.target_folder_uid) and uid not in self.ready_folders
        }
        folders = ensure_nested(self, folders, create=create)  # (parents first)
        for uid, title in sorted(folders.items()):
            self.folder_errors.pop(uid, None)
            if uid == LOCK_FOLDER_UID:
                self.folder_errors[uid] = RESERVED_FOLDER
                continue
            doing, creating = self.doing(f"ensuring folder {title!r} (uid {uid})"), False
            try:
                if self.prefetch.take(("folder", uid), partial(self.backend.folder_exists, uid)):
                    self.ready_folders.add(uid)
                elif creating := create:  # (only a create sent may have made it)
                    self.backend.create_folder(uid, title or uid)
                    self.ready_folders.add(uid)
            except DashgenError as error:
                folder_failed(self, uid, self.explain(error, doing), error, creating=creating)

    def each(self, items: Sequence[T], work: Callable[[T], R]) -> Iterable[R]:
        """Run ``work`` for every item concurrently; yield results as they finish."""
        work = self.bounded(work)
        if len(items) <= 1:  # no thread hop for the common watch case
            yield from (work(item) for item in items)
            return
        pool = ThreadPoolExecutor(max_workers=min(self.read_concurrency, len(items)))
        try:
            futures = [pool.submit(work, item) for item in items]
            for future in as_completed(futures):
                yield future.result()
        finally:
            # On Ctrl-C (or a bug) do not start the dashboards still queued.
            pool.shutdown(wait=True, cancel_futures=True)

    def bounded(self, work: Callable[[T], R]) -> Callable[[T], R]:
        """``work`` under the publish-wide bound on dashboards in flight (when orgs share one)."""
        in_flight = self.in_flight
        if in_flight is None:
            return work

        def bounded_work(item: T) -> R:
            with in_flight.slots:
                if in_flight.stopped.is_set():  # the publish was interrupted: start no more
                    raise KeyboardInterrupt
                return work(item)

        return bounded_work

    # -- for the per-dashboard path ------------------------------------------------------------

    def explain(self, error: DashgenError, doing: Doing) -> str:
        if isinstance(error, AuthenticationError):
            self.token_rejected = True
        sentence = explain(error, doing)
        deadline = self.connection.deadline
        publishing = deadline is not None and deadline.command == "publish"
        if isinstance(error, DeadlineError) and error.sent and publishing:
            sentence = f"not sent: {sentence}"  # (a read or folder the dashboard waited for)
        org_doing = self.doing(f"publishing to org {self.org!r}")
        self.org_failure.note(error, sentence, lambda: explain(error, org_doing))
        return sentence

    def refusal(self, error: DashgenError, doing: Doing) -> str:
        """Why Grafana's dry run refuses a write; the deadline is not a refusal."""
        why = self.explain(error, doing)
        return why if isinstance(error, DeadlineError) else f"would be refused: {why}"

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
        base = self.backend.display_url
        # Grafana under a sub-path puts it in front of the URLs it answers (AppSubURL):
        # join those with the origin, not with the base, or the path would be doubled.
        sub_path = urlsplit(base).path
        if sub_path and (url == sub_path or url.startswith(f"{sub_path}/")):
            return f"{base[: len(base) - len(sub_path)]}{url}"
        return f"{base}{url}"


def sorted_by_uid(dashboards: Iterable[BuiltDashboard]) -> list[BuiltDashboard]:
    return sorted(dashboards, key=lambda built: built.uid)


def _close_all(clients: list[GrafanaClient]) -> None:
    while clients:
        clients.pop().close()

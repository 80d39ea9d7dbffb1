"""Publishing to one organization: its token and client, its folders, each dashboard.

The rules (drift guard, safe retries, concurrency) are described in ``dashgen.publish``.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any

from dashgen.build import BuiltDashboard
from dashgen.errors import (
    AuthenticationError,
    ConflictError,
    DashgenError,
    GrafanaConnectionError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
)
from dashgen.events import Action, PublishEvent
from dashgen.grafana import dashboards as api
from dashgen.grafana.client import GrafanaClient, RetryPolicy
from dashgen.messages import CHANGED_CONCURRENTLY, Doing, explain, token_hint
from dashgen.normalize import GRAFANA_OWNED_FIELDS, comparable, content_hash, dumps
from dashgen.provenance import hash_in_message, version_message, wrote
from dashgen.tokens import resolve_token

DEFAULT_RETRY = RetryPolicy()
# Reads run wider than writes, but not so wide that threads fight over the GIL: an
# unchanged republish is bound by the CPU spent per GET (decode + hash), not by latency.
READ_CONCURRENCY_FACTOR = 3
MAX_READ_CONCURRENCY = 32
FOLDER_UID_MAX = 40
# A batch this large starts with one search for the uids that exist (new dashboards then
# cost no read); a smaller one reads each dashboard directly (the search lists the whole
# org: ~40 ms at 1,000 dashboards, against a few ms per dashboard GET).
SEARCH_MIN_DASHBOARDS = 32
_TRANSIENT = (GrafanaConnectionError, ServerError, RateLimitedError)
# 412/409 statuses that mean something other than "the version moved".
_NOT_A_VERSION_CONFLICT = frozenset({"name-exists", "plugin-dashboard"})


@dataclass(frozen=True)
class Connection:
    """How to reach Grafana. ``transport`` is the test seam (an httpx transport)."""

    url: str
    verify: bool | str = True
    allow_insecure_http: bool = False
    retry: RetryPolicy = DEFAULT_RETRY
    timeout_s: float = 30.0
    transport: Any = None


@dataclass(frozen=True)
class PlannedDashboard:
    """What publish would do with one dashboard, with both sides for diffing."""

    org: str
    built: BuiltDashboard
    action: Action  # WOULD_CREATE, WOULD_UPDATE, UNCHANGED, DRIFTED or FAILED
    # comparable(build) and comparable(live): only kept for diffing (``with_documents``)
    desired: dict[str, Any] | None = field(default=None, repr=False)
    live: dict[str, Any] | None = field(default=None, repr=False)
    live_version: int | None = None
    url: str | None = None
    error: str | None = None

    def event(self) -> PublishEvent:
        return PublishEvent(
            org=self.org,
            uid=self.built.uid,
            title=self.built.title,
            action=self.action,
            version_before=self.live_version,
            url=self.url,
            error=self.error,
            source=str(self.built.source),
        )


def _describe(built: BuiltDashboard) -> str:
    return f"dashboard {built.title!r} (uid {built.uid})"


class OrgRun:
    """One org: its token, its pooled client, its folders, and the per-dashboard work.

    Long-lived: ``open()`` once (token, client, org check), then any number of batches,
    each ``prepare(dashboards)`` (folders not seen yet, the search when the batch is large)
    followed by ``each(dashboards, work)``. Batches must not overlap in time.
    """

    def __init__(
        self,
        org: str,
        connection: Connection,
        *,
        concurrency: int,
        read_concurrency: int | None = None,
        force: bool = False,
        git_sha: str | None = None,
    ) -> None:
        self.org = org
        self.connection = connection
        self.force = force
        self.git_sha = git_sha
        writes = max(1, concurrency)
        self.read_concurrency = max(
            writes, read_concurrency or min(READ_CONCURRENCY_FACTOR * writes, MAX_READ_CONCURRENCY)
        )
        self.write_slots = threading.BoundedSemaphore(writes)
        self.client: GrafanaClient | None = None
        self.token_origin: str | None = None
        self.known_uids: set[str] | None = None  # None: unknown, read every dashboard
        self.folder_errors: dict[str | None, str] = {}
        self.ready_folders: set[str] = set()  # folder uids known to exist in Grafana
        # Grafana answered 401 during a batch (token revoked or expired): the session
        # closes the run so that the next batch resolves the token and checks it again.
        self.token_rejected = False

    # -- setup ---------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.client is not None

    def open(self) -> str | None:
        """Token, client, org check (once). Returns a sentence when the org fails.

        After a failure the run stays closed and ``open()`` may be called again.
        """
        if self.client is not None:
            return None
        self.token_rejected = False
        token = resolve_token(self.org, self.connection.url)
        if token is None:
            return f"no token for org {self.org!r}: {token_hint(self.org)}"
        self.token_origin = token.origin
        self.client = GrafanaClient(
            self.connection.url,
            token=token.secret,
            transport=self.connection.transport,
            verify=self.connection.verify,
            timeout_s=self.connection.timeout_s,
            retry=self.connection.retry,
            max_connections=self.read_concurrency,
            allow_insecure_http=self.connection.allow_insecure_http,
        )
        doing = self._doing(f"checking the token of org {self.org!r}")
        try:
            actual = str(api.current_org(self.client).get("name") or "")
        except DashgenError as error:
            self.close()
            return explain(error, doing)
        if actual != self.org:
            self.close()
            return (
                f"the token from {token.origin} belongs to org {actual!r}, not {self.org!r}; "
                f"nothing was sent to {self.org!r}: {token_hint(self.org)}"
            )
        return None

    def prepare(self, dashboards: Sequence[BuiltDashboard], *, create_folders: bool = True) -> None:
        """Before a batch: ensure the folders not seen yet; search only for a large batch."""
        self._ensure_folders(dashboards, create=create_folders)
        self.known_uids = None
        if len(dashboards) >= SEARCH_MIN_DASHBOARDS:
            self._learn_existing_uids()

    def _ensure_folders(self, dashboards: Sequence[BuiltDashboard], *, create: bool) -> None:
        assert self.client is not None
        # General (None) always exists.
        folders = {
            uid: built.folder
            for built in dashboards
            if (uid := folder_uid(built)) and uid not in self.ready_folders
        }
        for uid, title in sorted(folders.items(), key=lambda item: str(item[0])):
            self.folder_errors.pop(uid, None)
            doing = self._doing(f"ensuring folder {title!r} (uid {uid})")
            try:
                if api.get_folder(self.client, uid) is not None:
                    self.ready_folders.add(uid)
                elif create:
                    self._create_folder(uid, title or uid)
                    self.ready_folders.add(uid)
            except DashgenError as error:
                self.folder_errors[uid] = self._explain(error, doing)

    def _create_folder(self, uid: str, title: str) -> None:
        assert self.client is not None
        try:
            api.create_folder(self.client, uid, title)
        except ConflictError:
            # A retried create whose first answer was lost, or a concurrent run: fine if
            # the folder is there now; otherwise (e.g. same title in General) report it.
            if api.get_folder(self.client, uid) is None:
                raise

    def _learn_existing_uids(self) -> None:
        assert self.client is not None
        try:
            self.known_uids = api.search_dashboard_uids(self.client)
        except DashgenError:
            self.known_uids = None  # search is only a shortcut: read every dashboard instead

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            client.close()

    def __enter__(self) -> OrgRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def each(
        self, dashboards: Sequence[BuiltDashboard], work: Callable[[BuiltDashboard], Any]
    ) -> Iterable[Any]:
        """Run ``work`` for every dashboard concurrently; yield results as they finish."""
        if len(dashboards) == 1:  # no thread hop for the common watch case
            yield work(dashboards[0])
            return
        pool = ThreadPoolExecutor(max_workers=min(self.read_concurrency, len(dashboards) or 1))
        try:
            futures = [pool.submit(work, built) for built in dashboards]
            for future in as_completed(futures):
                yield future.result()
        finally:
            # On Ctrl-C (or a bug) do not start the dashboards still queued.
            pool.shutdown(wait=True, cancel_futures=True)

    def _explain(self, error: DashgenError, doing: Doing) -> str:
        if isinstance(error, AuthenticationError):
            self.token_rejected = True
        return explain(error, doing)

    def _doing(self, what: str, built: BuiltDashboard | None = None) -> Doing:
        return Doing(
            org=self.org,
            what=what,
            token_origin=self.token_origin,
            source=str(built.source) if built is not None else None,
        )

    # -- plan ----------------------------------------------------------------------------

    def plan(
        self, built: BuiltDashboard, *, trust_search: bool = True, with_documents: bool = False
    ) -> PlannedDashboard:
        """Decide what to do with one dashboard: a read or two, never a write."""
        assert self.client is not None
        desired = comparable(built.load()) if with_documents else None
        base = PlannedDashboard(self.org, built, Action.WOULD_CREATE, desired)
        if folder_uid(built) in self.folder_errors:
            return replace(base, action=Action.FAILED, error=self.folder_errors[folder_uid(built)])
        if trust_search and self.known_uids is not None and built.uid not in self.known_uids:
            return base
        doing = self._doing(f"reading {_describe(built)}", built)
        try:
            live = api.get_dashboard(self.client, built.uid)
            if live is None:
                return base
            planned = replace(
                base,
                live=comparable(live.dashboard) if with_documents else None,
                live_version=live.version,
                url=self._absolute(live.url),
            )
            if _is_built(live, built):
                return replace(planned, action=Action.UNCHANGED)
            drift = None if self.force else self._drift(built, live)
        except DashgenError as error:
            return replace(base, action=Action.FAILED, error=self._explain(error, doing))
        if drift is not None:
            return replace(planned, action=Action.DRIFTED, error=drift)
        return replace(planned, action=Action.WOULD_UPDATE)

    def _drift(self, built: BuiltDashboard, live: api.LiveDashboard) -> str | None:
        """None when the live dashboard is what dashgen last wrote, else why it is not."""
        assert self.client is not None
        # A 403 here means the token cannot save either: let it fail with that sentence.
        record = api.version_record(self.client, built.uid, live.version)
        if record is not None and wrote(record.message, content_hash(live.dashboard)):
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
            f"{_describe(built)} {why}; not overwritten: bring the change into the source, "
            "or re-run with --force to replace it"
        )

    # -- apply ---------------------------------------------------------------------------

    def publish_one(self, built: BuiltDashboard) -> PublishEvent:
        planned = self.plan(built)
        if planned.action not in (Action.WOULD_CREATE, Action.WOULD_UPDATE):
            return planned.event()
        with self.write_slots:
            return self._write(planned)

    def _write(self, planned: PlannedDashboard) -> PublishEvent:
        assert self.client is not None
        built = planned.built
        document = built.load()
        desired_hash = built.content_hash
        message = version_message(desired_hash, self.git_sha)
        doing = self._doing(f"saving {_describe(built)}", built)
        policy = self.connection.retry
        base_version = planned.live_version
        replanned = False
        attempt = 0
        while True:
            attempt += 1
            try:
                saved = api.save_dashboard(
                    self.client,
                    _save_model(document, built.uid, base_version),
                    folder_uid=folder_uid(built),
                    message=message,
                    overwrite=self.force,
                )
                action = Action.CREATED if base_version is None else Action.UPDATED
                return self._done(planned, action, saved.version, saved.url)
            except (PreconditionFailedError, ConflictError) as error:
                if error.status_text in _NOT_A_VERSION_CONFLICT:
                    return self._fail(planned, self._explain(error, doing))
                if base_version is None and not replanned:
                    # The uid exists after all (search lags behind writes): decide again.
                    replanned = True
                    planned = self.plan(built, trust_search=False)
                    if planned.action not in (Action.WOULD_CREATE, Action.WOULD_UPDATE):
                        return planned.event()
                    base_version = planned.live_version
                    continue
                return self._fail(planned, f"{_describe(built)} {CHANGED_CONCURRENTLY}")
            except _TRANSIENT as error:
                if attempt >= policy.attempts:
                    return self._fail(planned, self._explain(error, doing))
                time.sleep(_backoff(policy, attempt, error))
                try:
                    outcome = self._after_lost_answer(planned, desired_hash, base_version)
                except DashgenError as read_error:
                    return self._fail(planned, self._explain(read_error, doing))
                if isinstance(outcome, PublishEvent):
                    return outcome
                base_version = outcome
            except DashgenError as error:
                # e.g. the folder was deleted in Grafana since it was ensured: check it again
                # before the next batch.
                self.ready_folders.discard(folder_uid(built) or "")
                return self._fail(planned, self._explain(error, doing))

    def _after_lost_answer(
        self, planned: PlannedDashboard, desired_hash: str, base_version: int | None
    ) -> PublishEvent | int | None:
        """Read again after a failed POST: an event if settled, else the version to send."""
        assert self.client is not None
        built = planned.built
        live = api.get_dashboard(self.client, built.uid)
        if live is None:
            if base_version is None:
                return None  # the create did not land: send it again
            return self._fail(planned, f"{_describe(built)} was deleted in Grafana meanwhile")
        if _is_built(live, built):
            record = api.version_record(self.client, built.uid, live.version)
            if record is not None and wrote(record.message, desired_hash):
                action = Action.CREATED if base_version is None else Action.UPDATED
                return self._done(planned, action, live.version, live.url)
            return self._done(planned, Action.UNCHANGED, live.version, live.url)
        if live.version == base_version or self.force:
            return live.version  # our write did not land (or --force): send it again
        return self._fail(planned, f"{_describe(built)} {CHANGED_CONCURRENTLY}")

    def _done(
        self, planned: PlannedDashboard, action: Action, version: int | None, url: str | None
    ) -> PublishEvent:
        if action is Action.CREATED and self.known_uids is not None:
            self.known_uids.add(planned.built.uid)
        return replace(
            planned.event(),
            action=action,
            version_after=version,
            url=self._absolute(url or planned.url),
        )

    def _fail(self, planned: PlannedDashboard, error: str) -> PublishEvent:
        return replace(planned.event(), action=Action.FAILED, error=error)

    def _absolute(self, url: str | None) -> str | None:
        if not url or "://" in url:
            return url
        assert self.client is not None
        return f"{self.client.display_url}{url}"


def folder_uid(built: BuiltDashboard) -> str | None:
    """The folder a dashboard goes to: its folder uid, else one derived from the title.

    None is General. The derived uid is stable (lower-case title, other characters as
    ``-``, at most 40), so the same title always addresses the same folder.
    """
    if built.folder_uid:
        return built.folder_uid
    if not built.folder:
        return None
    slug = re.sub(r"[^a-z0-9_-]+", "-", built.folder.lower()).strip("-")
    return slug[:FOLDER_UID_MAX] or None


def _is_built(live: api.LiveDashboard, built: BuiltDashboard) -> bool:
    """The live dashboard is the build: same comparable content, same folder."""
    # built.content_hash is content_hash() of the build output: no need to load the file.
    if live.folder_uid != folder_uid(built):
        return False
    return _hash_as_stored(live.dashboard) == built.content_hash or (
        content_hash(live.dashboard) == built.content_hash
    )


def _hash_as_stored(dashboard: dict[str, Any]) -> str:
    """content_hash() without normalising, for the common case where Grafana returns what
    dashgen stored: if this matches, the canonical texts are equal, so content_hash() would
    match too (normalize leaves a normalised dashboard as it is). Saves most of the CPU of
    an unchanged republish; a mismatch falls back to the full comparison."""
    stored = {key: value for key, value in dashboard.items() if key not in GRAFANA_OWNED_FIELDS}
    return hashlib.sha256(dumps(stored).encode()).hexdigest()


def _save_model(document: dict[str, Any], uid: str, version: int | None) -> dict[str, Any]:
    """The dashboard as POSTed: id null, our uid, the live version we compared (none: new)."""
    model = {key: value for key, value in document.items() if key != "version"}
    model.update(id=None, uid=uid)
    if version is not None:
        model["version"] = version
    return model


def _backoff(policy: RetryPolicy, attempt: int, error: Exception) -> float:
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        return min(float(retry_after), policy.max_retry_after_s)
    ceiling = min(policy.max_wait_s, policy.initial_wait_s * 2 ** (attempt - 1))
    return random.uniform(0, ceiling)

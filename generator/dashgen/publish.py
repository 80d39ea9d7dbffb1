"""Publish built dashboards to Grafana organizations: plan (compare with live) → apply → events.

Per org: resolve the org's own token; one pooled client; ``GET /api/org`` must name
that org or nothing is sent; ensure the folders (addressed by ``folderUid`` only);
then for each dashboard, concurrently: read the live one, decide, and write only
what differs.

Decision for one dashboard (``comparable`` = ``normalize.comparable``):

- no live dashboard → create (``version`` omitted, ``overwrite: false``);
- ``comparable(build) == comparable(live)`` and same folder → unchanged, no write
  (and no version-history read);
- otherwise the **drift guard**: read the live version's record
  (``GET /api/dashboards/uid/:uid/versions/<meta.version>``; not the list, which shows
  "Initial save" for version 1). dashgen writes ``dashgen <content hash> [git <sha>]``
  as the version message. If that record's message is dashgen's and its hash equals
  ``content_hash(live)``, the live dashboard
  is exactly what dashgen last wrote → update. Anything else (a UI edit, a restore,
  a dashboard dashgen never wrote, an unreadable history) → ``drifted``: reported,
  not written, unless ``force``. The evidence lives in Grafana, so this works from a
  fresh CI checkout.

Writes send the live ``version`` that was compared with ``overwrite: false`` (with
``force``: ``overwrite: true``), so a concurrent writer between read and write gets
412 version-mismatch (409 on Grafana 13) → ``failed``, "re-run". A create refused that
way (the uid exists after all: search is eventually consistent) is re-planned once.

The POST is never retried blindly (a committed write whose answer was lost would add
a version). After a connection error, 5xx or 429, the dashboard is read again: if it
now equals the build and carries dashgen's message, the write landed; if it is still
at the version we based the write on, the POST is sent again (bounded attempts,
exponential backoff with full jitter, ``Retry-After`` honoured); anything else is a
concurrent change → ``failed``. GETs use the client's own retries; other 4xx are never
retried.

Reads run at ``read_concurrency``; writes are bounded by ``concurrency`` (Grafana
serialises dashboard writes in its database, reads are cheap).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from dashgen.build import BuiltDashboard, read_manifest
from dashgen.config import Config
from dashgen.errors import (
    ConflictError,
    DashgenError,
    GrafanaAPIError,
    GrafanaConnectionError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
)
from dashgen.events import Action, PublishEvent, PublishReport
from dashgen.grafana import dashboards as api
from dashgen.grafana.client import GrafanaClient, RetryPolicy
from dashgen.messages import CHANGED_CONCURRENTLY, Doing, explain, token_hint
from dashgen.normalize import comparable, content_hash
from dashgen.provenance import git_short_sha, version_message, wrote
from dashgen.tokens import resolve_token

DEFAULT_CONCURRENCY = 8
DEFAULT_RETRY = RetryPolicy()
MAX_READ_CONCURRENCY = 32
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
    live_folder_uid: str | None = None
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


@dataclass
class PlanReport:
    items: list[PlannedDashboard] = field(default_factory=list)
    org_errors: dict[str, str] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.org_errors) or any(i.action != Action.UNCHANGED for i in self.items)


def publish(
    config: Config,
    org_names: Sequence[str],
    *,
    connection: Connection,
    dashboards: Sequence[BuiltDashboard] | None = None,
    only_uids: Collection[str] | None = None,
    dry_run: bool = False,
    force: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    read_concurrency: int | None = None,
    on_event: Callable[[PublishEvent], None] | None = None,
) -> PublishReport:
    """Publish the built dashboards of each org in ``org_names``; never raises per dashboard.

    ``dashboards`` defaults to ``read_manifest(config.output_dir)``; ``only_uids``
    narrows it (watch). ``on_event`` is called in the caller's thread as each
    dashboard finishes. Raises only for problems that concern every org (e.g.
    ``InsecureTransportError``).
    """
    started = time.monotonic()
    report = PublishReport()
    git_sha = git_short_sha(config.root)

    def record(event: PublishEvent) -> None:
        report.events.append(event)
        if on_event is not None:
            on_event(event)

    for org, selected in _select(config, org_names, dashboards, only_uids):
        run = _OrgRun(org, selected, connection, concurrency, read_concurrency, force, git_sha)
        error = run.open(create_folders=not dry_run)
        if error is not None:
            report.org_errors[org] = error
            for built in selected:
                record(_failed(org, built, error))
            continue
        with run:
            for outcome in run.each(run.plan if dry_run else run.publish_one):
                record(_as_event(outcome))
    report.duration_s = time.monotonic() - started
    return report


def plan(
    config: Config,
    org_names: Sequence[str],
    *,
    connection: Connection,
    dashboards: Sequence[BuiltDashboard] | None = None,
    only_uids: Collection[str] | None = None,
    read_concurrency: int = MAX_READ_CONCURRENCY,
) -> PlanReport:
    """What ``publish`` would do, with the comparable documents on both sides (for diff)."""
    report = PlanReport()
    for org, selected in _select(config, org_names, dashboards, only_uids):
        run = _OrgRun(org, selected, connection, read_concurrency, read_concurrency, False, None)
        error = run.open(create_folders=False)
        if error is not None:
            report.org_errors[org] = error
            continue
        with run:
            report.items.extend(run.each(partial(run.plan, with_documents=True)))
    report.items.sort(key=lambda item: (item.org, item.built.uid))
    return report


def _as_event(outcome: PlannedDashboard | PublishEvent) -> PublishEvent:
    return outcome.event() if isinstance(outcome, PlannedDashboard) else outcome


def _select(
    config: Config,
    org_names: Sequence[str],
    dashboards: Sequence[BuiltDashboard] | None,
    only_uids: Collection[str] | None,
) -> Iterable[tuple[str, list[BuiltDashboard]]]:
    available = list(dashboards) if dashboards is not None else read_manifest(config.output_dir)
    for org in dict.fromkeys(org_names):
        selected = [
            built
            for built in available
            if built.org == org and (only_uids is None or built.uid in only_uids)
        ]
        yield org, sorted(selected, key=lambda built: built.uid)


def _failed(
    org: str, built: BuiltDashboard, error: str, version: int | None = None
) -> PublishEvent:
    return PublishEvent(
        org=org,
        uid=built.uid,
        title=built.title,
        action=Action.FAILED,
        version_before=version,
        error=error,
        source=str(built.source),
    )


def _describe(built: BuiltDashboard) -> str:
    return f"dashboard {built.title!r} (uid {built.uid})"


class _OrgRun:
    """One org: its token, its pooled client, its folders, and the per-dashboard work."""

    def __init__(
        self,
        org: str,
        dashboards: list[BuiltDashboard],
        connection: Connection,
        concurrency: int,
        read_concurrency: int | None,
        force: bool,
        git_sha: str | None,
    ) -> None:
        self.org = org
        self.dashboards = dashboards
        self.connection = connection
        self.force = force
        self.git_sha = git_sha
        writes = max(1, concurrency)
        self.read_concurrency = max(
            writes, read_concurrency or min(4 * writes, MAX_READ_CONCURRENCY)
        )
        self.write_slots = threading.BoundedSemaphore(writes)
        self.client: GrafanaClient | None = None
        self.token_origin: str | None = None
        self.known_uids: set[str] | None = None  # None: unknown, read every dashboard
        self.folder_errors: dict[str | None, str] = {}

    # -- setup ---------------------------------------------------------------------------

    def open(self, *, create_folders: bool = True) -> str | None:
        """Token, client, org check, folders, search. Returns a sentence when the org fails."""
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
        if self.dashboards:
            self._ensure_folders(create=create_folders)
            self._learn_existing_uids()
        return None

    def _ensure_folders(self, *, create: bool) -> None:
        assert self.client is not None
        folders = {built.folder_uid: built.folder for built in self.dashboards if built.folder_uid}
        for uid, title in sorted(folders.items(), key=lambda item: str(item[0])):
            doing = self._doing(f"ensuring folder {title!r} (uid {uid})")
            try:
                if api.get_folder(self.client, uid) is None and create:
                    api.create_folder(self.client, uid, title or uid)
            except DashgenError as error:
                self.folder_errors[uid] = explain(error, doing)

    def _learn_existing_uids(self) -> None:
        assert self.client is not None
        try:
            self.known_uids = api.search_dashboard_uids(self.client)
        except DashgenError:
            self.known_uids = None  # search is only a shortcut: read every dashboard instead

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def __enter__(self) -> _OrgRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def each(self, work: Callable[[BuiltDashboard], Any]) -> Iterable[Any]:
        """Run ``work`` for every dashboard concurrently; yield results as they finish."""
        with ThreadPoolExecutor(max_workers=self.read_concurrency) as pool:
            futures = [pool.submit(work, built) for built in self.dashboards]
            for future in as_completed(futures):
                yield future.result()

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
        if built.folder_uid in self.folder_errors:
            return replace(base, action=Action.FAILED, error=self.folder_errors[built.folder_uid])
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
                live_folder_uid=live.folder_uid,
                url=self._absolute(live.url),
            )
            if _is_built(live, built):
                return replace(planned, action=Action.UNCHANGED)
            drift = None if self.force else self._drift(built, live)
        except DashgenError as error:
            return replace(base, action=Action.FAILED, error=explain(error, doing))
        if drift is not None:
            return replace(planned, action=Action.DRIFTED, error=drift)
        return replace(planned, action=Action.WOULD_UPDATE)

    def _drift(self, built: BuiltDashboard, live: api.LiveDashboard) -> str | None:
        """None when the live dashboard is what dashgen last wrote, else why it is not."""
        assert self.client is not None
        try:
            record = api.version_record(self.client, built.uid, live.version)
        except GrafanaAPIError as error:
            if isinstance(error, _TRANSIENT):
                raise
            record = None
        if record is not None and wrote(record.message, content_hash(live.dashboard)):
            return None
        who = live.updated_by or (record.created_by if record else "") or "someone"
        note = f" with message {record.message!r}" if record and record.message else ""
        return (
            f"{_describe(built)} was changed in Grafana by {who} (version {live.version}{note}) "
            "since dashgen last published it; not overwritten: bring the change into the "
            "source, or re-run with --force to replace it"
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
            body = {**document, "id": None, "uid": built.uid}
            body.pop("version", None)
            if base_version is not None:
                body["version"] = base_version
            try:
                saved = api.save_dashboard(
                    self.client,
                    body,
                    folder_uid=built.folder_uid,
                    message=message,
                    overwrite=self.force,
                )
                action = Action.CREATED if base_version is None else Action.UPDATED
                return self._done(planned, action, saved.version, saved.url)
            except (PreconditionFailedError, ConflictError) as error:
                if error.status_text in _NOT_A_VERSION_CONFLICT:
                    return self._fail(planned, explain(error, doing))
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
                    return self._fail(planned, explain(error, doing))
                time.sleep(_backoff(policy, attempt, error))
                try:
                    outcome = self._after_lost_answer(planned, desired_hash, base_version)
                except DashgenError as read_error:
                    return self._fail(planned, explain(read_error, doing))
                if isinstance(outcome, PublishEvent):
                    return outcome
                base_version = outcome
            except DashgenError as error:
                return self._fail(planned, explain(error, doing))

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


def _is_built(live: api.LiveDashboard, built: BuiltDashboard) -> bool:
    """The live dashboard is the build: same comparable content, same folder."""
    # built.content_hash is content_hash() of the build output: no need to load the file.
    same_folder = live.folder_uid == (built.folder_uid or None)
    return same_folder and content_hash(live.dashboard) == built.content_hash


def _backoff(policy: RetryPolicy, attempt: int, error: Exception) -> float:
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        return min(float(retry_after), policy.max_retry_after_s)
    ceiling = min(policy.max_wait_s, policy.initial_wait_s * 2 ** (attempt - 1))
    return random.uniform(0, ceiling)

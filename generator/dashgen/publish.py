"""Publish built dashboards to Grafana organizations: plan (compare with live) → apply → events.

Per org (an ``OrgSession``, which ``publish()`` opens per call and ``dashgen watch``
keeps for its whole life): resolve the org's own token; one pooled client;
``GET /api/org`` must name that org or nothing is sent; ensure the folders (addressed
by ``folderUid`` only), each once per session; for a large batch, one search for the
uids that exist (a shortcut only: new dashboards then cost no read; a small batch reads
each dashboard directly); then for each dashboard, concurrently: read the live one,
decide, and write only what differs.

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

import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Final

from dashgen.build import BuiltDashboard, read_manifest
from dashgen.config import Config
from dashgen.events import Action, PublishEvent, PublishReport
from dashgen.org_run import Connection, OrgRun, PlannedDashboard
from dashgen.provenance import git_short_sha

__all__ = ["Connection", "OrgSession", "PlanReport", "PlannedDashboard", "plan", "publish"]

DEFAULT_CONCURRENCY = 8


class _FromProject:
    """``git_sha`` default: ask git about the project (once per session)."""


FROM_PROJECT: Final = _FromProject()


@dataclass
class PlanReport:
    items: list[PlannedDashboard] = field(default_factory=list)
    org_errors: dict[str, str] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.org_errors) or any(i.action != Action.UNCHANGED for i in self.items)


class OrgSession:
    """A long-lived publisher for one org: ``publish()`` and ``watch --publish`` share it.

    Opened on first use (or by ``open()``): the org's token, ONE pooled client, and the
    ``GET /api/org`` check, once for the life of the session. Each ``publish(dashboards)``
    then ensures only the folders not seen before, searches only for a large batch
    (otherwise each dashboard is read directly), and runs the per-dashboard path
    (skip-unchanged, drift guard, safe retries). The git sha of the version message is
    computed once. A failed open (no token, wrong org, Grafana unreachable) is reported
    for that batch and tried again on the next one, as is a token Grafana rejects (401)
    during a batch. Batches run one at a time; ``close()``
    (or leaving the ``with`` block) closes the client.
    """

    def __init__(
        self,
        config: Config,
        org_name: str,
        *,
        connection: Connection,
        force: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        read_concurrency: int | None = None,
        git_sha: str | _FromProject | None = FROM_PROJECT,
    ) -> None:
        self.config = config
        self.org = org_name
        self._git_sha = git_sha
        self._run = OrgRun(
            org_name,
            connection,
            concurrency=concurrency,
            read_concurrency=read_concurrency,
            force=force,
        )
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._run.is_open

    def open(self) -> str | None:
        """Open now if not open yet; None when ready, else the sentence saying why not."""
        if isinstance(self._git_sha, _FromProject):
            self._git_sha = git_short_sha(self.config.root)
        self._run.git_sha = self._git_sha
        return self._run.open()

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
        selected = _sorted(dashboards)

        def record(event: PublishEvent) -> None:
            report.events.append(event)
            if on_event is not None:
                on_event(event)

        with self._lock:
            error = self.open()
            if error is not None:
                report.org_errors[self.org] = error
                for built in selected:
                    record(_failed(self.org, built, error))
            elif selected:
                run = self._run
                run.prepare(selected, create_folders=not dry_run)
                for outcome in run.each(selected, run.plan if dry_run else run.publish_one):
                    record(_as_event(outcome))
                if run.token_rejected:
                    run.close()  # the next batch reads the token again and re-checks the org
        report.events.sort(key=lambda event: (event.org, event.uid))
        report.duration_s = time.monotonic() - started
        return report

    def plan(
        self, dashboards: Sequence[BuiltDashboard], *, with_documents: bool = False
    ) -> tuple[list[PlannedDashboard], str | None]:
        """What ``publish`` would do (never a write), and the org's error if it failed."""
        selected = _sorted(dashboards)
        with self._lock:
            error = self.open()
            if error is not None:
                return [], error
            if not selected:
                return [], None
            run = self._run
            run.prepare(selected, create_folders=False)
            items = list(run.each(selected, partial(run.plan, with_documents=with_documents)))
        items.sort(key=lambda item: item.built.uid)
        return items, None

    def close(self) -> None:
        with self._lock:
            self._run.close()

    def __enter__(self) -> OrgSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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

    One ``OrgSession`` per org, opened for this call. ``dashboards`` defaults to
    ``read_manifest(config.output_dir)``; ``only_uids`` narrows it. ``on_event`` is
    called in the caller's thread as each dashboard finishes. Raises only for problems
    that concern every org (e.g. ``InsecureTransportError``).
    """
    started = time.monotonic()
    report = PublishReport()
    git_sha = git_short_sha(config.root)
    for org, selected in _select(config, org_names, dashboards, only_uids):
        session = OrgSession(
            config,
            org,
            connection=connection,
            force=force,
            concurrency=concurrency,
            read_concurrency=read_concurrency,
            git_sha=git_sha,
        )
        with session:
            part = session.publish(selected, on_event=on_event, dry_run=dry_run)
        report.events.extend(part.events)
        report.org_errors.update(part.org_errors)
    report.events.sort(key=lambda event: (event.org, event.uid))
    report.duration_s = time.monotonic() - started
    return report


def plan(
    config: Config,
    org_names: Sequence[str],
    *,
    connection: Connection,
    dashboards: Sequence[BuiltDashboard] | None = None,
    only_uids: Collection[str] | None = None,
    read_concurrency: int = 2 * DEFAULT_CONCURRENCY,
) -> PlanReport:
    """What ``publish`` would do, with the comparable documents on both sides (for diff)."""
    report = PlanReport()
    for org, selected in _select(config, org_names, dashboards, only_uids):
        with OrgSession(
            config, org, connection=connection, concurrency=read_concurrency, git_sha=None
        ) as session:
            items, error = session.plan(selected, with_documents=True)
        if error is not None:
            report.org_errors[org] = error
        report.items.extend(items)
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
        yield org, _sorted(selected)


def _sorted(dashboards: Iterable[BuiltDashboard]) -> list[BuiltDashboard]:
    return sorted(dashboards, key=lambda built: built.uid)


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

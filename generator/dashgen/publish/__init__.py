"""Publish built dashboards to Grafana organizations: plan (compare with live) → apply → events.

``publish()`` and ``plan()`` run one ``OrgSession`` per org (``dashgen.publish.session``):
the org's own token, one pooled client, ``GET /api/org`` naming that org before anything
is sent, folders ensured by uid, then each dashboard through ``dashgen.publish.dashboard``
(skip-unchanged, drift guard, writes that never repeat blindly). ``dashgen watch
--publish`` keeps one ``OrgSession`` for its whole life.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence

from dashgen.build.manifest import BuiltDashboard, read_manifest
from dashgen.config import Config
from dashgen.grafana.client import Connection
from dashgen.publish.events import Action, PlannedDashboard, PlanReport, PublishEvent, PublishReport
from dashgen.publish.provenance import git_short_sha
from dashgen.publish.session import DEFAULT_CONCURRENCY, OrgSession, sorted_by_uid

__all__ = [
    "DEFAULT_CONCURRENCY",
    "Action",
    "Connection",
    "OrgSession",
    "PlanReport",
    "PlannedDashboard",
    "PublishEvent",
    "PublishReport",
    "plan",
    "publish",
]


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
    lock: bool = True,
) -> PublishReport:
    """Publish the built dashboards of each org in ``org_names``; never raises per dashboard
    or per org (an org that fails as a whole is in ``org_errors``).

    ``dashboards`` defaults to ``read_manifest(config.output_dir)``; ``only_uids`` narrows
    it. ``on_event`` is called in the caller's thread as each dashboard finishes. ``lock``:
    a publish with something to write takes each org's publish lock first
    (``dashgen.publish.lock``), so two publishers of one org never race. Raises only for
    problems that concern every org (e.g. ``InsecureTransportError``).
    """
    started = time.monotonic()
    report = PublishReport()
    git_sha = git_short_sha(config.root)
    for org, selected in _select(config, org_names, dashboards, only_uids):
        with OrgSession(
            config,
            org,
            connection=connection,
            force=force,
            concurrency=concurrency,
            read_concurrency=read_concurrency,
            git_sha=git_sha,
            lock=lock,
        ) as session:
            part = session.publish(selected, on_event=on_event, dry_run=dry_run)
        report.events.extend(part.events)
        report.org_errors.update(part.org_errors)
        report.org_exit_codes.update(part.org_exit_codes)
        report.notes.extend(part.notes)
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
            report.org_exit_codes[org] = session.open_exit_code
        report.items.extend(items)
    report.items.sort(key=lambda item: (item.org, item.built.uid))
    return report


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
        yield org, sorted_by_uid(selected)

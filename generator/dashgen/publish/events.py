"""What publish and diff report: one event (or plan item) per dashboard, and the reports.

Prune (``dashgen.publish.prune``) reports with the same events: a deleted dashboard, one
kept because it was edited in Grafana, a deleted folder (its uid and title in ``uid`` and
``title``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dashgen.build.manifest import BuiltDashboard


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DRIFTED = "drifted"  # changed in Grafana since dashgen last wrote it; skipped (no --force)
    SKIPPED = "skipped"  # managed by Git Sync: never written (a problem unless --skip-managed)
    FAILED = "failed"
    # sent, but the command's deadline passed before the answer came: check Grafana
    UNKNOWN = "unknown"
    WOULD_CREATE = "would-create"
    WOULD_UPDATE = "would-update"
    # prune: the source is gone
    DELETED = "deleted"
    WOULD_DELETE = "would-delete"
    KEPT = "kept"  # but edited in Grafana since dashgen wrote it: not deleted
    FOLDER_DELETED = "folder-deleted"  # a folder dashgen created, empty after the prune
    WOULD_DELETE_FOLDER = "would-delete-folder"


# Actions that make publish exit 1 (KEPT too, unless --prune-keep-edited).
PROBLEMS = frozenset({Action.FAILED, Action.DRIFTED, Action.UNKNOWN})
PRUNE_ACTIONS = frozenset(
    {
        Action.DELETED,
        Action.WOULD_DELETE,
        Action.KEPT,
        Action.FOLDER_DELETED,
        Action.WOULD_DELETE_FOLDER,
    }
)

# Notes that qualify an action (``PublishEvent.note``).
PUBLISHED_CONCURRENTLY = "published concurrently"  # unchanged: another publisher wrote it
ADOPTED = "adopted the change made in Grafana"  # updated: same content, now dashgen's version


@dataclass(frozen=True)
class PublishEvent:
    org: str
    uid: str
    title: str
    action: Action
    version_before: int | None = None
    version_after: int | None = None
    url: str | None = None
    error: str | None = None  # a sentence a person can act on; never holds a token
    source: str | None = None
    # Not attempted because the whole org failed (no or bad token, Grafana unreachable):
    # ``error`` is the org's sentence, which text output says once for the org.
    org_failed: bool = False
    note: str | None = None  # e.g. PUBLISHED_CONCURRENTLY, ADOPTED

    @property
    def label(self) -> str:
        """The action as printed: ``unchanged (published concurrently)``."""
        return f"{self.action.value} ({self.note})" if self.note else self.action.value

    def to_dict(self) -> dict[str, Any]:
        # Every field is a scalar: a copy of the instance's dict is what ``asdict`` makes,
        # without its recursive walk (a publish prints one event per dashboard).
        data = dict(self.__dict__)
        data["action"] = self.action.value
        return data

    @classmethod
    def failed(
        cls, org: str, built: BuiltDashboard, error: str, *, org_failed: bool = False
    ) -> PublishEvent:
        source = str(built.source)
        return cls(
            org,
            built.uid,
            built.title,
            Action.FAILED,
            error=error,
            source=source,
            org_failed=org_failed,
        )


@dataclass
class PublishReport:
    events: list[PublishEvent] = field(default_factory=list)
    # org name -> sentence, for orgs where nothing could be sent at all
    org_errors: dict[str, str] = field(default_factory=dict)
    # org name -> exit code of its failure: 2 for a configuration problem (a token that
    # cannot be sent, a malformed token store entry), else 1
    org_exit_codes: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    # what a person should know besides the events (waited for another publisher, ...)
    notes: list[str] = field(default_factory=list)
    # org name -> why nothing was pruned there (a guard held): makes the run fail
    prune_refusals: dict[str, str] = field(default_factory=dict)
    # sentences worth a look that fail nothing (a missing datasource let through, ...)
    warnings: list[str] = field(default_factory=list)
    kept_is_expected: bool = False  # --prune-keep-edited
    skip_managed: bool = False  # --skip-managed: a dashboard Git Sync manages fails nothing
    # org name -> the dashboard API its dashboards went through, and why (--output json)
    backends: dict[str, str] = field(default_factory=dict)

    def merge(self, other: PublishReport) -> None:
        self.backends.update(other.backends)
        self.events.extend(other.events)
        self.org_errors.update(other.org_errors)
        self.org_exit_codes.update(other.org_exit_codes)
        self.notes.extend(other.notes)
        self.prune_refusals.update(other.prune_refusals)
        self.warnings.extend(other.warnings)

    def counts(self) -> dict[str, int]:
        counted = Counter(event.action.value for event in self.events)
        return {action.value: counted[action.value] for action in Action if counted[action.value]}

    @property
    def failures(self) -> list[PublishEvent]:
        return [
            event
            for event in self.events
            if is_problem(event, self.kept_is_expected, self.skip_managed)
        ]

    @property
    def exit_code(self) -> int:
        """0 when everything went out, 2 for any org's configuration problem, else 1."""
        if self.ok:
            return 0
        return max([1, *self.org_exit_codes.values()])

    @property
    def ok(self) -> bool:
        return not self.failures and not self.org_errors and not self.prune_refusals


def is_problem(
    event: PublishEvent, kept_is_expected: bool = False, skip_managed: bool = False
) -> bool:
    if event.action is Action.KEPT:
        return not kept_is_expected
    if event.action is Action.SKIPPED:
        return not skip_managed
    return event.action in PROBLEMS


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
    org_failed: bool = False  # the whole org failed: ``error`` is the org's sentence
    note: str | None = None
    read: bool = False  # the live dashboard was read (False: a create decided by the search)
    # /apis: the content hash of what Grafana will store for this write (its dry run); None:
    # not asked (the classic API stores what it is sent)
    stored_hash: str | None = None

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
            org_failed=self.org_failed,
            note=self.note,
        )


@dataclass
class PlanReport:
    items: list[PlannedDashboard] = field(default_factory=list)
    org_errors: dict[str, str] = field(default_factory=dict)
    org_exit_codes: dict[str, int] = field(default_factory=dict)
    # what --prune would do: would-delete, would-delete-folder and kept events
    prune: list[PublishEvent] = field(default_factory=list)
    prune_refusals: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    kept_is_expected: bool = False  # --prune-keep-edited
    skip_managed: bool = False  # --skip-managed
    backends: dict[str, str] = field(default_factory=dict)  # org name -> dashboard API

    def merge(self, other: PlanReport) -> None:
        self.backends.update(other.backends)
        self.items.extend(other.items)
        self.org_errors.update(other.org_errors)
        self.org_exit_codes.update(other.org_exit_codes)
        self.prune.extend(other.prune)
        self.prune_refusals.update(other.prune_refusals)
        self.warnings.extend(other.warnings)

    @property
    def has_changes(self) -> bool:
        """Anything to publish or prune; an adoption (same content, a new version message)
        is not, nor a kept dashboard under --prune-keep-edited."""
        return (
            bool(self.org_errors)
            or bool(self.prune_refusals)
            or any(e.action is not Action.KEPT or not self.kept_is_expected for e in self.prune)
            or any(
                i.action != Action.UNCHANGED
                and i.note != ADOPTED
                and not (i.action is Action.SKIPPED and self.skip_managed)
                for i in self.items
            )
        )

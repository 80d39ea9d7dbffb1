"""What a dashboard backend gives the publisher, whichever Grafana API it speaks.

A backend (``dashgen.grafana.classic.ClassicDashboards`` for ``/api``) is made for one
org's client and offers the same small set of calls: ``current_org``, ``server_info``,
``current_login``, ``get``, ``existing_uids``, ``get_folder``, ``create_folder``,
``history`` and ``save``; for the publish lock ``claim_folder``, ``update_folder``,
``folder_is_empty``, ``delete_folder`` and ``server_date``; for prune
``search_dashboards``, ``versions``, ``delete``, ``folder_info``, ``folder_is_empty`` and
``delete_folder``; for the datasource check ``datasources``. The publisher never builds a
URL or reads a status code itself: a write that lost a version race raises
``dashgen.errors.VersionConflictError``, other errors are the client's typed
``GrafanaAPIError``s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Manager:
    """Another tool that owns a dashboard (Git Sync, file provisioning, Terraform ...):
    dashgen never deletes it."""

    kind: str  # grafana.app/managedBy ("repo" for Git Sync, ...); "provisioned" on /api
    identity: str = ""  # the repository name, the provisioned file ...

    def describe(self) -> str:
        if self.kind == "repo":
            return f"Git Sync repository {self.identity!r}"
        return f"{self.kind} ({self.identity})" if self.identity else self.kind


@dataclass(frozen=True)
class LiveDashboard:
    """A dashboard as Grafana holds it now."""

    dashboard: dict[str, Any]
    version: int
    folder_uid: str | None  # None: General
    updated_by: str
    url: str  # as Grafana gives it (often relative: /d/<uid>/<slug>)
    updated: str = ""  # meta.updated: when the live version was saved (Grafana's clock)
    manager: Manager | None = None  # None: nobody but API writers (dashgen, the UI) owns it


@dataclass(frozen=True)
class VersionRecord:
    """One entry of a dashboard's version history: the evidence of who wrote what."""

    version: int
    message: str
    created_by: str


@dataclass(frozen=True)
class SearchHit:
    """One dashboard found by a search."""

    uid: str
    title: str
    folder_uid: str | None  # None: General
    folder_title: str | None


@dataclass(frozen=True)
class SaveResult:
    uid: str
    version: int
    url: str


@dataclass(frozen=True)
class FolderInfo:
    """A folder as prune needs it: who created it, and whether another tool manages it."""

    uid: str
    title: str
    created_by: str  # the login of the identity that created it
    managed: bool  # Git Sync or another manager owns it: never deleted

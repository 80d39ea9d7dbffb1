"""What a dashboard backend gives the publisher, whichever Grafana API it speaks.

A backend (``dashgen.grafana.classic.ClassicDashboards`` for ``/api``) is made for one
org's client and offers the same small set of calls: ``current_org``, ``server_info``,
``get``, ``existing_uids``, ``get_folder``, ``create_folder``, ``history`` and ``save``. The
publisher never builds a URL or reads a status code itself: a write that lost a version
race raises ``dashgen.errors.VersionConflictError``, other errors are the client's typed
``GrafanaAPIError``s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LiveDashboard:
    """A dashboard as Grafana holds it now."""

    dashboard: dict[str, Any]
    version: int
    folder_uid: str | None  # None: General
    updated_by: str
    url: str  # as Grafana gives it (often relative: /d/<uid>/<slug>)
    updated: str = ""  # meta.updated: when the live version was saved (Grafana's clock)


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

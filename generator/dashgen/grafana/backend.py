"""What a dashboard backend gives the publisher, whichever Grafana API it speaks.

A backend (``dashgen.grafana.classic.ClassicDashboards`` for ``/api``,
``dashgen.grafana.k8s.K8sDashboards`` for ``/apis/dashboard.grafana.app``; both satisfy
``DashboardBackend``; ``dashgen.grafana.discovery`` chooses) is made for one
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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from dashgen.grafana.admin import Org
    from dashgen.grafana.datasources import Datasource
    from dashgen.grafana.server import ServerInfo


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
    # The live version's message when the object itself carries it (/apis: the
    # grafana.app/message annotation); None: read it from the version history.
    message: str | None = None
    # /apis: the content hash of the build dashgen's write of this version came from (the
    # server may store a migrated form of what was sent); None: not dashgen's, or unknown.
    build_hash: str | None = None
    # /apis: dashgen's generation stamp names this generation (``dashgen.publish.stamped``)
    stamped: bool = False
    # /apis: the version Grafana stores it in (status.conversion.storedVersion: "v1", "v2"
    # ...); "" when not said (the classic API)
    stored_version: str = ""
    # the uid when ``dashboard`` does not carry it (a schema v2 spec has no uid inside)
    name: str = ""
    # /apis: read by a metadata-only LIST: ``dashboard`` holds only its uid and version
    # (handed out only when its metadata proves it unchanged: ``dashgen.publish.stamped``)
    partial: bool = False

    @property
    def uid(self) -> str:
        return str(self.dashboard.get("uid") or self.name)

    @property
    def is_v2(self) -> bool:
        """Stored as a schema v2 dashboard (``elements`` + ``layout``)."""
        return self.stored_version.startswith("v2")


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


class DashboardBackend(Protocol):
    """The calls the publisher, the publish lock, prune and pull make on one org's Grafana."""

    name: str  # "classic" or "k8s"
    # A dry run may send each planned write with the server's own dry run (?dryRun=All).
    validates_writes: bool

    @property
    def display_url(self) -> str: ...

    def describe(self) -> str: ...

    def forget(self) -> None: ...

    def expect_schemas(self, schemas: Mapping[str, str]) -> None: ...

    def accepts_schema(self, schema: str) -> bool: ...

    def current_org(self) -> Org: ...

    def server_info(self) -> ServerInfo: ...

    def current_login(self) -> str | None: ...

    def server_date(self) -> str | None: ...

    def get(self, uid: str) -> LiveDashboard | None: ...

    def existing_uids(self) -> set[str]: ...

    def search_dashboards(self, folder_uids: list[str] | None = None) -> list[SearchHit]: ...

    def library_element(self, uid: str) -> dict[str, Any] | None: ...

    def history(self, uid: str, version: int) -> VersionRecord | None: ...

    def versions(self, uid: str, limit: int = ...) -> list[VersionRecord]: ...

    def delete(self, uid: str) -> bool: ...

    def datasources(self) -> list[Datasource]: ...

    def save(
        self,
        document: Mapping[str, Any],
        *,
        uid: str,
        base_version: int | None,
        folder_uid: str | None,
        message: str,
        overwrite: bool = False,
        dry_run: bool = False,
        build_hash: str | None = None,
    ) -> SaveResult: ...

    def would_store(
        self,
        document: Mapping[str, Any],
        *,
        uid: str,
        base_version: int | None,
        folder_uid: str | None,
        message: str,
    ) -> dict[str, Any] | None: ...

    # -- folders ------------------------------------------------------------------------

    def get_folder(self, uid: str) -> dict[str, Any] | None: ...

    def folder_exists(self, uid: str) -> bool: ...

    def create_folder(
        self, uid: str, title: str, parent_uid: str | None = None
    ) -> dict[str, Any] | None: ...

    def claim_folder(self, uid: str, title: str) -> dict[str, Any] | None: ...

    def update_folder(self, uid: str, title: str, version: int) -> dict[str, Any]: ...

    def folder_info(self, uid: str) -> FolderInfo | None: ...

    def folder_is_empty(self, uid: str) -> bool: ...

    def delete_folder(self, uid: str) -> bool: ...

"""Grafana's App Platform API for dashboards (``/apis/dashboard.grafana.app/<v>/namespaces/
<ns>/dashboards``, grafana-apis.md §2-§6), behind the backend calls the publisher uses
(``dashgen.grafana.backend.DashboardBackend``), beside ``dashgen.grafana.classic``.

What is specific to this API lives here (shapes: ``k8s_shapes``, folders: ``k8s_folders``):

- the namespace is ``default`` for org 1, ``org-<id>`` otherwise (§2.1);
- a dashboard's version is ``metadata.generation``; a write is based on the
  ``resourceVersion`` of the version compared (remembered per generation read): a lost
  race answers 409 Conflict → ``VersionConflictError``, as does a create (a POST without
  resourceVersion) answered 409 AlreadyExists; message, saver, folder are annotations;
- ``existing_uids`` is one paged LIST (``limit`` 500, ``continue``) that keeps every object
  it read: the planner's ``get`` of each (once; later reads ask the server) sends nothing;
  ``list_metadata`` the same LIST asking for metadata only, then ``complete`` (``k8s_lists``);
- history is the LIST with the ``grafana.app/get-history=true`` label selector (§6);
- ``save(dry_run=True)``: ``?dryRun=All``, never stored; a write is stamped with the
  generation §3.1 gives it, worked out with no request (``k8s_stamp``);
- a schema v2 dashboard (``expect_schemas``) is read and written on its version's path; a
  read answered with a failed conversion is read again as stored (``k8s_v2``).

Writes are never retried here (the publisher reads again after a lost answer). Org, user,
datasource and library-panel calls are the classic API's (``/api``), as Grafana 13 serves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from dashgen.errors import (
    ConflictError,
    DashgenError,
    NotFoundError,
    ServerError,
    VersionConflictError,
)
from dashgen.grafana import admin
from dashgen.grafana.backend import FolderInfo, LiveDashboard, SaveResult, SearchHit, VersionRecord
from dashgen.grafana.classic import ClassicDashboards
from dashgen.grafana.client import NO_RETRY, GrafanaClient
from dashgen.grafana.datasources import Datasource
from dashgen.grafana.k8s_folders import K8sFolders
from dashgen.grafana.k8s_lists import LIST_LIMIT as LIST_LIMIT
from dashgen.grafana.k8s_lists import Listed
from dashgen.grafana.k8s_shapes import (
    FOLDER_ANNOTATION,
    GENERATION_ANNOTATION,
    MESSAGE_ANNOTATION,
    OBJECT,
    Revision,
    annotations,
    failed_conversion,
    generation,
    live_dashboard,
    live_metadata,
    metadata,
    revision,
    within_limit,
)
from dashgen.grafana.k8s_stamp import GenerationStamps
from dashgen.grafana.k8s_v2 import SchemaPaths, with_stored_spec
from dashgen.grafana.server import ServerInfo

DASHBOARD_GROUP = "dashboard.grafana.app"
VERSIONS_LIMIT = 100


def namespace_of(org_id: int) -> str:
    """§2.1: ``default`` for org 1 (never ``org-1``), ``org-<id>`` for the others."""
    return "default" if org_id == 1 else f"org-{org_id}"


class K8sDashboards:
    """One org's dashboards through ``/apis`` (``version``: ``v1`` or ``v1beta1``; a schema
    v2 dashboard on its own version, one of ``served``); folders through
    ``folder.grafana.app`` when it serves ``folder_version``, else ``/api``."""

    name = "k8s"
    validates_writes = True
    lists_objects = True  # after existing_uids, ``peek`` reads each object with no request

    def __init__(
        self,
        client: GrafanaClient,
        *,
        org_id: int,
        version: str,
        folder_version: str | None,
        served: tuple[str, ...] = (),
    ) -> None:
        self.client = client
        self.version = version
        self.folder_version = folder_version
        self.namespace = namespace_of(org_id)
        self.paths = SchemaPaths(DASHBOARD_GROUP, self.namespace, version, served)
        self.base = self.paths.base(version)
        self.classic = ClassicDashboards(client)
        self.folders: K8sFolders | ClassicDashboards = (
            K8sFolders(client, self.namespace, folder_version) if folder_version else self.classic
        )
        self._guard = threading.Lock()
        self._revisions: dict[str, tuple[int, Revision]] = {}  # uid → generation read, its RV
        self.listed = Listed(client, self.paths, self.base, self._remember, self._remember_meta)
        self.stamps = GenerationStamps()

    @property
    def display_url(self) -> str:
        return self.client.display_url

    def describe(self) -> str:
        folders = f"folder.grafana.app/{self.folder_version}" if self.folder_version else "/api"
        return f"/apis ({DASHBOARD_GROUP}/{self.version}, folders {folders})"

    # -- the org, the server, the datasources: the classic API ------------------------------

    def current_org(self) -> admin.Org:
        return self.classic.current_org()

    def server_info(self) -> ServerInfo:
        return self.classic.server_info()

    def current_login(self) -> str | None:
        return self.classic.current_login()

    def server_date(self) -> str | None:
        return self.client.server_date

    def datasources(self) -> list[Datasource]:
        return self.classic.datasources()

    def library_element(self, uid: str) -> dict[str, Any] | None:
        return self.classic.library_element(uid)

    # -- reading dashboards ------------------------------------------------------------------

    def _path(self, uid: str, version: str | None = None) -> str:
        return self.paths.path(uid, version or self.paths.version_of(uid))

    def expect_schemas(self, schemas: Mapping[str, str]) -> None:
        """The schema of each uid about to be published ("v1", "v2", "v2beta1" ...): a v2
        one is read and written on its version's path."""
        self.paths.expect(schemas)

    def accepts_schema(self, schema: str) -> bool:
        """Whether this server serves the version a dashboard of ``schema`` is written in."""
        return self.paths.accepts(schema)

    def _remember(
        self, item: Mapping[str, Any], read_as: str = "", spec: bool = True
    ) -> LiveDashboard:
        live = live_dashboard(item, read_as or self.version)
        uid = str(metadata(item)["name"])
        self.stamps.seen(uid, item.get("spec") if spec else None, live.folder_uid)
        with self._guard:
            self._revisions[uid] = (generation(item), revision(item))
        return live

    def _remember_meta(self, item: Mapping[str, Any]) -> LiveDashboard:
        notes = annotations(item)
        live = live_metadata(item, self.version, notes)
        self.stamps.seen(live.uid, None, live.folder_uid)
        with self._guard:
            self._revisions[live.uid] = (live.version, revision(item, notes))
        return live

    def forget(self) -> None:
        """Drop what earlier LISTs read (a new batch reads afresh)."""
        self.listed.forget()

    def get(self, uid: str) -> LiveDashboard | None:
        kept = self.listed.take(uid)
        return kept if kept is not None else self._fetch(uid)

    def peek(self, uid: str) -> LiveDashboard | None:  # kept from the last LIST, no request
        return self.listed.peek(uid)

    def _fetch(self, uid: str) -> LiveDashboard | None:
        version = self.paths.version_of(uid)
        item = self._read(uid, version)
        stored = failed_conversion(item) if item is not None else None
        if item is not None and stored is not None and stored != version:
            # §7.1: not convertible to the version read: compare it as it is stored.
            version = stored
            served = stored in self.paths.served
            item = self._read(uid, stored) if served else with_stored_spec(item, stored) or item
        return None if item is None else self._remember(item, version)

    def _read(self, uid: str, version: str) -> Mapping[str, Any] | None:
        self.paths.check_usable(version)
        try:
            return self.client.get(self._path(uid, version), expect=OBJECT)
        except NotFoundError:
            return None
        except ServerError as error:
            raise self.paths.unusable(self.display_url, version, error) from None

    def existing_uids(self) -> set[str]:
        """The uids of every dashboard of the namespace (one paged LIST); the objects are
        kept for the ``get`` that follows."""
        return {live.uid for live in self.listed.all()}

    def list_metadata(self) -> set[str]:
        """``existing_uids`` by a metadata-only LIST (``k8s_lists``): then ``complete``."""
        return {live.uid for live in self.listed.metadata()}

    def planned_offline(self, uid: str) -> bool:
        """Whether planning ``uid`` sends nothing (kept and proven unchanged, ``complete``)."""
        return self.listed.proven(uid)

    def complete(self, proven: Mapping[str, str]) -> None:
        """After ``list_metadata``: the listed dashboards not in ``proven`` (uid → title)
        are read in full (``k8s_lists.Listed.complete``)."""
        self.listed.complete(proven)

    def search_dashboards(self, folder_uids: list[str] | None = None) -> list[SearchHit]:
        """Every dashboard (one paged LIST), or those directly in ``folder_uids`` ("" or
        "general": General); folder titles are not in the objects (None)."""
        wanted = None
        if folder_uids is not None:
            wanted = {None if uid in ("", "general") else uid for uid in folder_uids}
        return [
            SearchHit(
                uid=live.uid,
                title=str(live.dashboard.get("title") or ""),
                folder_uid=live.folder_uid,
                folder_title=None,
            )
            for live in self.listed.all()
            if wanted is None or live.folder_uid in wanted
        ]

    def history(self, uid: str, version: int) -> VersionRecord | None:
        return self.listed.record(uid, version)

    def versions(self, uid: str, limit: int = VERSIONS_LIMIT) -> list[VersionRecord]:
        return self.listed.records(uid, limit)

    # -- writing dashboards --------------------------------------------------------------

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
        message_for: Callable[[dict[str, Any]], str | None] | None = None,
    ) -> SaveResult:
        """POST (``base_version`` None) or PUT on the resourceVersion of generation
        ``base_version``; never retried here. ``overwrite`` has no meaning on /apis (no
        title uniqueness, no plugin dashboards). Raises ``VersionConflictError`` when the
        live dashboard is no longer ``base_version`` (or, for a create, exists).
        ``message_for``: the message the stored dashboard is to carry, if not ``message``."""
        write = partial(self._write, document, uid, folder_uid=folder_uid)
        answer, stamp = write(base_version, build_hash, dry_run, message=message)
        version = self.paths.version_of(uid)
        # A write's answer keeps no spec for ``stamps.guess`` (the next write of the uid comes
        # after a read, or names its stamp): 200 specs kept cost a ~50 ms pass of the GC.
        saved = (
            live_dashboard(answer, version) if dry_run else self._remember(answer, version, False)
        )
        fix = None if dry_run else self.stamps.learn(document, saved.dashboard, message_for)
        if fix is not None or (stamp is not None and stamp != saved.version):  # (k8s_stamp)
            try:  # the same spec again: §3.1 keeps the generation, the stamp names it
                again = write(
                    saved.version, build_hash, False, saved.version, message=fix or message
                )
                saved = self._remember(again[0], version, False)
            except DashgenError:
                pass  # stays as it is: the next run compares in full
        return SaveResult(uid=uid, version=saved.version, url=saved.url)

    def would_store(
        self,
        document: Mapping[str, Any],
        *,
        uid: str,
        base_version: int | None,
        folder_uid: str | None,
        message: str,
    ) -> dict[str, Any] | None:
        """The dashboard as Grafana would store this write (``?dryRun=All``: v1 writes are
        migrated to the latest schemaVersion, §4.6), as ``get`` reads it; nothing is stored.
        Safe to retry. Raises what the write would raise."""
        answer, _ = self._write(
            document, uid, base_version, None, True, folder_uid=folder_uid, message=message
        )
        self.stamps.noted(uid, base_version, answer)
        stored = live_dashboard(answer, self.paths.version_of(uid)).dashboard
        self.stamps.learn(document, stored, None)
        return stored

    def _write(
        self,
        document: Mapping[str, Any],
        uid: str,
        base_version: int | None,
        build_hash: str | None,
        dry_run: bool,
        stamp: int | None = None,
        *,
        folder_uid: str | None,
        message: str,
    ) -> tuple[Mapping[str, Any], int | None]:
        """The answer, and the generation stamped (``stamp``, else ``k8s_stamp.expected``)."""
        version = self.paths.version_of(uid)
        self.paths.check_usable(version)
        params = {"dryRun": "All"} if dry_run else None
        retry = None if dry_run else NO_RETRY  # a dry run stores nothing: safe to repeat
        notes = {FOLDER_ANNOTATION: folder_uid or "", MESSAGE_ANNOTATION: within_limit(message)}
        meta: dict[str, Any] = {"name": uid, "annotations": notes}
        if base_version is not None:
            based_on = self._revision(uid, base_version)
            meta["resourceVersion"] = based_on.resource_version
            notes.update(based_on.kept_annotations)
        if build_hash:  # a stored write is stamped too (dashgen.publish.stamped)
            if stamp is None and not dry_run:
                stamp = self.stamps.guess(uid, base_version, document, folder_uid)
            notes.update(self.stamps.annotations(uid, base_version, build_hash, stamp))
            stamp = int(notes.get(GENERATION_ANNOTATION) or 0) or None
        body = {
            "apiVersion": f"{DASHBOARD_GROUP}/{version}",
            "kind": "Dashboard",
            "metadata": meta,
            "spec": {k: v for k, v in document.items() if k not in ("id", "uid", "version")},
        }
        try:
            if base_version is None:
                method, path = "POST", self.paths.base(version)
            else:
                method, path = "PUT", self._path(uid, version)
            answer = self.client.request(
                method, path, json=body, params=params, retry=retry, expect=OBJECT
            )
            return answer, stamp
        except ConflictError as error:  # Conflict (stale RV) or AlreadyExists (create)
            raise VersionConflictError.of(error) from None
        except ServerError as error:
            raise self.paths.unusable(self.display_url, version, error) from None

    def _revision(self, uid: str, base_version: int) -> Revision:
        """The resourceVersion of generation ``base_version`` (read again when the one
        remembered is of another generation); ``VersionConflictError`` when it is gone."""
        with self._guard:
            known = self._revisions.get(uid)
        if known is None or known[0] != base_version:
            live = self._fetch(uid)
            with self._guard:
                known = self._revisions.get(uid)
            if live is None or known is None or known[0] != base_version:
                raise VersionConflictError(409, "PUT", f"{self.display_url}{self._path(uid)}")
        return known[1]

    def delete(self, uid: str) -> bool:
        """``DELETE``, never retried here (the caller reads again after a lost answer).
        False when it was not there (404)."""
        try:
            self.client.delete(self._path(uid), retry=NO_RETRY)
        except NotFoundError:
            return False
        with self._guard:
            self._revisions.pop(uid, None)
        self.listed.drop(uid)
        return True

    # -- folders -----------------------------------------------------------------------

    def get_folder(self, uid: str) -> dict[str, Any] | None:
        return self.folders.get_folder(uid)

    def folder_exists(self, uid: str) -> bool:
        """A folder a listed dashboard is in exists (no request); else it is read."""
        if uid in self.listed.folders:
            return True
        return self.folders.folder_exists(uid)

    def create_folder(self, uid: str, title: str, parent_uid: str | None = None) -> Any:
        return self.folders.create_folder(uid, title, parent_uid)

    def claim_folder(self, uid: str, title: str) -> dict[str, Any] | None:
        return self.folders.claim_folder(uid, title)

    def update_folder(self, uid: str, title: str, version: int) -> dict[str, Any]:
        return self.folders.update_folder(uid, title, version)

    def folder_info(self, uid: str) -> FolderInfo | None:
        return self.folders.folder_info(uid)

    def folder_is_empty(self, uid: str) -> bool:
        return self.folders.folder_is_empty(uid)

    def delete_folder(self, uid: str) -> bool:
        self.listed.folders.discard(uid)
        return self.folders.delete_folder(uid)

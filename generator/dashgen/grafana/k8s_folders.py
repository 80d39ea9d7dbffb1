"""The folder calls on ``/apis/folder.grafana.app/<v>/namespaces/<ns>/folders``
(grafana-apis.md §5), for ``K8sDashboards`` (``dashgen.grafana.k8s``).

Folders answer as the classic folder dicts the publisher and the publish lock know
(``uid``, ``title``, ``version``, ``createdBy``, ``managedBy``), with ``version`` =
``metadata.generation``. An update is sent with the ``resourceVersion`` of the version it
is based on (409 Conflict → ``VersionConflictError``), and carries a fresh ``description``:
an identical re-PUT does not bump the generation (§3.3), and the publish lock's renewal
must move its version for waiters to see it alive. Writes other than an idempotent create
(fixed uid: a repeat answers 409 AlreadyExists) are never retried here. Whether a folder is
empty is asked of ``GET /api/folders/:uid/counts`` (the classic route that counts library
panels and alert rules too; the contract names no ``/apis`` equivalent).
"""

from __future__ import annotations

import secrets
import threading
from typing import Any
from urllib.parse import quote

from dashgen.errors import ConflictError, NotFoundError, VersionConflictError
from dashgen.grafana.backend import FolderInfo
from dashgen.grafana.classic_folders import ClassicFolders
from dashgen.grafana.client import NO_RETRY, GrafanaClient
from dashgen.grafana.k8s_shapes import (
    CREATED_BY_ANNOTATION,
    FOLDER_ANNOTATION,
    MANAGED_BY_ANNOTATION,
    OBJECT,
    annotations,
    generation,
    metadata,
    revision,
)

FOLDER_GROUP = "folder.grafana.app"


class K8sFolders:
    """One namespace's folders on ``/apis`` (``version``: e.g. ``v1``)."""

    def __init__(self, client: GrafanaClient, namespace: str, version: str) -> None:
        self.client = client
        self.version = version
        self.base = f"/apis/{FOLDER_GROUP}/{version}/namespaces/{namespace}/folders"
        self._classic = ClassicFolders()
        self._classic.client = client
        # uid → (generation, resourceVersion) of the latest answer: what an update is based on
        self._revisions: dict[str, tuple[int, str]] = {}
        self._guard = threading.Lock()

    def _path(self, uid: str) -> str:
        return f"{self.base}/{quote(uid, safe='')}"

    def _remember(self, item: dict[str, Any]) -> dict[str, Any]:
        uid = str(metadata(item)["name"])
        with self._guard:
            self._revisions[uid] = (generation(item), revision(item).resource_version)
        notes = annotations(item)
        return {
            "uid": uid,
            "title": str((item.get("spec") or {}).get("title") or ""),
            "version": generation(item),
            "parentUid": notes.get(FOLDER_ANNOTATION, ""),
            "createdBy": notes.get(CREATED_BY_ANNOTATION, ""),
            "managedBy": notes.get(MANAGED_BY_ANNOTATION, ""),
        }

    def get_folder(self, uid: str) -> dict[str, Any] | None:
        try:
            return self._remember(self.client.get(self._path(uid), expect=OBJECT))
        except NotFoundError:
            return None

    def folder_exists(self, uid: str) -> bool:
        return self.get_folder(uid) is not None

    def _body(
        self, uid: str, title: str, rv: str | None = None, parent_uid: str | None = None
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": uid}
        if parent_uid:  # a nested folder's parent (grafana-apis.md §5)
            meta["annotations"] = {FOLDER_ANNOTATION: parent_uid}
        spec: dict[str, Any] = {"title": title}
        if rv:  # an update: a fresh description moves the generation (see above)
            meta["resourceVersion"] = rv
            spec["description"] = f"dashgen {secrets.token_hex(4)}"
        return {
            "apiVersion": f"{FOLDER_GROUP}/{self.version}",
            "kind": "Folder",
            "metadata": meta,
            "spec": spec,
        }

    def create_folder(
        self, uid: str, title: str, parent_uid: str | None = None
    ) -> dict[str, Any] | None:
        """Create the folder in General (in ``parent_uid``: nested); fine when it exists
        already (a concurrent or lost-answer create: the fixed uid makes the client's
        retries safe). The folder as the classic dicts say it (``parentUid``)."""
        body = self._body(uid, title, parent_uid=parent_uid)
        try:
            return self._remember(self.client.post(self.base, json=body, expect=OBJECT))
        except ConflictError:
            found = self.get_folder(uid)
            if found is None:
                raise
            return found

    def claim_folder(self, uid: str, title: str) -> dict[str, Any] | None:
        """Create the folder; None when one with that uid exists already (409)."""
        try:
            created = self.client.post(
                self.base, json=self._body(uid, title), retry=NO_RETRY, expect=OBJECT
            )
        except ConflictError:
            return None
        return self._remember(created)

    def update_folder(self, uid: str, title: str, version: int) -> dict[str, Any]:
        """``PUT`` as the successor of generation ``version`` (its resourceVersion); raises
        ``VersionConflictError`` when the folder moved since (never retried blindly)."""
        with self._guard:
            known = self._revisions.get(uid)
        if known is None or known[0] != version:
            live = self.get_folder(uid)
            with self._guard:
                known = self._revisions.get(uid)
            if live is None or known is None or known[0] != version:
                raise VersionConflictError(
                    409, "PUT", f"{self.client.display_url}{self._path(uid)}"
                )
        body = self._body(uid, title, known[1])
        try:
            answer = self.client.request(
                "PUT", self._path(uid), json=body, retry=NO_RETRY, expect=OBJECT
            )
        except ConflictError as error:
            raise VersionConflictError.of(error) from None
        return self._remember(answer)

    def folder_info(self, uid: str) -> FolderInfo | None:
        folder = self.get_folder(uid)
        if folder is None:
            return None
        return FolderInfo(
            uid=folder["uid"],
            title=folder["title"],
            created_by=folder["createdBy"],
            managed=bool(folder["managedBy"]),
        )

    def folder_is_empty(self, uid: str) -> bool:
        return self._classic.folder_is_empty(uid)

    def delete_folder(self, uid: str) -> bool:
        """``DELETE`` (it deletes what the folder holds: check first), never retried here.
        False when it was not there."""
        try:
            self.client.delete(self._path(uid), retry=NO_RETRY)
        except NotFoundError:
            return False
        with self._guard:
            self._revisions.pop(uid, None)
        return True

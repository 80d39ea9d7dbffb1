"""The folder calls of the classic API (``/api/folders``, grafana-api.md §5), for
``ClassicDashboards`` (``dashgen.grafana.classic``): ensuring folders, the publish lock's
folder (``dashgen.publish.lock``), and deleting the folders prune emptied.

Deletes are never retried here: a lost answer is followed by a read (the caller decides),
never by a second DELETE that could remove what another publisher created meanwhile under
the same uid. A 404 on delete is success (False: it was not there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from dashgen.errors import (
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
    VersionConflictError,
)
from dashgen.grafana.backend import FolderInfo
from dashgen.grafana.classic_shapes import DELETED, FOLDER, FOLDER_COUNTS, SEARCH_HITS
from dashgen.grafana.client import NO_RETRY, GrafanaClient


def uid_path(uid: str) -> str:
    return quote(uid, safe="")


class ClassicFolders:
    """One org's folders through the classic API (the client's token's org)."""

    client: GrafanaClient

    def get_folder(self, uid: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.get(f"/api/folders/{uid_path(uid)}", expect=FOLDER))
        except NotFoundError:
            return None

    def folder_exists(self, uid: str) -> bool:
        return self.get_folder(uid) is not None

    def create_folder(
        self, uid: str, title: str, parent_uid: str | None = None
    ) -> dict[str, Any] | None:
        """Create the folder (in ``parent_uid``: a nested folder, §5); fine when a
        concurrent (or lost-answer) create made it already. The folder as Grafana answers
        (a Grafana without nested folders answers one without ``parentUid``).

        A fixed uid makes the create idempotent in effect (a repeat answers 409), so the
        client's normal retries are safe here.
        """
        body = {"uid": uid, "title": title}
        if parent_uid:
            body["parentUid"] = parent_uid
        try:
            return dict(self.client.post("/api/folders", json=body, expect=FOLDER))
        except ConflictError:
            # Fine if the folder is there now; otherwise (e.g. same title in General on
            # Grafana <= 11.2) the 409 is the answer.
            found = self.get_folder(uid)
            if found is None:
                raise
            return found

    def claim_folder(self, uid: str, title: str) -> dict[str, Any] | None:
        """Create the folder; None when one with that uid exists already (409)."""
        try:
            return dict(
                self.client.post("/api/folders", json={"uid": uid, "title": title}, expect=FOLDER)
            )
        except ConflictError:
            return None

    def update_folder(self, uid: str, title: str, version: int) -> dict[str, Any]:
        """``PUT /api/folders/:uid`` as the successor of ``version`` (never retried blindly);
        raises ``VersionConflictError`` when the folder's version moved."""
        body = {"title": title, "version": version, "overwrite": False}
        try:
            return dict(
                self.client.request(
                    "PUT",
                    f"/api/folders/{uid_path(uid)}",
                    json=body,
                    retry=NO_RETRY,
                    expect=FOLDER,
                )
            )
        except (PreconditionFailedError, ConflictError) as error:
            raise VersionConflictError.of(error) from None

    def folder_info(self, uid: str) -> FolderInfo | None:
        """Who created the folder and whether another tool manages it (None: no folder)."""
        folder = self.get_folder(uid)
        if folder is None:
            return None
        return FolderInfo(
            uid=str(folder.get("uid") or uid),
            title=str(folder.get("title") or ""),
            created_by=str(folder.get("createdBy") or ""),
            managed=bool(folder.get("managedBy")),
        )

    def folder_is_empty(self, uid: str) -> bool:
        """No dashboard, subfolder, library panel or alert rule below the folder (deleting a
        folder deletes all of it). ``GET /api/folders/:uid/counts`` (the database's counts);
        a Grafana without that route is asked through search (dashboards and subfolders)."""
        try:
            counts = self.client.get(f"/api/folders/{uid_path(uid)}/counts", expect=FOLDER_COUNTS)
        except NotFoundError:
            counts = None
        if isinstance(counts, Mapping):
            return not any(isinstance(n, int) and n > 0 for n in counts.values())
        hits = self.client.get(
            "/api/search", params={"folderUIDs": uid, "limit": 1}, expect=SEARCH_HITS
        )
        return not hits

    def delete_folder(self, uid: str) -> bool:
        """``DELETE /api/folders/:uid`` (it deletes what the folder holds: check first),
        never retried here. False when it was not there."""
        try:
            self.client.delete(f"/api/folders/{uid_path(uid)}", retry=NO_RETRY, expect=DELETED)
        except NotFoundError:
            return False
        return True

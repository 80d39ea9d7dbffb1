"""Library elements (library panels): the records behind ``/api/library-elements``.

Only what dashgen reads: an element by uid, in the org of the caller. Callers hold
``state.lock``. Shapes follow Grafana's library element API docs (``GET
/api/library-elements/:uid`` answers ``{"result": {...}}``; a missing element is 404
``{"message": "library element could not be found"}``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from dashgen.testing.model import now_iso
from dashgen.testing.state import State
from dashgen.testing.wire import message

PANEL_KIND = 1
NOT_FOUND = "library element could not be found"


@dataclass
class LibraryElement:
    id: int
    uid: str
    org_id: int
    folder_uid: str | None
    name: str
    kind: int
    model: dict[str, Any]
    created: str
    created_by: str
    version: int = 1

    def dto(self, folder_title: str | None, folder_id: int) -> dict[str, Any]:
        user = {"id": 1, "name": self.created_by, "avatarUrl": "/avatar/0"}
        return {
            "id": self.id,
            "orgId": self.org_id,
            "folderId": folder_id,
            "folderUid": self.folder_uid or "",
            "uid": self.uid,
            "name": self.name,
            "kind": self.kind,
            "type": str(self.model.get("type") or ""),
            "description": str(self.model.get("description") or ""),
            "model": copy.deepcopy(self.model),
            "version": self.version,
            "meta": {
                "folderName": folder_title or "General",
                "folderUid": self.folder_uid or "",
                "connectedDashboards": 0,
                "created": self.created,
                "updated": self.created,
                "createdBy": user,
                "updatedBy": user,
            },
        }


def create_panel(
    state: State,
    org_id: int,
    uid: str,
    name: str,
    model: dict[str, Any],
    *,
    folder_uid: str | None = None,
    created_by: str = "admin",
) -> LibraryElement:
    if any(
        e.org_id == org_id and (e.uid == uid or (e.name == name and e.folder_uid == folder_uid))
        for e in state.library_elements.values()
    ):
        raise message(400, "library element with that name or UID already exists")
    element = LibraryElement(
        id=len(state.library_elements) + 1,
        uid=uid,
        org_id=org_id,
        folder_uid=folder_uid,
        name=name,
        kind=PANEL_KIND,
        model={**copy.deepcopy(model), "libraryPanel": {"uid": uid, "name": name}},
        created=now_iso(),
        created_by=created_by,
    )
    state.library_elements[(org_id, uid)] = element
    return element


def get(state: State, org_id: int, uid: str) -> LibraryElement:
    element = state.library_elements.get((org_id, uid))
    if element is None:
        raise message(404, NOT_FOUND)
    return element

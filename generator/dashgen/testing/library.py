"""Library elements (library panels and variables): the records behind
``/api/library-elements``, in the org of the caller. Callers hold ``state.lock``. Shapes
follow Grafana's library element API docs and ``pkg/services/libraryelements`` (``GET
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

PANEL_KIND, VARIABLE_KIND = 1, 2
NOT_FOUND = "library element could not be found"
EXISTS = "library element with that name or UID already exists"


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
    updated: str = ""  # "": never changed since it was created
    updated_by: str = ""

    def dto(self, folder_title: str | None, folder_id: int) -> dict[str, Any]:
        user = {"id": 1, "name": self.created_by, "avatarUrl": "/avatar/0"}
        editor = {"id": 1, "name": self.updated_by or self.created_by, "avatarUrl": "/avatar/0"}
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
                "updated": self.updated or self.created,
                "createdBy": user,
                "updatedBy": editor,
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
    model = {**copy.deepcopy(model), "libraryPanel": {"uid": uid, "name": name}}
    return create(state, org_id, uid, name, model, PANEL_KIND, folder_uid, created_by)


def taken(state: State, org_id: int, uid: str, name: str, folder_uid: str | None) -> bool:
    """The store's unique keys: (org, uid) and (org, folder, name, kind)."""
    return any(
        e.org_id == org_id and (e.uid == uid or (e.name == name and e.folder_uid == folder_uid))
        for e in state.library_elements.values()
    )


def create(
    state: State,
    org_id: int,
    uid: str,
    name: str,
    model: dict[str, Any],
    kind: int,
    folder_uid: str | None,
    created_by: str,
) -> LibraryElement:
    if taken(state, org_id, uid, name, folder_uid):
        raise message(400, EXISTS)
    element = LibraryElement(
        id=max((e.id for e in state.library_elements.values()), default=0) + 1,
        uid=uid,
        org_id=org_id,
        folder_uid=folder_uid,
        name=name,
        kind=kind,
        model=copy.deepcopy(model),
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


CONNECT_FAILED = "Error while connecting library panels"


def connect(state: State, org_id: int, dashboard: Any) -> None:
    """After a classic save, as ``postDashboard`` does once the dashboard is stored
    (``ConnectLibraryPanelsForDashboard``, pkg/services/librarypanels/librarypanels.go):
    every ``libraryPanel`` of the panels, row panels' own included, must name an element of
    the org, else 500 ``Error while connecting library panels`` (the dashboard stays saved).
    A ``libraryPanel`` without a uid fails the same way (``errLibraryPanelHeaderUIDMissing``)."""
    panels = dashboard.get("panels") if isinstance(dashboard, dict) else None
    for uid in _library_uids(panels if isinstance(panels, list) else []):
        if not uid or (org_id, uid) not in state.library_elements:
            raise message(500, CONNECT_FAILED)


def _library_uids(panels: list[Any]) -> list[str]:
    uids: list[str] = []
    for panel in panels:
        if not isinstance(panel, dict):
            continue
        if panel.get("type") == "row":
            inner = panel.get("panels")
            uids.extend(_library_uids(inner if isinstance(inner, list) else []))
        elif panel.get("libraryPanel") is not None:
            header = panel["libraryPanel"]
            uid = header.get("uid") if isinstance(header, dict) else None
            uids.append(uid if isinstance(uid, str) else "")
    return uids

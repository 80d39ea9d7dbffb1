"""Creating and deleting folders (contract §5). Callers hold ``state.lock``."""

from __future__ import annotations

from dashgen.testing.dashboards import validate_uid
from dashgen.testing.model import Folder, now_iso, slugify
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.state import State
from dashgen.testing.wire import dashboard_error, message


def create_folder(
    state: State,
    profile: GrafanaProfile,
    org_id: int,
    title: str,
    *,
    uid: str | None = None,
    description: str = "",
    parent_uid: str | None = None,
    created_by: str = "admin",
) -> Folder:
    """Create a folder (callers hold ``state.lock``); raises ``ApiError`` as Grafana answers."""
    title = title.strip()
    if not title:
        raise message(400, "folder title cannot be empty")
    uid = uid or state.new_uid()
    if uid == "general":
        raise message(400, "uid contains illegal characters")
    validate_uid(uid)
    if state.folder(org_id, uid) is not None or state.dashboard(org_id, uid) is not None:
        raise message(409, "a folder/dashboard with the same uid already exists")
    if parent_uid and state.folder(org_id, parent_uid) is None:
        raise dashboard_error(404, "not-found", "folder not found")
    if profile.unique_titles and parent_uid is None and _title_taken(state, org_id, title):
        raise message(
            409, "a folder or dashboard in the general folder with the same name already exists"
        )
    stamp = now_iso()
    folder = Folder(
        id=state.next_dashboard_id(),
        uid=uid,
        org_id=org_id,
        title=title,
        description=description,
        parent_uid=parent_uid or None,
        created=stamp,
        updated=stamp,
        created_by=created_by,
        updated_by=created_by,
    )
    state.folders[(org_id, uid)] = folder
    return folder


def _title_taken(state: State, org_id: int, title: str) -> bool:
    slug = slugify(title)
    in_root = [f.title for f in state.folders.values() if f.org_id == org_id and not f.parent_uid]
    in_root += [
        d.title for d in state.dashboards.values() if d.org_id == org_id and d.folder_uid is None
    ]
    return any(slugify(t) == slug for t in in_root)


def delete_folder(state: State, folder: Folder) -> None:
    """Delete the folder with its subfolders and every dashboard inside them."""
    doomed = _subtree(state, folder)
    for uid in doomed:
        del state.folders[(folder.org_id, uid)]
    for key, dashboard in list(state.dashboards.items()):
        if dashboard.org_id == folder.org_id and dashboard.folder_uid in doomed:
            del state.dashboards[key]


def _subtree(state: State, root: Folder) -> set[str]:
    uids = {root.uid}
    grew = True
    while grew:
        children = {
            f.uid
            for f in state.folders.values()
            if f.org_id == root.org_id and f.parent_uid in uids
        }
        grew = not children <= uids
        uids |= children
    return uids

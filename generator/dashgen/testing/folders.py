"""Creating, updating, moving and deleting folders (contract §5, §14.9). Callers hold
``state.lock``."""

from __future__ import annotations

from dashgen.testing import k8s_meta, permissions
from dashgen.testing.auth import Identity
from dashgen.testing.dashboards import validate_uid
from dashgen.testing.model import Folder, now_iso, slugify
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.state import State
from dashgen.testing.wire import ApiError, dashboard_error, errutil, message

# Levels of folders, the root-level folder being level 1 (MaxNestedFolderDepth: "4 levels
# below the root"; the 11.x and 12.x code paths differ by one here, see docs/emulator.md).
MAX_DEPTH = 4
RESERVED_UIDS = ("general", "sharedwithme")
ROOT_FOLDER_NAME = "General"


def access_denied() -> ApiError:
    return message(403, "Access denied")


def depth_reached() -> ApiError:
    body = {
        "messageId": "folder.maximum-depth-reached",
        "message": "Maximum nested folder depth reached",
    }
    return ApiError(400, body)


def refuse_root_title(title: str) -> None:
    """A folder may not be titled like the root, "General" in any case (the folder service's
    ``strings.EqualFold(title, dashboards.RootFolderName)``: ErrDashboardFolderNameExists)."""
    if title.strip().casefold() == ROOT_FOLDER_NAME.casefold():
        raise message(400, "A folder with that name already exists")


def not_found() -> ApiError:
    return dashboard_error(404, "not-found", "folder not found")


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
    identity: Identity | None = None,
) -> Folder:
    """Create a folder; raises ``ApiError`` as Grafana's folder service answers.
    ``identity`` None: seeding (as the admin, no permission checks)."""
    if not profile.nested_folders:
        parent_uid = None  # the parent is ignored, not refused (see GrafanaProfile)
    parent = state.folder(org_id, parent_uid) if parent_uid else None
    if parent_uid and parent is None:
        raise not_found()
    if (
        parent is not None
        and identity is not None
        and permissions.folder_level(state, identity, org_id, parent.uid) < permissions.EDIT
    ):
        raise access_denied()
    uid = (uid or "").strip()
    if uid in RESERVED_UIDS:
        raise message(400, "invalid uid for folder provided")
    title = title.strip()
    if not title:
        raise message(400, "folder title cannot be empty")
    if profile.general_title_reserved:
        refuse_root_title(title)
    uid = uid or state.new_uid()
    validate_uid(uid)
    if state.folder(org_id, uid) is not None or state.dashboard(org_id, uid) is not None:
        raise message(409, "a folder/dashboard with the same uid already exists")
    if profile.unique_titles and parent is None and _title_taken(state, org_id, title):
        raise message(
            409, "a folder or dashboard in the general folder with the same name already exists"
        )
    if parent is not None and len(parents(state, parent)) + 1 >= MAX_DEPTH:
        raise depth_reached()
    stamp = now_iso()
    folder = Folder(
        id=state.next_dashboard_id(),
        uid=uid,
        org_id=org_id,
        title=title,
        description=description,
        parent_uid=parent.uid if parent else None,
        created=stamp,
        updated=stamp,
        created_by=created_by,
        updated_by=created_by,
        acl=permissions.default_acl(permissions.creator_id(identity), at_root=parent is None),
    )
    touch(state, folder, identity, created_by)
    state.folders[(org_id, uid)] = folder
    return folder


def touch(
    state: State, folder: Folder, identity: Identity | None, login: str | None = None
) -> None:
    """A write of ``folder``: its /apis resourceVersion and updatedBy (grafana-apis.md §5)."""
    ref = k8s_meta.identity_ref(state, identity, login)
    k8s_meta.stamp(state, folder, ref, state.next_resource_version())


def parents(state: State, folder: Folder) -> list[Folder]:
    """The folder's ancestors, the root-level one first (a broken chain just stops)."""
    chain: list[Folder] = []
    current = folder
    while current.parent_uid:
        parent = state.folder(folder.org_id, current.parent_uid)
        if parent is None or parent in chain:
            break
        chain.insert(0, parent)
        current = parent
    return chain


def _height(state: State, folder: Folder) -> int:
    """Levels of subfolders below ``folder`` (0 for a folder without subfolders)."""
    level, frontier = 0, {folder.uid}
    in_org = [f for f in state.folders.values() if f.org_id == folder.org_id]
    while True:
        below = {f.uid for f in in_org if f.parent_uid in frontier}
        if not below:
            return level
        level += 1
        frontier = below


def refuse_taken_title(state: State, profile: GrafanaProfile, folder: Folder, title: str) -> None:
    """≤11.2: renaming a root-level folder onto the title of another root-level folder or
    dashboard is refused as creating one is (the update saves through the same
    ValidateDashboardBeforeSave)."""
    if (
        profile.unique_titles
        and folder.parent_uid is None
        and slugify(title) != folder.slug
        and _title_taken(state, folder.org_id, title, besides=folder)
    ):
        raise message(
            409, "a folder or dashboard in the general folder with the same name already exists"
        )


def _title_taken(state: State, org_id: int, title: str, besides: Folder | None = None) -> bool:
    slug = slugify(title)
    in_root = [
        f.title
        for f in state.folders.values()
        if f.org_id == org_id and not f.parent_uid and f is not besides
    ]
    in_root += [
        d.title for d in state.dashboards.values() if d.org_id == org_id and d.folder_uid is None
    ]
    return any(slugify(t) == slug for t in in_root)


def move_folder(state: State, identity: Identity, folder: Folder, new_parent_uid: str) -> None:
    """``POST /api/folders/:uid/move`` (folder service ``Move``): access, depth, cycles."""
    org_id = folder.org_id
    parent = state.folder(org_id, new_parent_uid) if new_parent_uid else None
    if new_parent_uid:
        if permissions.folder_level(state, identity, org_id, new_parent_uid) < permissions.EDIT:
            raise access_denied()
        if parent is None:
            raise not_found()
    elif permissions.level_anywhere(state, identity, org_id) < permissions.EDIT:
        raise access_denied()  # moving to the root needs folders:create
    ancestors = [*parents(state, parent), parent] if parent is not None else []
    if _height(state, folder) + len(ancestors) + 1 > MAX_DEPTH:
        raise depth_reached()
    if folder in ancestors:
        raise errutil(400, "folder.circular-reference", "Circular reference detected")
    folder.parent_uid = parent.uid if parent else None
    folder.version += 1
    folder.updated = now_iso()
    folder.updated_by = identity.saved_by
    touch(state, folder, identity)


def rename_uid(state: State, folder: Folder, new_uid: str) -> None:
    """Give ``folder`` a new uid; its dashboards and subfolders follow."""
    validate_uid(new_uid)
    if new_uid in RESERVED_UIDS:
        raise message(400, "invalid uid for folder provided")
    org_id = folder.org_id
    if state.folder(org_id, new_uid) is not None or state.dashboard(org_id, new_uid) is not None:
        raise message(409, "a folder/dashboard with the same uid already exists")
    old = folder.uid
    del state.folders[(org_id, old)]
    folder.uid = new_uid
    state.folders[(org_id, new_uid)] = folder
    for other in state.folders.values():
        if other.org_id == org_id and other.parent_uid == old:
            other.parent_uid = new_uid
    for dashboard in state.dashboards.values():
        if dashboard.org_id == org_id and dashboard.folder_uid == old:
            dashboard.folder_uid = new_uid


def delete_folder(state: State, folder: Folder) -> None:
    """Delete the folder with its subfolders and every dashboard inside them."""
    doomed = _subtree(state, folder)
    for uid in doomed:
        del state.folders[(folder.org_id, uid)]
    for key, dashboard in list(state.dashboards.items()):
        if dashboard.org_id == folder.org_id and dashboard.folder_uid in doomed:
            del state.dashboards[key]


def descendant_counts(state: State, folder: Folder) -> dict[str, int]:
    """``GET /api/folders/:uid/counts`` (``GetDescendantCounts``): what lies below the folder,
    subfolders at any depth included, per kind. Alert rules are not emulated (always 0).
    The keys are the registry kinds (``folder``, ``dashboard``, ``librarypanel``,
    ``alertrule``: the exact set per release is UNCONFIRMED)."""
    below = _subtree(state, folder)
    org_id = folder.org_id
    return {
        "folder": len(below) - 1,
        "dashboard": sum(
            1 for d in state.dashboards.values() if d.org_id == org_id and d.folder_uid in below
        ),
        "librarypanel": sum(
            1
            for e in state.library_elements.values()
            if e.org_id == org_id and e.folder_uid in below
        ),
        "alertrule": 0,
    }


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

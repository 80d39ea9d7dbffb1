"""Dashboard and folder permissions (grafana-api.md §14.12; Grafana's managed permissions).

Every dashboard and folder carries its own entries (user, or basic role, → View 1 / Edit 2
/ Admin 4). A new one gets Admin for the user or service account that created it and, at
the root, ``Editor: Edit`` and ``Viewer: View`` (``setDefaultPermissions``); one inside a
folder inherits that folder's entries (up the chain). A role entry also applies to the
roles above it (``BuiltInRolesWithParents``). Org Admins have Admin everywhere; the
General folder grants nothing but creation (Editors may create dashboards and folders
there). Callers hold ``state.lock``.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing.auth import API_KEY, Identity
from dashgen.testing.model import AclEntry, Dashboard, Folder, gravatar_url, now_iso
from dashgen.testing.state import ADMIN_USER_ID, State
from dashgen.testing.wire import rbac_denied

NONE, VIEW, EDIT, ADMIN = 0, 1, 2, 4
NAMES = {VIEW: "View", EDIT: "Edit", ADMIN: "Admin"}
_ROLES_COVERED = {
    "Admin": ("Admin", "Editor", "Viewer"),
    "Editor": ("Editor", "Viewer"),
    "Viewer": ("Viewer",),
}


def creator_id(identity: Identity | None) -> int | None:
    """Who gets Admin on what ``identity`` creates: a user or service account (None: seeding,
    done as the admin user); legacy API keys are not users and get nothing."""
    if identity is None:
        return ADMIN_USER_ID
    return None if identity.kind == API_KEY else identity.id


def default_acl(creator: int | None, *, at_root: bool) -> list[AclEntry]:
    """What Grafana grants on a new dashboard or folder (``creator``: a user id)."""
    stamp = now_iso()
    entries = []
    if creator is not None:
        entries.append(AclEntry(user_id=creator, role=None, permission=ADMIN, created=stamp))
    if at_root:
        entries.append(AclEntry(user_id=None, role="Editor", permission=EDIT, created=stamp))
        entries.append(AclEntry(user_id=None, role="Viewer", permission=VIEW, created=stamp))
    return entries


def _matches(entry: AclEntry, identity: Identity) -> bool:
    if entry.user_id is not None:
        return identity.kind != API_KEY and entry.user_id == identity.id
    return entry.role in _ROLES_COVERED.get(identity.role or "", ())


def _own_level(entries: list[AclEntry], identity: Identity) -> int:
    return max((e.permission for e in entries if _matches(e, identity)), default=NONE)


def _member(identity: Identity, org_id: int) -> bool:
    return identity.org_id == org_id and org_id > 0


def folder_level(state: State, identity: Identity, org_id: int, uid: str | None) -> int:
    """The caller's permission on folder ``uid`` (None: General) in ``org_id``."""
    if not _member(identity, org_id):
        return NONE
    if identity.role == "Admin":
        return ADMIN
    if uid is None:
        return EDIT if identity.role == "Editor" else NONE
    level, seen = NONE, set()
    while uid and uid not in seen:
        seen.add(uid)
        folder = state.folder(org_id, uid)
        if folder is None:
            break
        level = max(level, _own_level(folder.acl, identity))
        uid = folder.parent_uid
    return level


def dashboard_level(state: State, identity: Identity, dashboard: Dashboard) -> int:
    if not _member(identity, dashboard.org_id):
        return NONE
    if identity.role == "Admin":
        return ADMIN
    inherited = (
        folder_level(state, identity, dashboard.org_id, dashboard.folder_uid)
        if dashboard.folder_uid
        else NONE
    )
    return max(_own_level(dashboard.acl, identity), inherited)


def level_anywhere(state: State, identity: Identity, org_id: int, minimum: int = EDIT) -> int:
    """The caller's permission "on any scope", as far as ``minimum`` matters: route
    middleware such as ``any(dashboards:create, dashboards:write)`` asks whether the caller
    holds the action anywhere. Basic roles answer at once; others need an entry somewhere."""
    if not _member(identity, org_id):
        return NONE
    basic = {"Admin": ADMIN, "Editor": EDIT}.get(identity.role or "", NONE)
    if basic >= minimum:
        return basic
    resources: list[Dashboard | Folder] = [
        *(d for d in state.dashboards.values() if d.org_id == org_id),
        *(f for f in state.folders.values() if f.org_id == org_id),
    ]
    return max([basic, *(_own_level(r.acl, identity) for r in resources)])


def set_entries(
    state: State, org_id: int, current: list[AclEntry], items: list[dict[str, Any]]
) -> list[AclEntry] | None:
    """The entries after ``POST …/permissions`` (``updateDashboardAccessControl``): the items
    given replace the list; None when an item names no one Grafana can grant to (a missing
    user, a team, a role that is not a basic role), which Grafana answers with a 500."""
    stamp = now_iso()
    chosen: dict[tuple[str, Any], AclEntry] = {}
    for item in items:
        role = item.get("role")
        if item["teamId"]:
            return None  # the emulator has no teams
        if item["userId"]:
            if not _principal_exists(state, org_id, item["userId"]):
                return None
            key: tuple[str, Any] = ("user", item["userId"])
        elif role in _ROLES_COVERED:
            key = ("role", role)
        else:
            return None
        if item["permission"] not in NAMES:
            chosen.pop(key, None)  # an unknown permission maps to "" : removed
            continue
        old = next((e for e in current if _key(e) == key), None)
        chosen[key] = AclEntry(
            user_id=item["userId"] or None,
            role=None if item["userId"] else role,
            permission=item["permission"],
            created=old.created if old else stamp,
            updated=stamp,
        )
    return list(chosen.values())


def _key(entry: AclEntry) -> tuple[str, Any]:
    return ("user", entry.user_id) if entry.user_id is not None else ("role", entry.role)


def _principal_exists(state: State, org_id: int, user_id: int) -> bool:
    if user_id in state.users:
        return state.role_in(org_id, user_id) is not None
    account = state.service_accounts.get(user_id)
    return account is not None and account.org_id == org_id


def _login(state: State, user_id: int) -> tuple[str, str]:
    """Login and email; a service account's email is its login (``CreateServiceAccount``:
    ``cmd.Email = cmd.Login``)."""
    user = state.users.get(user_id)
    if user is not None:
        return user.login, user.email
    account = state.service_accounts.get(user_id)
    return (account.login, account.login) if account else ("", "")


def acl_dto(state: State, resource: Dashboard | Folder, entry: AclEntry) -> dict[str, Any]:
    """One item of ``GET …/permissions`` (``DashboardACLInfoDTO``, in its field order).

    A folder's items carry ``folderId`` (``GetFolderPermissionList`` sets it to the folder's
    id) and, for a nested folder only, ``folderUid`` (``getFolderACL`` fills it with the
    folder's *parent* uid; omitempty); a dashboard's carry ``dashboardId``. Every item's
    ``userAvatarUrl`` is ``GetGravatarUrl(userEmail)``: "" when there is no email.
    """
    login, email = _login(state, entry.user_id) if entry.user_id is not None else ("", "")
    is_folder = isinstance(resource, Folder)
    dto: dict[str, Any] = {}
    if isinstance(resource, Folder):
        dto["folderId"] = resource.id
        if resource.parent_uid:
            dto["folderUid"] = resource.parent_uid
    else:
        dto["dashboardId"] = resource.id
    dto |= {
        "created": entry.created,
        "updated": entry.updated or entry.created,
        "userId": entry.user_id or 0,
        "userLogin": login,
        "userEmail": email,
        "userAvatarUrl": gravatar_url(email),
        "teamId": 0,
        "teamEmail": "",
        "teamAvatarUrl": "",
        "team": "",
    }
    if entry.role is not None:
        dto["role"] = entry.role
    return dto | {
        "permission": entry.permission,
        "permissionName": NAMES[entry.permission],
        "uid": resource.uid,
        "title": resource.title,
        "slug": "" if is_folder else resource.slug,
        "isFolder": is_folder,
        "url": resource.url,
        "inherited": False,
    }


def require(state: State, level: int, minimum: int, evaluator: str) -> None:
    """The RBAC middleware's answer for a scoped action: the 403 deny body below ``minimum``."""
    if level < minimum:
        raise rbac_denied(evaluator, state.access_error_id())


def require_member(state: State, identity: Identity, evaluator: str) -> None:
    """A caller in no org (a user naming an org they are not in) is denied everything."""
    if identity.org_id < 0:
        raise rbac_denied(evaluator, state.access_error_id())

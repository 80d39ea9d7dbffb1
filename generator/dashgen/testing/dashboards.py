"""Saving dashboards: the checks and versioning of ``POST /api/dashboards/db`` (contract §2).

Callers hold ``state.lock``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dashgen.testing.model import Dashboard, Folder, VersionRecord, now_iso, slugify
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.state import State
from dashgen.testing.wire import dashboard_error, message

_UID_CHARS = re.compile(r"^[a-zA-Z0-9\-_]*$")
MAX_UID_LENGTH = 40
MAX_TITLE_LENGTH = 5000
MAX_MESSAGE_LENGTH = 500


@dataclass(frozen=True)
class SaveCommand:
    org_id: int
    dashboard: dict[str, Any]
    saved_by: str
    folder_uid: str | None = None
    folder_id: int | None = None
    overwrite: bool = False
    message: str = ""


def validate_uid(uid: str) -> None:
    if not _UID_CHARS.match(uid):
        raise message(400, "uid contains illegal characters")
    if len(uid) > MAX_UID_LENGTH:
        raise message(400, "uid too long, max 40 characters")


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int | float):
        return int(value)
    try:
        return int(str(value))
    except ValueError:
        return 0


def resolve_folder(state: State, cmd: SaveCommand) -> Folder | None:
    if cmd.folder_uid:
        folder = state.folder(cmd.org_id, cmd.folder_uid)
        if folder is None:
            raise message(400, "folder not found")
        return folder
    if cmd.folder_id:
        folder = state.folder_by_id(cmd.org_id, cmd.folder_id)
        if folder is None:
            raise message(404, "Folder not found")
        return folder
    return None


def _validate_fields(cmd: SaveCommand) -> tuple[str, str]:
    title = str(cmd.dashboard.get("title") or "").strip()
    if not title:
        raise dashboard_error(400, "empty-name", "Dashboard title cannot be empty")
    if len(title) > MAX_TITLE_LENGTH:
        raise dashboard_error(
            400, "title-too-long", "Dashboard title cannot contain more than 5 000 characters"
        )
    if len(cmd.message) > MAX_MESSAGE_LENGTH:
        raise message(400, "message too long, max 500 characters")
    uid = cmd.dashboard.get("uid")
    uid = str(uid) if uid not in (None, "") else ""
    validate_uid(uid)
    return title, uid


def _find_existing(
    state: State, profile: GrafanaProfile, cmd: SaveCommand, uid: str
) -> Dashboard | None:
    dashboard_id = _as_int(cmd.dashboard.get("id"))
    by_uid = state.dashboard(cmd.org_id, uid) if uid else None
    if uid and by_uid is None and state.folder(cmd.org_id, uid) is not None:
        raise message(400, "Dashboard cannot be changed to a folder")
    if not dashboard_id:
        return by_uid
    by_id = state.dashboard_by_id(cmd.org_id, dashboard_id)
    if by_id is None:
        raise dashboard_error(404, "not-found", "Dashboard not found")
    if by_uid is not None and by_uid is not by_id:
        raise message(400, "A dashboard with the same uid already exists")
    if uid and by_uid is None and not profile.id_with_new_uid_renames:
        return None  # 12.x saves by uid and creates a new dashboard
    return by_id


def _check_version(profile: GrafanaProfile, cmd: SaveCommand, existing: Dashboard) -> None:
    if cmd.overwrite or _as_int(cmd.dashboard.get("version")) == existing.version:
        return
    if profile.stale_save_status == 409:
        raise message(409, "Dashboard already exists")
    raise dashboard_error(412, "version-mismatch", "The dashboard has been changed by someone else")


def _same_name(
    state: State, cmd: SaveCommand, title: str, folder_uid: str | None, existing: Dashboard | None
) -> Dashboard | None:
    """≤11.2 name uniqueness: a same-slug dashboard or root folder in the target folder."""
    slug = slugify(title)
    if folder_uid is None and any(
        f.org_id == cmd.org_id and f.parent_uid is None and slugify(f.title) == slug
        for f in state.folders.values()
    ):
        raise message(400, "Dashboard name cannot be the same as folder")
    for other in state.dashboards.values():
        if (
            other.org_id == cmd.org_id
            and other.folder_uid == folder_uid
            and other.slug == slug
            and other is not existing
        ):
            return other
    return None


def save(state: State, profile: GrafanaProfile, cmd: SaveCommand) -> Dashboard:
    title, uid = _validate_fields(cmd)
    folder = resolve_folder(state, cmd)
    folder_uid = folder.uid if folder else None
    existing = _find_existing(state, profile, cmd, uid)
    if existing is not None:
        _check_version(profile, cmd, existing)
    if profile.unique_titles:
        clash = _same_name(state, cmd, title, folder_uid, existing)
        if clash is not None:
            if not cmd.overwrite:
                raise dashboard_error(
                    412,
                    "name-exists",
                    "A dashboard with the same name in the folder already exists",
                )
            existing = clash  # overwrite takes over the same-named dashboard
    if existing is not None and uid and existing.uid != uid:
        del state.dashboards[(existing.org_id, existing.uid)]
        existing.uid = uid
    return _store(state, cmd, title, uid, folder_uid, existing)


def _store(
    state: State,
    cmd: SaveCommand,
    title: str,
    uid: str,
    folder_uid: str | None,
    existing: Dashboard | None,
) -> Dashboard:
    stamp = now_iso()
    if existing is None:
        existing = Dashboard(
            id=state.next_dashboard_id(),
            uid=uid or state.new_uid(),
            org_id=cmd.org_id,
            title=title,
            folder_uid=folder_uid,
            data={},
            version=0,
            created=stamp,
            updated=stamp,
            created_by=cmd.saved_by,
            updated_by=cmd.saved_by,
        )
    # The command holds a freshly parsed body and stored data is never mutated in place
    # (each save builds a new dict), so the version record can share it: no deep copies.
    data = dict(cmd.dashboard)
    data.update(id=existing.id, uid=existing.uid, version=existing.version + 1)
    data.pop("isFolder", None)
    previous = existing.version
    existing.title = title
    existing.folder_uid = folder_uid
    existing.data = data
    existing.version += 1
    existing.updated = stamp
    existing.updated_by = cmd.saved_by
    existing.versions.append(
        VersionRecord(
            id=state.next_version_id(),
            version=existing.version,
            parent_version=previous,
            message=cmd.message,
            created=stamp,
            created_by=cmd.saved_by,
            data=data,
        )
    )
    state.dashboards[(existing.org_id, existing.uid)] = existing
    return existing


def delete(state: State, org_id: int, uid: str) -> Dashboard:
    dashboard = state.dashboard(org_id, uid)
    if dashboard is None:
        if state.folder(org_id, uid) is not None:
            raise message(400, "Use folders endpoint for deleting folders.")
        raise message(404, "Dashboard not found")
    del state.dashboards[(org_id, uid)]
    return dashboard


def save_response(dashboard: Dashboard) -> dict[str, Any]:
    return {
        "status": "success",
        "slug": dashboard.slug,
        "version": dashboard.version,
        "id": dashboard.id,
        "uid": dashboard.uid,
        "url": dashboard.url,
        "folderUid": dashboard.folder_uid or "",
    }

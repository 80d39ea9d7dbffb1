"""Saving dashboards: the checks, rewrites and versioning of ``POST /api/dashboards/db`` (§2, §14).

Callers hold ``state.lock``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dashgen.testing import k8s_meta, permissions
from dashgen.testing.auth import Identity
from dashgen.testing.model import Dashboard, Folder, VersionRecord, now_iso, slugify
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.refresh import stored_refresh
from dashgen.testing.state import State
from dashgen.testing.wire import dashboard_error, message

_UID_CHARS = re.compile(r"^[a-zA-Z0-9\-_]*$")
MAX_UID_LENGTH = 40
MAX_TITLE_LENGTH = 5000
MAX_MESSAGE_LENGTH = 500


@dataclass(frozen=True)
class SaveCommand:
    """One save. ``dashboard`` is the decoded ``dashboard`` value as sent (any JSON);
    ``identity`` is who saves (None: seeding as the admin, no permission checks)."""

    org_id: int
    dashboard: Any
    saved_by: str
    identity: Identity | None = None
    folder_uid: str | None = None
    folder_id: int | None = None
    overwrite: bool = False
    message: str = ""
    restored_from: int = 0  # POST …/restore: the version whose data is saved again


@dataclass(frozen=True)
class _Parsed:
    """``NewDashboardFromJson`` plus the trims of ``BuildSaveDashboardCommand`` (§14.1, §14.2)."""

    data: dict[str, Any]
    title: str  # trimmed; "" when missing or not a string
    uid: str  # trimmed; "" when missing or not a string (a uid is then generated)
    id: int  # 0 when missing or not a number
    version: int  # 0 when missing, not a number, or neither id nor uid was given


def _number(value: Any) -> float | None:
    """simplejson's ``Float64()``: a JSON number, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def parse_dashboard(value: Any) -> _Parsed:
    data = dict(value) if isinstance(value, dict) else {}
    title = data.get("title")
    uid = data.get("uid")
    dashboard_id = _number(data.get("id"))
    version = _number(data.get("version"))
    names_one = dashboard_id is not None or isinstance(uid, str)
    return _Parsed(
        data=data,
        title=title.strip() if isinstance(title, str) else "",
        uid=uid.strip() if isinstance(uid, str) else "",
        id=int(dashboard_id) if dashboard_id is not None else 0,
        version=int(version) if version is not None and names_one else 0,
    )


def validate_uid(uid: str) -> None:
    if not _UID_CHARS.match(uid):
        raise message(400, "uid contains illegal characters")
    if len(uid) > MAX_UID_LENGTH:
        raise message(400, "uid too long, max 40 characters")


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


def _validate_fields(profile: GrafanaProfile, cmd: SaveCommand, parsed: _Parsed) -> None:
    """``ValidateBasicDashboardProperties``: the lengths are Go's ``len()``, UTF-8 bytes."""
    if not parsed.title:
        raise dashboard_error(400, "empty-name", "Dashboard title cannot be empty")
    if profile.save_length_limits and _utf8_length(parsed.title) > MAX_TITLE_LENGTH:
        raise dashboard_error(
            400, "title-too-long", "Dashboard title cannot contain more than 5 000 characters"
        )
    if profile.save_length_limits and _utf8_length(cmd.message) > MAX_MESSAGE_LENGTH:
        raise message(400, "message too long, max 500 characters")
    validate_uid(parsed.uid)


def _check_tags(profile: GrafanaProfile, tags: Any) -> None:
    """13.x stores through the dashboard API, whose ``validateDashboardTags`` refuses a tag
    over 50 bytes (grafana/grafana#116047; the classic body is UNCONFIRMED)."""
    if profile.max_tag_bytes and isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, str) and _utf8_length(tag) > profile.max_tag_bytes:
                raise message(400, "dashboard tag too long, max 50 characters")


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _check_version(
    profile: GrafanaProfile, cmd: SaveCommand, parsed: _Parsed, existing: Dashboard
) -> None:
    if cmd.overwrite or parsed.version == existing.version:
        return
    if profile.stale_save_status == 409:
        raise message(409, "Dashboard already exists")
    raise dashboard_error(412, "version-mismatch", "The dashboard has been changed by someone else")


def _find_existing(
    state: State, profile: GrafanaProfile, cmd: SaveCommand, parsed: _Parsed
) -> Dashboard | None:
    """``ValidateDashboardBeforeSave``: the row this save updates (None: a create), with the
    version check against it."""
    uid = parsed.uid
    by_uid = state.dashboard(cmd.org_id, uid) if uid else None
    if uid and by_uid is None and state.folder(cmd.org_id, uid) is not None:
        raise message(400, "Dashboard cannot be changed to a folder")
    if not parsed.id:
        if by_uid is not None:
            _check_version(profile, cmd, parsed, by_uid)
        return by_uid
    by_id = state.dashboard_by_id(cmd.org_id, parsed.id)
    if by_id is None:
        raise dashboard_error(404, "not-found", "Dashboard not found")
    if by_uid is not None and by_uid is not by_id:
        raise message(400, "A dashboard with the same uid already exists")
    # The version is checked against the row found by id, whatever happens next (§14.7).
    _check_version(profile, cmd, parsed, by_id)
    if uid and by_uid is None and not profile.id_with_new_uid_renames:
        return None  # 12.x saves by uid and creates a new dashboard
    return by_id


def _check_permission(
    state: State, cmd: SaveCommand, existing: Dashboard | None, folder_uid: str | None
) -> None:
    """The guardian's CanCreate (new, or moved to another folder) and CanSave (update)."""
    if cmd.identity is None:
        return
    denied = message(403, "Access denied to save dashboard")
    moved = existing is not None and existing.folder_uid != folder_uid
    creating_in = permissions.folder_level(state, cmd.identity, cmd.org_id, folder_uid)
    if (existing is None or moved) and creating_in < permissions.EDIT:
        raise denied
    if existing is not None and (
        permissions.dashboard_level(state, cmd.identity, existing) < permissions.EDIT
    ):
        raise denied


def _same_name(
    state: State, cmd: SaveCommand, title: str, folder_uid: str | None, existing: Dashboard | None
) -> Dashboard | None:
    """≤11.2 name uniqueness (``getExistingDashboardByTitleAndFolder``: ``slug=? AND
    (is_folder OR folder_id=?)``): a same-slug folder in General (the contract's "a folder
    title in General"), wherever the dashboard goes (grafana/grafana#15642: no dashboard
    ``foo`` in folder ``foo``), or a same-slug dashboard in the target folder. The query would
    match nested folders too (UNCONFIRMED with nested folders on; the contract says General)."""
    slug = slugify(title)
    if any(
        f.org_id == cmd.org_id and f.parent_uid is None and f.slug == slug
        for f in state.folders.values()
    ):
        # The contract's body (§2); a 9.x/10.x errors.go gives this error Status "name-match",
        # which would add "status" (UNCONFIRMED for 11.2, see docs/emulator.md).
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


def is_provisioned(dashboard: Dashboard) -> bool:
    """Provisioned from a file, or managed by a Git Sync repository (the classic API refuses
    both alike; UNCONFIRMED for repositories, see docs/emulator.md)."""
    return dashboard.provisioned_external_id is not None or k8s_meta.is_repo_managed(dashboard)


def save(state: State, profile: GrafanaProfile, cmd: SaveCommand) -> Dashboard:
    parsed = parse_dashboard(cmd.dashboard)
    _validate_fields(profile, cmd, parsed)
    folder = resolve_folder(state, cmd)
    folder_uid = folder.uid if folder else None
    existing = _find_existing(state, profile, cmd, parsed)
    if existing is not None and is_provisioned(existing):
        raise message(400, "Cannot save provisioned dashboard")
    _check_permission(state, cmd, existing, folder_uid)
    _check_tags(profile, parsed.data.get("tags"))
    if profile.unique_titles:
        clash = _same_name(state, cmd, parsed.title, folder_uid, existing)
        if clash is not None:
            if not cmd.overwrite:
                raise dashboard_error(
                    412,
                    "name-exists",
                    "A dashboard with the same name in the folder already exists",
                )
            # overwrite takes over the same-named dashboard: its id, uid and version
            return _store(state, profile, cmd, parsed, folder_uid, clash)
    uid = parsed.uid
    if existing is not None and uid and existing.uid != uid:
        del state.dashboards[(existing.org_id, existing.uid)]
        existing.uid = uid
    return _store(state, profile, cmd, parsed, folder_uid, existing)


def _store(
    state: State,
    profile: GrafanaProfile,
    cmd: SaveCommand,
    parsed: _Parsed,
    folder_uid: str | None,
    existing: Dashboard | None,
) -> Dashboard:
    stamp = now_iso()
    if existing is None:
        existing = Dashboard(
            id=state.next_dashboard_id(),
            uid=parsed.uid or state.new_uid(),
            org_id=cmd.org_id,
            title=parsed.title,
            folder_uid=folder_uid,
            data={},
            version=0,
            created=stamp,
            updated=stamp,
            created_by=cmd.saved_by,
            updated_by=cmd.saved_by,
            acl=permissions.default_acl(
                permissions.creator_id(cmd.identity), at_root=folder_uid is None
            ),
        )
    # ``parsed.data`` is a fresh copy of the parsed body and stored data is never mutated
    # in place (each save builds a new dict), so the version record can share it.
    data = parsed.data
    data.update(title=parsed.title, id=existing.id, uid=existing.uid, version=existing.version + 1)
    data.pop("isFolder", None)
    stored_refresh(data, state.min_refresh_interval)  # §14.1
    previous = existing.version
    existing.title = parsed.title
    existing.folder_uid = folder_uid
    existing.data = data
    existing.version += 1
    existing.updated = stamp
    existing.updated_by = cmd.saved_by
    # The same record is the /apis resource (grafana-apis.md §3.3): generation = version.
    resource_version = state.next_resource_version()
    ref = k8s_meta.identity_ref(state, cmd.identity, cmd.saved_by)
    k8s_meta.stamp(state, existing, ref, resource_version)
    existing.api_version = profile.classic_stored_version
    existing.message = cmd.message
    existing.versions.append(
        VersionRecord(
            id=state.next_version_id(),
            version=existing.version,
            parent_version=previous,
            message=cmd.message,
            created=stamp,
            created_by=cmd.saved_by,
            data=data,
            resource_version=resource_version,
            created_by_ref=ref,
            folder_uid=folder_uid,
            api_version=existing.api_version,
            annotations=dict(existing.k8s.annotations),
            restored_from=cmd.restored_from,
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
    if is_provisioned(dashboard):
        raise message(400, "provisioned dashboard cannot be deleted")
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

"""Creating, updating and deleting dashboards through ``/apis`` (grafana-apis.md §3.3,
§4.3 to §4.5).

The record is the classic one (``state.dashboards``), so ``/api`` sees every write:
``generation`` is the classic ``version`` and each generation is one classic version.

- POST: 201; 409 ``AlreadyExists``; ``resourceVersion`` set on create answers 500
  ``InternalError`` (``storage.ErrResourceVersionSetOnCreate`` is not mapped by k8s's
  create path; the status is UNCONFIRMED, §3.1).
- PUT: 200; 409 ``Conflict`` on a stale ``resourceVersion``; no ``resourceVersion`` is an
  unconditional overwrite; a missing name is created (201), unless the body carries a
  ``resourceVersion`` (k8s answers NotFound then).
- Generation rule (§3.1): +1 only when the spec (deep-equal after mutation) or the folder
  changed. Otherwise a PUT whose annotations or labels changed is stored under a new
  ``resourceVersion`` with generation, updatedBy and updatedTimestamp kept (no new version);
  a PUT that changes nothing writes nothing (its ``resourceVersion`` stays: UNCONFIRMED,
  §4.4 "byte-equality short-cut").
- ``?dryRun=All``: every check except folder existence (§4.5); nothing stored, no ids used.
- Managed resources (§4.3, §8.2; ``apistore/managed.go``): writing or deleting a dashboard
  whose ``grafana.app/managedBy`` is ``repo`` answers 500 ``InternalError`` "this resource is
  managed by a repository" (Grafana routes such writes to the repository's files API when
  provisioning is configured; the emulator has no repositories). Changing the manager of a
  managed dashboard is 403 (``Cannot change resource manager identity; …``, the 13.2 text of
  §4.4); removing it is 403 ``Can not remove resource manager from resource``. Creating
  or moving a dashboard into a Git Sync folder without the same manager is 403
  (``ensureSameRepoManager``; the contract's §4.3 says 400, message UNCONFIRMED: the code
  read answers 403 ``folder is managed by repo:<id>, but the resource is not managed``).
  DELETE of a file-provisioned dashboard is 400 ``provisioned dashboard cannot be deleted``.
Callers hold ``state.lock``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from dashgen.testing import apis_objects, apis_validate, k8s_meta, k8s_status, permissions
from dashgen.testing.apis_access import Caller, deny
from dashgen.testing.apis_delete import DeleteOptions
from dashgen.testing.apis_validate import Written
from dashgen.testing.k8s_status import DASHBOARD_KIND, FOLDER_KIND
from dashgen.testing.model import Dashboard, ResourceMeta, VersionRecord, now_iso
from dashgen.testing.router import Context

REPO_MANAGED = "this resource is managed by a repository"


@dataclass(frozen=True)
class Write:
    caller: Caller
    version: str
    dry_run: bool
    strict: bool


def _ref(ctx: Context, caller: Caller) -> str:
    return k8s_meta.identity_ref(ctx.state, caller.identity)


def _check_folder(ctx: Context, write: Write, folder_uid: str | None, *, moving: bool) -> None:
    """The folder must exist (not checked on dry-run) and be writable by the caller."""
    org_id = write.caller.org_id
    if folder_uid and ctx.state.folder(org_id, folder_uid) is None:
        if not write.dry_run:
            raise k8s_status.not_found(FOLDER_KIND, folder_uid)
        return
    if moving:
        level = permissions.folder_level(ctx.state, write.caller.identity, org_id, folder_uid)
        if level < permissions.EDIT:
            raise deny(write.caller, DASHBOARD_KIND, "create", None)


def _check_folder_manager(ctx: Context, write: Write, written: Written) -> None:
    """``ensureSameRepoManager``: a dashboard in a Git Sync folder must be managed by the same
    repository (403 otherwise)."""
    folder = ctx.state.folder(write.caller.org_id, written.folder_uid or "")
    if folder is None or not k8s_meta.is_repo_managed(folder):
        return
    folder_manager = f"repo:{folder.k8s.annotations.get(k8s_meta.MANAGER_ID, '')}"
    kind = written.annotations.get(k8s_meta.MANAGED_BY, "")
    if not kind:
        text = f"folder is managed by {folder_manager}, but the resource is not managed"
        raise k8s_status.status_error(403, "Forbidden", text)
    resource_manager = f"{kind}:{written.annotations.get(k8s_meta.MANAGER_ID, '')}"
    if resource_manager != folder_manager:
        text = (
            f"resource manager ({resource_manager}) does not match folder manager "
            f"({folder_manager}); resources must be managed by the same manager as their "
            "containing folder"
        )
        raise k8s_status.status_error(403, "Forbidden", text)


def check_manager(old: dict[str, str] | None, new: dict[str, str]) -> None:
    """``checkManagerProperties*`` for a caller that is not Git Sync itself."""
    new_kind, new_id = new.get(k8s_meta.MANAGED_BY, ""), new.get(k8s_meta.MANAGER_ID, "")
    if old is None:
        if new_kind == k8s_meta.MANAGER_REPO:
            raise k8s_status.internal_error(REPO_MANAGED)
        return
    old_kind, old_id = old.get(k8s_meta.MANAGED_BY, ""), old.get(k8s_meta.MANAGER_ID, "")
    if not old_kind and not new_kind:
        return
    if old_kind and not new_kind:
        if old_kind == k8s_meta.MANAGER_REPO:
            raise k8s_status.status_error(
                403, "Forbidden", "Can not remove resource manager from resource"
            )
        return
    if old_kind and (old_kind, old_id) != (new_kind, new_id):
        raise k8s_status.status_error(
            403,
            "Forbidden",
            "Cannot change resource manager identity; remove the existing manager first, "
            "then add the new one",
        )
    if new_kind == k8s_meta.MANAGER_REPO:
        raise k8s_status.internal_error(REPO_MANAGED)


def _data(
    written: Written, version: str, dashboard_id: int, name: str, generation: int
) -> dict[str, Any]:
    """What the record keeps: a v1 spec with the classic id/uid/version, a v2 spec as given."""
    if apis_objects.is_v2(version):
        return dict(written.spec)
    return {**written.spec, "id": dashboard_id, "uid": name, "version": generation}


def create(ctx: Context, write: Write, written: Written, name: str) -> Dashboard:
    """A new dashboard ``name`` (already known to be free); the stored or previewed record."""
    if written.resource_version:
        raise k8s_status.internal_error(
            "resourceVersion should not be set on objects to be created"
        )
    title = apis_validate.validate_basic(ctx.profile, name, written, ctx.state.min_refresh_interval)
    _check_folder(ctx, write, written.folder_uid, moving=True)
    check_manager(None, written.annotations)
    _check_folder_manager(ctx, write, written)
    stamp = now_iso()
    identity = write.caller.identity
    ref = _ref(ctx, write.caller)
    dashboard_id = 0 if write.dry_run else ctx.state.next_dashboard_id()
    dashboard = Dashboard(
        id=dashboard_id,
        uid=name,
        org_id=write.caller.org_id,
        title=title,
        folder_uid=written.folder_uid,
        data=_data(written, write.version, dashboard_id, name, 1),
        version=1,
        created=stamp,
        updated=stamp,
        created_by=identity.saved_by,
        updated_by=identity.saved_by,
        acl=permissions.default_acl(
            permissions.creator_id(identity), at_root=written.folder_uid is None
        ),
        k8s=ResourceMeta(annotations=written.annotations, labels=written.labels),
        api_version=write.version,
        message=written.message,
    )
    if write.dry_run:
        dashboard.k8s.uid = ctx.state.new_k8s_uid()
        dashboard.k8s.created_by = dashboard.k8s.updated_by = ref
        return dashboard
    k8s_meta.stamp(ctx.state, dashboard, ref, ctx.state.next_resource_version())
    _record_version(ctx, dashboard, ref, previous=0)
    ctx.state.dashboards[(dashboard.org_id, name)] = dashboard
    return dashboard


def _record_version(ctx: Context, dashboard: Dashboard, ref: str, previous: int) -> None:
    dashboard.versions.append(
        VersionRecord(
            id=ctx.state.next_version_id(),
            version=dashboard.version,
            parent_version=previous,
            message=dashboard.message,
            created=dashboard.updated,
            created_by=dashboard.updated_by,
            data=dashboard.data,
            resource_version=dashboard.k8s.resource_version,
            created_by_ref=ref,
            folder_uid=dashboard.folder_uid,
            api_version=dashboard.api_version,
            annotations=dict(dashboard.k8s.annotations),
        )
    )


def same_json(left: Any, right: Any) -> bool:
    """Semantic deep-equality of decoded JSON (key order ignored; ``true`` is not ``1``)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same_json, left, right))
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return False
    return bool(left == right)


def _new_spec(written: Written, write: Write) -> dict[str, Any]:
    """The spec as it would be read back (a v1 record keeps the classic id in ``id``)."""
    if apis_objects.is_v2(write.version):
        return written.spec
    return apis_objects.classic_spec(written.spec)


def _stored_spec(dashboard: Dashboard) -> dict[str, Any]:
    if apis_objects.is_v2(dashboard.api_version):
        return dashboard.data
    return apis_objects.classic_spec(dashboard.data)


def update(ctx: Context, write: Write, written: Written, existing: Dashboard) -> Dashboard:
    """PUT over ``existing``: the stored (or, on dry-run, previewed) record."""
    if written.resource_version and written.resource_version != existing.k8s.resource_version:
        raise k8s_status.conflict(DASHBOARD_KIND, existing.uid)
    title = apis_validate.validate_basic(
        ctx.profile, existing.uid, written, ctx.state.min_refresh_interval
    )
    moved = written.folder_uid != existing.folder_uid
    if moved:  # validateUpdate checks the folder only when it changes
        _check_folder(ctx, write, written.folder_uid, moving=True)
    check_manager(existing.k8s.annotations, written.annotations)
    if moved:
        _check_folder_manager(ctx, write, written)
    same_family = apis_objects.is_v2(write.version) == apis_objects.is_v2(existing.api_version)
    spec_changed = not same_family or not same_json(
        _new_spec(written, write), _stored_spec(existing)
    )
    bumps = spec_changed or moved
    meta_changed = (
        written.annotations != existing.k8s.annotations
        or written.labels != existing.k8s.labels
        or written.message != existing.message
        or write.version != existing.api_version
    )
    if not bumps and not meta_changed:
        return existing
    target = _copy(existing) if write.dry_run else existing
    ref = _ref(ctx, write.caller)
    target.k8s.annotations = written.annotations
    target.k8s.labels = written.labels
    target.message = written.message
    target.api_version = write.version
    if bumps:
        previous = target.version
        target.version += 1
        target.title = title
        target.folder_uid = written.folder_uid
        target.data = _data(written, write.version, target.id, target.uid, target.version)
        target.updated = now_iso()
        target.updated_by = write.caller.identity.saved_by
    if write.dry_run:
        return target
    updated_by = target.k8s.updated_by
    k8s_meta.stamp(ctx.state, target, ref, ctx.state.next_resource_version())
    if bumps:
        _record_version(ctx, target, ref, previous)
    else:
        target.k8s.updated_by = updated_by  # only a new generation changes updatedBy
    return target


def _copy(dashboard: Dashboard) -> Dashboard:
    return replace(
        dashboard,
        k8s=replace(dashboard.k8s),
        versions=list(dashboard.versions),
        acl=list(dashboard.acl),
    )


def delete(ctx: Context, options: DeleteOptions, existing: Dashboard) -> Dashboard:
    if existing.provisioned_external_id is not None and options.grace_period != "0":
        raise k8s_status.bad_request("provisioned dashboard cannot be deleted")
    if k8s_meta.is_repo_managed(existing):
        raise k8s_status.internal_error(REPO_MANAGED)
    if not options.dry_run:
        del ctx.state.dashboards[(existing.org_id, existing.uid)]
    return existing


def check_can_write(ctx: Context, caller: Caller, existing: Dashboard | None, verb: str) -> None:
    """The authorizer: Edit on the dashboard (update, delete), or somewhere (create)."""
    if existing is None:
        level = permissions.level_anywhere(ctx.state, caller.identity, caller.org_id)
        name = None
    else:
        level = permissions.dashboard_level(ctx.state, caller.identity, existing)
        name = existing.uid
    if level < permissions.EDIT:
        raise deny(caller, DASHBOARD_KIND, verb, name)

"""``/apis/folder.grafana.app/<v>/namespaces/<ns>/folders[/<name>]`` (grafana-apis.md §5).

The same folders as ``/api/folders``: ``metadata.name`` is the folder uid, the parent is the
``grafana.app/folder`` annotation, ``spec`` is ``{title, description?}``, ``generation`` is
the classic folder ``version``. POST 201 (409 ``AlreadyExists``), PUT 200 (409 ``Conflict``
on a stale ``resourceVersion``, the contract's expectation rather than the docs' 412; a
missing name is created), DELETE 200 with the object (its subfolders and dashboards go
too). A PUT that changes neither title, description nor parent writes nothing. The classic
folder rules (reserved uids, depth, cycles, permissions) answer as a ``Status`` carrying the
classic message (UNCONFIRMED wording on ``/apis``). ``?dryRun=All`` checks and stores
nothing (the parent's existence is not checked, as for dashboards).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace

from dashgen.testing import (
    apis_access,
    apis_delete,
    apis_lists,
    apis_objects,
    apis_partial,
    apis_patch,
    apis_table,
    apis_validate,
    apis_writes,
    folders,
    k8s_meta,
    permissions,
)
from dashgen.testing.apis_access import Caller
from dashgen.testing.apis_table import FOLDER_COLUMNS, folder_cells
from dashgen.testing.apis_validate import Written
from dashgen.testing.k8s_status import (
    FOLDER_KIND,
    already_exists,
    as_status,
    conflict,
    internal_error,
    not_found,
)
from dashgen.testing.model import Folder, now_iso
from dashgen.testing.router import Context, Route
from dashgen.testing.routes.apis_discovery import enter_served
from dashgen.testing.wire import ApiError, Response

BASE = "/apis/folder.grafana.app/{version}/namespaces/{namespace}/folders"


def _enter(ctx: Context, verb: str, name: str | None = None) -> tuple[Caller, str]:
    caller, version = enter_served(ctx, apis_objects.FOLDER_GROUP, FOLDER_KIND, verb, name)
    apis_access.require_member(ctx, caller, FOLDER_KIND, verb)
    return caller, version


def _level(ctx: Context, caller: Caller, folder: Folder) -> int:
    return permissions.folder_level(ctx.state, caller.identity, caller.org_id, folder.uid)


def _existing(ctx: Context, caller: Caller, name: str, minimum: int, verb: str) -> Folder:
    folder = ctx.state.folder(caller.org_id, name)
    if folder is None:
        raise not_found(FOLDER_KIND, name)
    if _level(ctx, caller, folder) < minimum:
        raise apis_access.deny(caller, FOLDER_KIND, verb, name)
    return folder


def _render(ctx: Context, caller: Caller, folder: Folder, version: str) -> Response:
    body = apis_objects.folder_object(ctx.state, folder, version, caller.namespace)
    return Response(200, body)


def get_folder(ctx: Context) -> Response:
    name = ctx.params["name"]
    caller, version = _enter(ctx, "get", name)
    target = apis_partial.negotiated(ctx.request.header("Accept"), ctx.profile.apis_metadata_lists)
    answer = _render(ctx, caller, _existing(ctx, caller, name, permissions.VIEW, "get"), version)
    if target.full:
        return answer
    return apis_table.answer_object(
        ctx.request, target, answer.body, FOLDER_COLUMNS, folder_cells, f"*{version}.Folder"
    )


def list_folders(ctx: Context) -> Response:
    caller, version = _enter(ctx, "list")
    # The same negotiation as every resource's LIST (k8s's generic handlers: apis_partial).
    served = apis_partial.negotiated(ctx.request.header("Accept"), ctx.profile.apis_metadata_lists)
    labels = apis_lists.parse_labels(ctx.request.arg("labelSelector") or "")
    fields = apis_lists.parse_fields(ctx.request.arg("fieldSelector") or "")
    apis_lists.validate_options(ctx.request)
    size = apis_lists.limit(ctx.request.arg("limit"))
    chosen = sorted(
        (
            f
            for f in ctx.state.folders.values()
            if f.org_id == caller.org_id
            and _level(ctx, caller, f) >= permissions.VIEW
            and apis_lists.matches(labels, f.k8s.labels)
            and apis_lists.matches(
                fields, {"metadata.name": f.uid, "metadata.namespace": caller.namespace}
            )
        ),
        key=lambda f: f.uid,
    )
    page, metadata = apis_lists.page(
        chosen, size, ctx.request.arg("continue"), ctx.state.current_resource_version()
    )
    shown = [apis_objects.folder_object(ctx.state, f, version, caller.namespace) for f in page]
    transformed = apis_table.transformed_list(
        ctx.request, served, shown, metadata, FOLDER_COLUMNS, folder_cells, f"*{version}.FolderList"
    )
    if transformed is not None:
        return transformed
    body = {
        "kind": "FolderList",
        "apiVersion": f"{apis_objects.FOLDER_GROUP}/{version}",
        "metadata": metadata,
        "items": shown,
    }
    return Response(200, body)


def _read(ctx: Context, version: str, options_kind: str) -> tuple[bool, Written]:
    dry_run, strict = apis_validate.options(ctx, options_kind)
    written = apis_validate.read_body(ctx, FOLDER_KIND, version, ctx.profile, strict=strict)
    return dry_run, written


def _description(written: Written) -> str:
    value = written.spec.get("description")
    return value if isinstance(value, str) else ""


def _create(ctx: Context, caller: Caller, written: Written, name: str, dry_run: bool) -> Folder:
    level = permissions.level_anywhere(ctx.state, caller.identity, caller.org_id)
    if level < permissions.EDIT:
        raise apis_access.deny(caller, FOLDER_KIND, "create", None)
    apis_validate.validate_meta(FOLDER_KIND, name, written)
    if written.resource_version:
        raise internal_error("resourceVersion should not be set on objects to be created")
    if ctx.state.folder(caller.org_id, name) is not None:
        raise already_exists(FOLDER_KIND, name)
    apis_writes.check_manager(None, written.annotations)
    parent = written.folder_uid
    if dry_run and parent and ctx.state.folder(caller.org_id, parent) is None:
        parent = None  # existence is not checked on dry-run
    with ctx.state.trial() if dry_run else nullcontext():
        try:
            folder = folders.create_folder(
                ctx.state,
                ctx.profile,
                caller.org_id,
                written.title,
                uid=name,
                description=_description(written),
                parent_uid=parent,
                created_by=caller.identity.saved_by,
                identity=caller.identity,
            )
        except ApiError as error:
            raise as_status(error) from None
    folder.k8s.annotations = dict(written.annotations)
    folder.k8s.labels = dict(written.labels)
    if not ctx.profile.nested_folders:  # the parent ignored (GrafanaProfile.nested_folders)
        folder.k8s.annotations.pop(k8s_meta.FOLDER, None)
    if dry_run:  # nothing stored: no id, no resourceVersion taken (as for dashboards)
        del ctx.state.folders[(caller.org_id, name)]
        folder.parent_uid = written.folder_uid if ctx.profile.nested_folders else None
        folder.k8s.resource_version = ""
    return folder


def post_folder(ctx: Context) -> Response:
    caller, version = _enter(ctx, "create")
    dry_run, written = _read(ctx, version, "CreateOptions")
    apis_validate.check_namespace_matches(written, caller.namespace)
    name = apis_validate.assign_name(ctx, written, FOLDER_KIND)
    folder = _create(ctx, caller, written, name, dry_run)
    response = _render(ctx, caller, folder, version)
    response.status = 201
    return response


def put_folder(ctx: Context) -> Response:
    name = ctx.params["name"]
    caller, version = _enter(ctx, "update", name)
    dry_run, written = _read(ctx, version, "UpdateOptions")
    apis_validate.check_name_matches(written, name)
    apis_validate.check_namespace_matches(written, caller.namespace)
    folder = ctx.state.folder(caller.org_id, name)
    if folder is None:
        if written.resource_version:
            raise not_found(FOLDER_KIND, name)
        created = _create(ctx, caller, written, name, dry_run)
        response = _render(ctx, caller, created, version)
        response.status = 201
        return response
    if _level(ctx, caller, folder) < permissions.EDIT:
        raise apis_access.deny(caller, FOLDER_KIND, "update", name)
    if written.resource_version and written.resource_version != folder.k8s.resource_version:
        raise conflict(FOLDER_KIND, name)
    apis_validate.validate_meta(FOLDER_KIND, name, written)
    apis_writes.check_manager(folder.k8s.annotations, written.annotations)
    title = written.title.strip()
    if not title:
        raise as_status(ApiError(400, {"message": "folder title cannot be empty"}))
    description = _description(written)
    moved = written.folder_uid != folder.parent_uid
    changed = title != folder.title or description != folder.description or moved
    meta_changed = (written.annotations, written.labels) != (
        folder.k8s.annotations,
        folder.k8s.labels,
    )
    if dry_run:
        preview = replace(folder, k8s=replace(folder.k8s), title=title, description=description)
        preview.parent_uid = written.folder_uid
        return _render(ctx, caller, preview, version)
    if not changed and not meta_changed:
        return _render(ctx, caller, folder, version)
    try:
        if moved:
            folders.move_folder(ctx.state, caller.identity, folder, written.folder_uid or "")
    except ApiError as error:
        raise as_status(error) from None
    folder.k8s.annotations = dict(written.annotations)
    folder.k8s.labels = dict(written.labels)
    if changed and (title, description) != (folder.title, folder.description):
        folder.title, folder.description = title, description
        if not moved:
            folder.version += 1
        folder.updated = now_iso()
        folder.updated_by = caller.identity.saved_by
    folders.touch(ctx.state, folder, caller.identity)
    return _render(ctx, caller, folder, version)


def delete_folder(ctx: Context) -> Response:
    name = ctx.params["name"]
    caller, version = _enter(ctx, "delete", name)
    folder = _existing(ctx, caller, name, permissions.EDIT, "delete")
    options = apis_delete.read(ctx)
    response = _render(ctx, caller, folder, version)
    meta = response.body["metadata"]
    apis_delete.check_preconditions(
        options, FOLDER_KIND, name, meta["uid"], meta["resourceVersion"]
    )
    if k8s_meta.is_repo_managed(folder):
        raise internal_error(apis_writes.REPO_MANAGED)
    if not options.dry_run:
        folders.delete_folder(ctx.state, folder)
    return response


def patch_folder(ctx: Context) -> Response:
    """PATCH (``apis_patch``): the patched object is PUT."""
    name = ctx.params["name"]
    caller, version = _enter(ctx, "patch", name)
    kind = apis_patch.patch_type(ctx)
    folder = _existing(ctx, caller, name, permissions.EDIT, "patch")
    current = _render(ctx, caller, folder, version).body
    return apis_patch.through_put(ctx, kind, current, put_folder)


ROUTES = [
    Route("GET", BASE, list_folders, public=True),
    Route("POST", BASE, post_folder, public=True),
    Route("GET", BASE + "/{name}", get_folder, public=True),
    Route("PUT", BASE + "/{name}", put_folder, public=True),
    Route("PATCH", BASE + "/{name}", patch_folder, public=True),
    Route("DELETE", BASE + "/{name}", delete_folder, public=True),
]

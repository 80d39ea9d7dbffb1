"""Folder routes (contract §5, §14.9, §14.12)."""

from __future__ import annotations

from typing import Any

from dashgen.testing import folders, permissions
from dashgen.testing.auth import Identity
from dashgen.testing.binding import BOOL, INT, STRING, Field, bind
from dashgen.testing.model import Folder, now_iso
from dashgen.testing.permissions import EDIT, VIEW
from dashgen.testing.router import Context, Route
from dashgen.testing.state import State
from dashgen.testing.wire import Response, dashboard_error, message

CREATE_FIELDS = (
    Field("uid", STRING),
    Field("title", STRING),
    Field("description", STRING),
    Field("parentUid", STRING),
)
# UpdateFolderCommand: every field but the version is optional (a pointer).
UPDATE_FIELDS = (
    Field("uid", STRING, pointer=True),
    Field("title", STRING, pointer=True),
    Field("description", STRING, pointer=True),
    Field("version", INT),
    Field("overwrite", BOOL),
)
MOVE_FIELDS = (Field("parentUid", STRING),)


def _dto(state: State, folder: Folder, caller: Identity) -> dict[str, Any]:
    level = permissions.folder_level(state, caller, folder.org_id, folder.uid)
    can_edit = level >= EDIT
    dto: dict[str, Any] = {
        "id": folder.id,
        "uid": folder.uid,
        "orgId": folder.org_id,
        "title": folder.title,
        "url": folder.url,
        "hasAcl": False,
        "canSave": can_edit,
        "canEdit": can_edit,
        "canAdmin": level >= permissions.ADMIN,
        "canDelete": can_edit,
        "createdBy": folder.created_by,
        "created": folder.created,
        "updatedBy": folder.updated_by,
        "updated": folder.updated,
        "version": folder.version,
    }
    if folder.parent_uid:
        dto["parentUid"] = folder.parent_uid
    return dto


def folder_dto(state: State, folder: Folder, caller: Identity) -> dict[str, Any]:
    """The folder DTO; a nested folder's carries ``parents``, root-level one first (§14.9)."""
    dto = _dto(state, folder, caller)
    ancestors = folders.parents(state, folder)
    if ancestors:
        dto["parents"] = [_dto(state, parent, caller) for parent in ancestors]
    return dto


def post_folder(ctx: Context) -> Response:
    level = permissions.level_anywhere(ctx.state, ctx.caller, ctx.caller.org_id)
    permissions.require(ctx.state, level, EDIT, "folders:create")
    body = bind(ctx.request.body, CREATE_FIELDS)
    folder = folders.create_folder(
        ctx.state,
        ctx.profile,
        ctx.caller.org_id,
        body["title"],
        uid=body["uid"] or None,
        description=body["description"],
        parent_uid=body["parentUid"] or None,
        created_by=ctx.caller.saved_by,
        identity=ctx.caller,
    )
    return Response(200, folder_dto(ctx.state, folder, ctx.caller))


def list_folders(ctx: Context) -> Response:
    permissions.require_member(ctx.state, ctx.caller, "folders:read")
    parent = ctx.request.arg("parentUid") or None
    # GetChildrenQuery: permission=Edit lists what the caller may edit; limit 0 (missing or
    # not a number, c.QueryInt64) lists all, else LIMIT limit OFFSET limit*(page-1).
    minimum = EDIT if ctx.request.arg("permission") == "Edit" else VIEW
    children = [
        f
        for f in ctx.state.folders.values()
        if f.org_id == ctx.caller.org_id
        and f.parent_uid == parent
        and permissions.folder_level(ctx.state, ctx.caller, f.org_id, f.uid) >= minimum
    ]
    children.sort(key=lambda f: f.title.lower())
    limit, page = ctx.request.int_arg("limit"), ctx.request.int_arg("page")
    if limit > 0:
        offset = limit * (page - 1) if page > 0 else 0
        children = children[offset : offset + limit]
    items = []
    for folder in children:
        item: dict[str, Any] = {"id": folder.id, "uid": folder.uid, "title": folder.title}
        if folder.parent_uid:
            item["parentUid"] = folder.parent_uid
        items.append(item)
    return Response(200, items)


def existing_folder(ctx: Context, minimum: int, evaluator: str) -> Folder:
    permissions.require_member(ctx.state, ctx.caller, evaluator)
    folder = ctx.state.folder(ctx.caller.org_id, ctx.params["uid"])
    if folder is None:
        raise folders.not_found()
    level = permissions.folder_level(ctx.state, ctx.caller, folder.org_id, folder.uid)
    permissions.require(ctx.state, level, minimum, evaluator)
    return folder


def get_folder(ctx: Context) -> Response:
    folder = existing_folder(ctx, VIEW, "folders:read")
    return Response(200, folder_dto(ctx.state, folder, ctx.caller))


def get_folder_by_id(ctx: Context) -> Response:
    """GET /api/folders/id/:id (deprecated, gone with the other id routes in 13.0)."""
    raw = ctx.params.pop("folder_id")
    try:
        folder_id = int(raw)
    except ValueError:
        raise message(400, "id is invalid") from None
    found = ctx.state.folder_by_id(ctx.caller.org_id, folder_id)
    ctx.params["uid"] = found.uid if found else ""
    return get_folder(ctx)


def put_folder(ctx: Context) -> Response:
    """Title, uid and description are each optional (§14.9); the version is checked."""
    folder = existing_folder(ctx, EDIT, "folders:write")
    body = bind(ctx.request.body, UPDATE_FIELDS)
    if body["title"]:
        folders.refuse_root_title(body["title"])
    if not body["overwrite"] and body["version"] != folder.version:
        raise dashboard_error(
            412, "version-mismatch", "the folder has been changed by someone else"
        )
    title = folder.title
    if body["title"]:  # absent, null or "" keeps the title (prepareForUpdate)
        title = body["title"].strip()
        if not title:
            raise message(400, "folder title cannot be empty")
        if not body["overwrite"]:
            folders.refuse_taken_title(ctx.state, ctx.profile, folder, title)
    new_uid = (body["uid"] or "").strip()
    if new_uid and new_uid != folder.uid:
        folders.rename_uid(ctx.state, folder, new_uid)
    folder.title = title
    if body["description"] is not None:
        folder.description = body["description"]
    folder.version += 1
    folder.updated = now_iso()
    folder.updated_by = ctx.caller.saved_by
    folders.touch(ctx.state, folder, ctx.caller)
    return Response(200, folder_dto(ctx.state, folder, ctx.caller))


def move_folder(ctx: Context) -> Response:
    folder = existing_folder(ctx, EDIT, "folders:write")
    body = bind(ctx.request.body, MOVE_FIELDS)
    folders.move_folder(ctx.state, ctx.caller, folder, body["parentUid"])
    return Response(200, folder_dto(ctx.state, folder, ctx.caller))


def folder_counts(ctx: Context) -> Response:
    folder = existing_folder(ctx, VIEW, "folders:read")
    return Response(200, folders.descendant_counts(ctx.state, folder))


def delete_folder(ctx: Context) -> Response:
    folders.delete_folder(ctx.state, existing_folder(ctx, EDIT, "folders:delete"))
    return Response(200, {"message": "Folder deleted"})


ROUTES = [
    Route("GET", "/api/folders", list_folders),
    Route("POST", "/api/folders", post_folder),
    Route("GET", "/api/folders/{uid}", get_folder),
    Route("PUT", "/api/folders/{uid}", put_folder),
    Route("DELETE", "/api/folders/{uid}", delete_folder),
    Route("POST", "/api/folders/{uid}/move", move_folder),
    Route("GET", "/api/folders/{uid}/counts", folder_counts),
]
ID_ROUTES = [Route("GET", "/api/folders/id/{folder_id}", get_folder_by_id)]

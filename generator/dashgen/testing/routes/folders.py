"""Folder routes (contract §5)."""

from __future__ import annotations

from typing import Any

from dashgen.testing import folders
from dashgen.testing.auth import Identity, require_role
from dashgen.testing.model import Folder, now_iso
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, dashboard_error, message


def folder_dto(folder: Folder, caller: Identity) -> dict[str, Any]:
    can_edit = caller.has_role("Editor")
    dto: dict[str, Any] = {
        "id": folder.id,
        "uid": folder.uid,
        "orgId": folder.org_id,
        "title": folder.title,
        "url": folder.url,
        "hasAcl": False,
        "canSave": can_edit,
        "canEdit": can_edit,
        "canAdmin": caller.has_role("Admin"),
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


def post_folder(ctx: Context) -> Response:
    require_role(ctx.caller, "Editor", "folders:create", ctx.state)
    body = ctx.request.json_body()
    if not isinstance(body, dict):
        raise message(400, "bad request data")
    folder = folders.create_folder(
        ctx.state,
        ctx.profile,
        ctx.caller.org_id,
        str(body.get("title") or ""),
        uid=str(body.get("uid") or "") or None,
        description=str(body.get("description") or ""),
        parent_uid=str(body.get("parentUid") or "") or None,
        created_by=ctx.caller.saved_by,
    )
    return Response(200, folder_dto(folder, ctx.caller))


def list_folders(ctx: Context) -> Response:
    require_role(ctx.caller, "Viewer", "folders:read", ctx.state)
    parent = ctx.request.arg("parentUid") or None
    children = [
        f
        for f in ctx.state.folders.values()
        if f.org_id == ctx.caller.org_id and f.parent_uid == parent
    ]
    children.sort(key=lambda f: f.title.lower())
    items = []
    for folder in children:
        item: dict[str, Any] = {"id": folder.id, "uid": folder.uid, "title": folder.title}
        if folder.parent_uid:
            item["parentUid"] = folder.parent_uid
        items.append(item)
    return Response(200, items)


def _existing_folder(ctx: Context) -> Folder:
    folder = ctx.state.folder(ctx.caller.org_id, ctx.params["uid"])
    if folder is None:
        raise dashboard_error(404, "not-found", "folder not found")
    return folder


def get_folder(ctx: Context) -> Response:
    require_role(ctx.caller, "Viewer", "folders:read", ctx.state)
    return Response(200, folder_dto(_existing_folder(ctx), ctx.caller))


def put_folder(ctx: Context) -> Response:
    require_role(ctx.caller, "Editor", "folders:write", ctx.state)
    folder = _existing_folder(ctx)
    body = ctx.request.json_body()
    if not isinstance(body, dict):
        raise message(400, "bad request data")
    if body.get("overwrite") is not True and body.get("version") != folder.version:
        raise dashboard_error(
            412, "version-mismatch", "the folder has been changed by someone else"
        )
    title = str(body.get("title") or "").strip()
    if not title:
        raise message(400, "folder title cannot be empty")
    folder.title = title
    folder.description = str(body.get("description") or folder.description)
    folder.version += 1
    folder.updated = now_iso()
    folder.updated_by = ctx.caller.saved_by
    return Response(200, folder_dto(folder, ctx.caller))


def delete_folder(ctx: Context) -> Response:
    require_role(ctx.caller, "Editor", "folders:delete", ctx.state)
    folders.delete_folder(ctx.state, _existing_folder(ctx))
    return Response(200, {"message": "Folder deleted"})


ROUTES = [
    Route("GET", "/api/folders", list_folders),
    Route("POST", "/api/folders", post_folder),
    Route("GET", "/api/folders/{uid}", get_folder),
    Route("PUT", "/api/folders/{uid}", put_folder),
    Route("DELETE", "/api/folders/{uid}", delete_folder),
]

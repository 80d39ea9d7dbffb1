"""``/api/library-elements`` (pkg/services/libraryelements/api.go; shapes in testing/library.py):
get by uid or name, list, create, update (PATCH), delete, connections.

Any org member reads (Grafana checks ``library.panels:read`` on the element's folder); an
Editor writes. The emulator never records connections (a classic save only checks that the
elements it shows exist, `library.connect`), so connections are empty
and nothing blocks a delete.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing import dashboards, library
from dashgen.testing.auth import require_role
from dashgen.testing.binding import ANY, INT, STRING, Field, bind
from dashgen.testing.library import LibraryElement
from dashgen.testing.model import gravatar_url, now_iso
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message, rbac_denied

# CreateLibraryElementCommand / PatchLibraryElementCommand (folderUid is a *string).
CREATE_FIELDS = (
    Field("folderId", INT),
    Field("folderUid", STRING, pointer=True),
    Field("name", STRING),
    Field("model", ANY),
    Field("kind", INT),
    Field("uid", STRING),
)
PATCH_FIELDS = (*CREATE_FIELDS, Field("version", INT))
KINDS = (library.PANEL_KIND, library.VARIABLE_KIND)


def _result(ctx: Context, element: LibraryElement) -> dict[str, Any]:
    folder = ctx.state.folder(element.org_id, element.folder_uid or "")
    dto = element.dto(folder.title if folder else None, folder.id if folder else 0)
    meta = dto["meta"]
    meta["createdBy"] = _meta_user(ctx, element.created_by) or meta["createdBy"]
    meta["updatedBy"] = (
        _meta_user(ctx, element.updated_by or element.created_by) or meta["updatedBy"]
    )
    return dto


def _meta_user(ctx: Context, login: str) -> dict[str, Any] | None:
    """``LibraryElementDTOMetaUser``: the saver's user id, login, and ``GetGravatarUrl`` of
    their email (the element store joins ``user`` on created_by/updated_by); a service
    account's email is its login. None for a name no user or service account has."""
    user = next((u for u in ctx.state.users.values() if u.login == login), None)
    if user is not None:
        return {"id": user.id, "name": login, "avatarUrl": user.avatar_url}
    account = next((a for a in ctx.state.service_accounts.values() if a.login == login), None)
    if account is None:
        return None
    return {"id": account.id, "name": login, "avatarUrl": gravatar_url(login)}


def get_element(ctx: Context) -> Response:
    require_role(ctx.caller, "Viewer", "library.panels:read", ctx.state)
    element = library.get(ctx.state, ctx.caller.org_id, ctx.params["uid"])
    return Response(200, {"result": _result(ctx, element)})


def _in_org(ctx: Context) -> list[LibraryElement]:
    return [e for e in ctx.state.library_elements.values() if e.org_id == ctx.caller.org_id]


def get_by_name(ctx: Context) -> Response:
    """GET /api/library-elements/name/:name: every element of that name (one per folder)."""
    require_role(ctx.caller, "Viewer", "library.panels:read", ctx.state)
    found = [_result(ctx, e) for e in _in_org(ctx) if e.name == ctx.params["name"]]
    if not found:
        raise message(404, library.NOT_FOUND)
    return Response(200, {"result": found})


def _int_arg(ctx: Context, name: str, default: int) -> int:
    try:
        value = int(ctx.request.arg(name) or "")
    except ValueError:
        return default
    return value if value > 0 else default


def _csv(ctx: Context, name: str) -> list[str]:
    return [part for part in (ctx.request.arg(name) or "").split(",") if part]


def list_elements(ctx: Context) -> Response:
    """GET /api/library-elements: ``searchString`` (in the name, case-insensitive), ``kind``,
    ``typeFilter``, ``excludeUid``, ``folderFilterUIDs``, ``sortDirection`` (alpha-asc by
    default), ``perPage`` (100), ``page`` (1)."""
    require_role(ctx.caller, "Viewer", "library.panels:read", ctx.state)
    elements = _in_org(ctx)
    search = (ctx.request.arg("searchString") or "").lower()
    kind = _int_arg(ctx, "kind", 0)
    types = _csv(ctx, "typeFilter")
    folders = _csv(ctx, "folderFilterUIDs")
    exclude = ctx.request.arg("excludeUid") or ""
    elements = [
        e
        for e in elements
        if search in e.name.lower()
        and (not kind or e.kind == kind)
        and (not types or str(e.model.get("type") or "") in types)
        and (not folders or (e.folder_uid or "general") in folders)
        and e.uid != exclude
    ]
    descending = ctx.request.arg("sortDirection") == "alpha-desc"
    elements.sort(key=lambda e: e.name.lower(), reverse=descending)
    per_page, page = _int_arg(ctx, "perPage", 100), _int_arg(ctx, "page", 1)
    shown = elements[(page - 1) * per_page : page * per_page]
    result = {"totalCount": len(elements), "elements": [_result(ctx, e) for e in shown]}
    return Response(200, {"result": result | {"page": page, "perPage": per_page}})


def _folder_uid(ctx: Context, body: Any) -> str | None:
    """``folderUid`` (``""``: General) wins over the deprecated ``folderId``; a folder that
    does not exist is 404 ``folder not found``."""
    if body["folderUid"] is not None:
        uid = body["folderUid"] or None
        if uid is not None and ctx.state.folder(ctx.caller.org_id, uid) is None:
            raise message(404, "folder not found")
        return uid
    if body["folderId"]:
        folder = ctx.state.folder_by_id(ctx.caller.org_id, body["folderId"])
        if folder is None:
            raise message(404, "folder not found")
        return folder.uid
    return None


def _model(body: Any) -> dict[str, Any]:
    if not isinstance(body["model"], dict):
        raise message(400, "bad request data")
    return body["model"]


def create_element(ctx: Context) -> Response:
    require_role(ctx.caller, "Editor", "library.panels:create", ctx.state)
    body = bind(ctx.request.body, CREATE_FIELDS)
    if body["kind"] not in KINDS:
        raise message(400, "library element is of an unknown kind")
    uid = body["uid"] or ctx.state.new_uid()
    dashboards.validate_uid(uid)
    element = library.create(
        ctx.state,
        ctx.caller.org_id,
        uid,
        body["name"],
        _model(body),
        body["kind"],
        _folder_uid(ctx, body),
        ctx.caller.saved_by,
    )
    return Response(200, {"result": _result(ctx, element)})


def patch_element(ctx: Context) -> Response:
    """PATCH /api/library-elements/:uid: the sent ``version`` must be the stored one (412);
    name, model, kind, folder and uid are replaced; the version goes up by one."""
    require_role(ctx.caller, "Editor", "library.panels:write", ctx.state)
    body = bind(ctx.request.body, PATCH_FIELDS)
    element = library.get(ctx.state, ctx.caller.org_id, ctx.params["uid"])
    if body["version"] != element.version:
        raise message(412, "the library element has been changed by someone else")
    folder_uid = _folder_uid(ctx, body) if body["folderUid"] is not None else element.folder_uid
    uid = body["uid"] or element.uid
    dashboards.validate_uid(uid)
    name = body["name"] or element.name
    del ctx.state.library_elements[(element.org_id, element.uid)]
    if library.taken(ctx.state, element.org_id, uid, name, folder_uid):
        ctx.state.library_elements[(element.org_id, element.uid)] = element
        raise message(400, library.EXISTS)
    element.uid, element.name, element.folder_uid = uid, name, folder_uid
    if body["model"] is not None:
        element.model = dict(_model(body))
    if body["kind"] in KINDS:
        element.kind = body["kind"]
    element.version += 1
    element.updated, element.updated_by = now_iso(), ctx.caller.saved_by
    ctx.state.library_elements[(element.org_id, element.uid)] = element
    return Response(200, {"result": _result(ctx, element)})


def delete_element(ctx: Context) -> Response:
    require_role(ctx.caller, "Editor", "library.panels:delete", ctx.state)
    element = library.get(ctx.state, ctx.caller.org_id, ctx.params["uid"])
    del ctx.state.library_elements[(element.org_id, element.uid)]
    return Response(200, {"message": "Library element deleted", "id": element.id})


def get_connections(ctx: Context) -> Response:
    """GET …/:uid/connections: always empty here. For a missing element 12.x's scope
    resolver denies (403 ``library.panels:read``, per grafana-client's integration tests);
    11.x answers 404."""
    require_role(ctx.caller, "Viewer", "library.panels:read", ctx.state)
    if (ctx.caller.org_id, ctx.params["uid"]) not in ctx.state.library_elements:
        if ctx.profile.library_missing_denied:
            raise rbac_denied("library.panels:read", ctx.state.access_error_id())
        raise message(404, library.NOT_FOUND)
    return Response(200, {"result": []})


ROUTES = [
    Route("GET", "/api/library-elements", list_elements),
    Route("POST", "/api/library-elements", create_element),
    Route("GET", "/api/library-elements/name/{name}", get_by_name),
    Route("GET", "/api/library-elements/{uid}", get_element),
    Route("PATCH", "/api/library-elements/{uid}", patch_element),
    Route("DELETE", "/api/library-elements/{uid}", delete_element),
    Route("GET", "/api/library-elements/{uid}/connections", get_connections),
]

"""Orgs and org users (contract §6, §14.4, §14.5, §14.12).

``/api/orgs`` (list, create) and ``/api/orgs/name/:name`` need a server admin; the routes
under ``/api/orgs/:orgId`` are ``authorizeInOrg(UseOrgFromContextParams, …)``: an Admin of
that org (user or token) may use them too.
"""

from __future__ import annotations

from dashgen.testing.auth import require_org_admin, require_role, require_server_admin
from dashgen.testing.binding import STRING, Field, bind
from dashgen.testing.model import ASSIGNABLE_ROLES, ROLE_RANK, Org
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message

ORG_FIELDS = (Field("name", STRING, required=True),)  # CreateOrgCommand, UpdateOrgForm
ADD_USER_FIELDS = (
    Field("loginOrEmail", STRING, required=True),
    Field("role", STRING, required=True),
)
UPDATE_USER_FIELDS = (Field("role", STRING, required=True),)


def _org_id_param(ctx: Context, error: str = "orgId is invalid") -> int:
    try:
        return int(ctx.params["org_id"])
    except ValueError:
        raise message(400, error) from None


def _existing_org(ctx: Context, org_id: int) -> Org:
    org = ctx.state.orgs.get(org_id)
    if org is None:
        raise message(404, "Organization not found")
    return org


def _org_from_url(ctx: Context, evaluator: str) -> int:
    """The ``:orgId`` of the URL, once the caller may act in it (§14.4)."""
    org_id = _org_id_param(ctx)
    require_org_admin(ctx.caller, org_id, evaluator, ctx.state)
    _existing_org(ctx, org_id)
    return org_id


def _role_in(ctx: Context, org_id: int) -> str:
    """The caller's basic role in ``org_id`` (which may not be the request's org)."""
    caller = ctx.caller
    if caller.is_user:
        return ctx.state.role_in(org_id, caller.id) or "None"
    return (caller.role or "None") if caller.org_id == org_id else "None"


def post_org(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "orgs:create", ctx.state)
    name = bind(ctx.request.body, ORG_FIELDS)["name"]
    creator = ctx.state.users.get(ctx.caller.id) if ctx.caller.is_user else None
    org = ctx.state.create_org(name, creator=creator)
    return Response(200, {"orgId": org.id, "message": "Organization created"})


def list_orgs(ctx: Context) -> Response:
    """``SearchOrgs``: ``query`` is a name prefix (``name LIKE 'q%'``, case-insensitive as
    SQLite's LIKE), ``name`` the exact name; ``perpage`` (<= 0: 1000) per page and ``page``
    counted from 0 (the store's offset is ``perpage*page``; the docs' default page is 0)."""
    require_server_admin(ctx.caller, "orgs:read", ctx.state)
    request = ctx.request
    prefix, name = (request.arg("query") or "").lower(), request.arg("name") or ""
    per_page = request.int_arg("perpage")
    per_page = per_page if per_page > 0 else 1000
    offset = max(0, per_page * request.int_arg("page"))
    orgs = [
        o
        for o in sorted(ctx.state.orgs.values(), key=lambda o: o.name.lower())
        if o.name.lower().startswith(prefix) and (not name or o.name == name)
    ]
    return Response(200, [{"id": o.id, "name": o.name} for o in orgs[offset : offset + per_page]])


def get_org_by_name(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "orgs:read", ctx.state)
    org = ctx.state.org_by_name(ctx.params["name"])
    if org is None:
        raise message(404, "Organization not found")
    return Response(200, org.dto())


def get_org_by_id(ctx: Context) -> Response:
    return Response(200, _existing_org(ctx, _org_from_url(ctx, "orgs:read")).dto())


def get_current_org(ctx: Context) -> Response:
    require_role(ctx.caller, "Viewer", "orgs:read", ctx.state)
    return Response(200, _existing_org(ctx, ctx.caller.org_id).dto())


def _rename(ctx: Context, org_id: int) -> Response:
    name = bind(ctx.request.body, ORG_FIELDS)["name"]
    org = _existing_org(ctx, org_id)
    taken = ctx.state.org_by_name(name)
    if taken is not None and taken is not org:
        raise message(409, "Organization name taken")
    org.name = name
    return Response(200, {"message": "Organization updated"})


def update_org(ctx: Context) -> Response:
    """PUT /api/orgs/:orgId ``{"name"}``."""
    return _rename(ctx, _org_from_url(ctx, "orgs:write"))


def update_current_org(ctx: Context) -> Response:
    """PUT /api/org ``{"name"}`` (an org Admin)."""
    require_role(ctx.caller, "Admin", "orgs:write", ctx.state)
    return _rename(ctx, ctx.caller.org_id)


def _add_user(ctx: Context, org_id: int) -> Response:
    body = bind(ctx.request.body, ADD_USER_FIELDS)
    role = body["role"]
    if role not in ASSIGNABLE_ROLES:
        raise message(400, "Invalid role specified")
    if not ctx.caller.is_server_admin and ROLE_RANK[role] > ROLE_RANK[_role_in(ctx, org_id)]:
        raise message(403, "Cannot assign a role higher than user's role")
    user = ctx.state.user_by_login(body["loginOrEmail"])
    if user is None:
        raise message(404, "User not found")
    ctx.state.add_member(org_id, user, role)
    return Response(200, {"message": "User added to organization", "userId": user.id})


def add_user_to_org(ctx: Context) -> Response:
    return _add_user(ctx, _org_from_url(ctx, "org.users:add"))


def _user_id_param(ctx: Context) -> int:
    try:
        return int(ctx.params["user_id"])
    except ValueError:
        raise message(400, "userId is invalid") from None


def _other_admins(ctx: Context, org_id: int, user_id: int) -> list[int]:
    return [
        uid
        for (member_org, uid), member_role in ctx.state.memberships.items()
        if member_org == org_id and member_role == "Admin" and uid != user_id
    ]


def update_org_user(ctx: Context) -> Response:
    """PATCH /api/orgs/:orgId/users/:userId (``updateOrgUserHelper`` in pkg/api/org_users.go)."""
    return _update_member(ctx, _org_from_url(ctx, "org.users:write"))


def update_current_org_user(ctx: Context) -> Response:
    """PATCH /api/org/users/:userId: the same helper for the request's org (an org Admin)."""
    require_role(ctx.caller, "Admin", "org.users:write", ctx.state)
    return _update_member(ctx, ctx.caller.org_id)


def _update_member(ctx: Context, org_id: int) -> Response:
    role = bind(ctx.request.body, UPDATE_USER_FIELDS)["role"]
    if role not in ASSIGNABLE_ROLES:
        raise message(400, "Invalid role specified")
    user_id = _user_id_param(ctx)
    current_role = ctx.state.role_in(org_id, user_id)
    if current_role is None:
        # Grafana's store answers ErrOrgUserNotFound, which the handler sends as a 500.
        raise message(500, "Failed update org user")
    if current_role == "Admin" and role != "Admin" and not _other_admins(ctx, org_id, user_id):
        raise message(400, "Cannot change role so that there is no organization admin left")
    ctx.state.memberships[(org_id, user_id)] = role
    return Response(200, {"message": "Organization user updated"})


def remove_org_user(ctx: Context) -> Response:
    """DELETE /api/orgs/:orgId/users/:userId (``removeOrgUserHelper``): an unknown user is
    the store's ErrUserNotFound (a 500); a user who is not a member is removed from nothing."""
    return _remove_member(ctx, _org_from_url(ctx, "org.users:remove"))


def remove_current_org_user(ctx: Context) -> Response:
    """DELETE /api/org/users/:userId: the same helper for the request's org (an org Admin),
    with ``ShouldDeleteOrphanedUser``: a user left in no org is deleted ("User deleted")."""
    require_role(ctx.caller, "Admin", "org.users:remove", ctx.state)
    return _remove_member(ctx, ctx.caller.org_id, delete_orphan=True)


def _remove_member(ctx: Context, org_id: int, *, delete_orphan: bool = False) -> Response:
    user_id = _user_id_param(ctx)
    user = ctx.state.users.get(user_id)
    if user is None:
        raise message(500, "Failed to remove user from organization")
    role = ctx.state.role_in(org_id, user_id)
    if role == "Admin" and not _other_admins(ctx, org_id, user_id):
        raise message(400, "Cannot remove last organization admin")
    ctx.state.memberships.pop((org_id, user_id), None)
    remaining = sorted(o for (o, u) in ctx.state.memberships if u == user_id)
    if not remaining and delete_orphan:
        ctx.state.delete_user(user_id)
        return Response(200, {"message": "User deleted"})
    if user.current_org_id == org_id:
        user.current_org_id = remaining[0] if remaining else 0
    return Response(200, {"message": "User removed from organization"})


def delete_org(ctx: Context) -> Response:
    """DELETE /api/orgs/:orgId (``DeleteOrgByID``, pkg/api/org.go; ``orgs:delete`` is a
    server admin's): not the caller's current org (400), an unknown id is 404."""
    require_server_admin(ctx.caller, "orgs:delete", ctx.state)
    org_id = _org_id_param(ctx)
    if org_id == ctx.caller.org_id:
        raise message(400, ctx.profile.delete_active_org_message)
    if org_id not in ctx.state.orgs:
        raise message(404, "Failed to delete organization. ID not found")
    ctx.state.delete_org(org_id)
    return Response(200, {"message": "Organization deleted"})


def add_user_to_current_org(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "org.users:add", ctx.state)
    return _add_user(ctx, ctx.caller.org_id)


def _org_users(ctx: Context, org_id: int, text: str = "", limit: int = 0) -> Response:
    """``SearchOrgUsers``: ``text`` a case-insensitive substring of the email, name or login;
    ``limit`` > 0 keeps the first ones."""
    members = []
    text = text.lower()
    for (member_org, user_id), role in sorted(ctx.state.memberships.items()):
        user = ctx.state.users.get(user_id)
        if limit > 0 and len(members) >= limit:
            break
        if (
            member_org == org_id
            and user is not None
            and any(text in field.lower() for field in (user.email, user.name, user.login))
        ):
            members.append(
                {
                    "orgId": org_id,
                    "userId": user.id,
                    "login": user.login,
                    "email": user.email,
                    "name": user.name,
                    "role": role,
                    "isDisabled": user.is_disabled,
                }
            )
    return Response(200, members)


def list_org_users(ctx: Context) -> Response:
    return _org_users(ctx, _org_from_url(ctx, "org.users:read"))


def list_current_org_users(ctx: Context) -> Response:
    """GET /api/org/users reads ``query`` and ``limit`` (GET /api/orgs/:orgId/users reads
    neither: its handler passes an empty query and no limit)."""
    require_role(ctx.caller, "Admin", "org.users:read", ctx.state)
    request = ctx.request
    return _org_users(ctx, ctx.caller.org_id, request.arg("query") or "", request.int_arg("limit"))


ROUTES = [
    Route("POST", "/api/orgs", post_org),
    Route("GET", "/api/orgs", list_orgs),
    Route("GET", "/api/orgs/name/{name}", get_org_by_name),
    Route("GET", "/api/orgs/{org_id}", get_org_by_id),
    Route("PUT", "/api/orgs/{org_id}", update_org),
    Route("DELETE", "/api/orgs/{org_id}", delete_org),
    Route("POST", "/api/orgs/{org_id}/users", add_user_to_org),
    Route("GET", "/api/orgs/{org_id}/users", list_org_users),
    Route("PATCH", "/api/orgs/{org_id}/users/{user_id}", update_org_user),
    Route("DELETE", "/api/orgs/{org_id}/users/{user_id}", remove_org_user),
    Route("GET", "/api/org", get_current_org),
    Route("PUT", "/api/org", update_current_org),
    Route("POST", "/api/org/users", add_user_to_current_org),
    Route("GET", "/api/org/users", list_current_org_users),
    Route("PATCH", "/api/org/users/{user_id}", update_current_org_user),
    Route("DELETE", "/api/org/users/{user_id}", remove_current_org_user),
]

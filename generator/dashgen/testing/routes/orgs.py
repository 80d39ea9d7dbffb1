"""Orgs, org users, users and switching org (contract §6)."""

from __future__ import annotations

from typing import Any

from dashgen.testing.auth import SERVICE_ACCOUNT, require_role, require_server_admin
from dashgen.testing.model import ASSIGNABLE_ROLES, Org, User
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import ApiError, Response, message


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


def post_org(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "orgs:create", ctx.state)
    body = ctx.request.json_body()
    if not isinstance(body, dict) or not str(body.get("name") or "").strip():
        raise message(400, "bad request data")
    creator = ctx.state.users.get(ctx.caller.id) if ctx.caller.is_user else None
    org = ctx.state.create_org(str(body["name"]), creator=creator)
    return Response(200, {"orgId": org.id, "message": "Organization created"})


def list_orgs(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "orgs:read", ctx.state)
    orgs = sorted(ctx.state.orgs.values(), key=lambda o: o.name.lower())
    return Response(200, [{"id": o.id, "name": o.name} for o in orgs])


def get_org_by_name(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "orgs:read", ctx.state)
    org = ctx.state.org_by_name(ctx.params["name"])
    if org is None:
        raise message(404, "Organization not found")
    return Response(200, org.dto())


def get_org_by_id(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "orgs:read", ctx.state)
    return Response(200, _existing_org(ctx, _org_id_param(ctx)).dto())


def get_current_org(ctx: Context) -> Response:
    require_role(ctx.caller, "Viewer", "orgs:read", ctx.state)
    return Response(200, _existing_org(ctx, ctx.caller.org_id).dto())


def _add_user(ctx: Context, org_id: int) -> Response:
    body = ctx.request.json_body()
    if not isinstance(body, dict):
        raise message(400, "bad request data")
    role = str(body.get("role") or "")
    if role not in ASSIGNABLE_ROLES:
        raise message(400, "Invalid role specified")
    if not ctx.caller.is_server_admin and not ctx.caller.has_role(role):
        raise message(403, "Cannot assign a role higher than user's role")
    user = ctx.state.user_by_login(str(body.get("loginOrEmail") or ""))
    if user is None:
        raise message(404, "User not found")
    ctx.state.add_member(org_id, user, role)
    return Response(200, {"message": "User added to organization", "userId": user.id})


def add_user_to_org(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "org.users:add", ctx.state)
    org_id = _org_id_param(ctx)
    _existing_org(ctx, org_id)
    return _add_user(ctx, org_id)


def update_org_user(ctx: Context) -> Response:
    """PATCH /api/orgs/:orgId/users/:userId (``updateOrgUserHelper`` in pkg/api/org_users.go)."""
    require_server_admin(ctx.caller, "org.users:write", ctx.state)
    org_id = _org_id_param(ctx)
    _existing_org(ctx, org_id)
    body = ctx.request.json_body()
    if not isinstance(body, dict):
        raise message(400, "bad request data")
    role = str(body.get("role") or "")
    if role not in ASSIGNABLE_ROLES:
        raise message(400, "Invalid role specified")
    try:
        user_id = int(ctx.params["user_id"])
    except ValueError:
        raise message(400, "userId is invalid") from None
    current_role = ctx.state.role_in(org_id, user_id)
    if current_role is None:
        # Grafana's store answers ErrOrgUserNotFound, which the handler sends as a 500.
        raise message(500, "Failed update org user")
    other_admins = [
        uid
        for (member_org, uid), member_role in ctx.state.memberships.items()
        if member_org == org_id and member_role == "Admin" and uid != user_id
    ]
    if current_role == "Admin" and role != "Admin" and not other_admins:
        raise message(400, "Cannot change role so that there is no organization admin left")
    ctx.state.memberships[(org_id, user_id)] = role
    return Response(200, {"message": "Organization user updated"})


def add_user_to_current_org(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "org.users:add", ctx.state)
    return _add_user(ctx, ctx.caller.org_id)


def _org_users(ctx: Context, org_id: int) -> Response:
    members = []
    for (member_org, user_id), role in sorted(ctx.state.memberships.items()):
        user = ctx.state.users.get(user_id)
        if member_org == org_id and user is not None:
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
    require_server_admin(ctx.caller, "org.users:read", ctx.state)
    org_id = _org_id_param(ctx)
    _existing_org(ctx, org_id)
    return _org_users(ctx, org_id)


def list_current_org_users(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "org.users:read", ctx.state)
    return _org_users(ctx, ctx.caller.org_id)


def switch_org(ctx: Context) -> Response:
    if not ctx.caller.is_user:
        return Response(304)
    org_id = _org_id_param(ctx, "id is invalid")
    if ctx.state.role_in(org_id, ctx.caller.id) is None:
        raise message(401, "Not a valid organization")
    ctx.state.users[ctx.caller.id].current_org_id = org_id
    return Response(200, {"message": "Active organization changed"})


def _user_profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "uid": f"u{user.id:013d}",
        "email": user.email,
        "name": user.name,
        "login": user.login,
        "theme": "",
        "orgId": user.current_org_id,
        "isGrafanaAdmin": user.is_server_admin,
        "isDisabled": user.is_disabled,
        "isExternal": False,
        "authLabels": [],
        "avatarUrl": f"/avatar/{user.id}",
    }


def get_signed_in_user(ctx: Context) -> Response:
    caller = ctx.caller
    if caller.is_user:
        return Response(200, _user_profile(ctx.state.users[caller.id]))
    if caller.kind == SERVICE_ACCOUNT:
        account = ctx.state.service_accounts[caller.id]
        profile = {
            "id": account.id,
            "uid": account.uid,
            "email": account.login,
            "name": account.name,
            "login": account.login,
            "orgId": account.org_id,
            "isGrafanaAdmin": False,
            "isDisabled": account.is_disabled,
            "isExternal": False,
            "authLabels": [],
        }
        return Response(200, profile)
    raise message(404, "User not found")


def list_signed_in_user_orgs(ctx: Context) -> Response:
    if not ctx.caller.is_user:
        raise message(404, "User not found")
    orgs = [
        {"orgId": org_id, "name": ctx.state.orgs[org_id].name, "role": role}
        for (org_id, user_id), role in sorted(ctx.state.memberships.items())
        if user_id == ctx.caller.id
    ]
    return Response(200, orgs)


def create_user(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "users:create", ctx.state)
    body = ctx.request.json_body()
    if not isinstance(body, dict) or not body.get("password"):
        raise message(400, "bad request data")
    login = str(body.get("login") or body.get("email") or "")
    try:
        user = ctx.state.create_user(
            login,
            str(body["password"]),
            email=str(body.get("email") or "") or None,
            name=str(body.get("name") or "") or None,
            org_id=int(body["OrgId"]) if body.get("OrgId") else None,
        )
    except ApiError:
        raise message(412, "User with same email address or login already exists") from None
    return Response(200, {"id": user.id, "uid": f"u{user.id:013d}", "message": "User created"})


def health(ctx: Context) -> Response:
    body = {"database": "ok", "version": ctx.profile.build_version, "commit": "emulator"}
    return Response(200, body)


ROUTES = [
    Route("GET", "/api/health", health, public=True),
    Route("POST", "/api/orgs", post_org),
    Route("GET", "/api/orgs", list_orgs),
    Route("GET", "/api/orgs/name/{name}", get_org_by_name),
    Route("GET", "/api/orgs/{org_id}", get_org_by_id),
    Route("POST", "/api/orgs/{org_id}/users", add_user_to_org),
    Route("GET", "/api/orgs/{org_id}/users", list_org_users),
    Route("PATCH", "/api/orgs/{org_id}/users/{user_id}", update_org_user),
    Route("GET", "/api/org", get_current_org),
    Route("POST", "/api/org/users", add_user_to_current_org),
    Route("GET", "/api/org/users", list_current_org_users),
    Route("POST", "/api/user/using/{org_id}", switch_org),
    Route("GET", "/api/user", get_signed_in_user),
    Route("GET", "/api/user/orgs", list_signed_in_user_orgs),
    Route("POST", "/api/admin/users", create_user),
]

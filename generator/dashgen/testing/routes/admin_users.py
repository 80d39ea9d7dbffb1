"""Server-admin user routes: ``/api/users`` (search, lookup, by id, orgs, teams, switching
a user's org) and ``/api/admin/users/:id`` (delete, password, permissions, disable, enable).

Handlers follow pkg/api/user.go and pkg/api/admin_users.go (11.x/12.x); every route is
``users:*`` in the global scope, which only a Grafana server admin holds by default (the
12.x route table: ``authorize(ac.EvalPermission(ac.ActionUsersRead, …))``; older ones
``reqGrafanaAdmin``). ``:id`` may be a user's uid, as 12.x's ``userUIDResolver`` allows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dashgen.testing import credentials
from dashgen.testing.auth import require_server_admin
from dashgen.testing.binding import BOOL, STRING, Field, bind
from dashgen.testing.model import User
from dashgen.testing.router import Context, Route
from dashgen.testing.routes.users import user_profile
from dashgen.testing.wire import Response, message

USER_NOT_FOUND = "user not found"  # user.ErrUserNotFound.Error()
PASSWORD_FIELDS = (Field("password", STRING, required=True),)  # AdminUpdateUserPasswordForm
PERMISSIONS_FIELDS = (Field("isGrafanaAdmin", BOOL),)  # AdminUpdateUserPermissionsForm


def _user_id(ctx: Context, name: str = "id") -> int:
    """``middlewareUserUIDResolver`` then ``strconv.ParseInt``: a number is taken as is, a
    user's uid is resolved to its id, anything else is 404 ``User not found``."""
    raw = ctx.params[name]
    try:
        return int(raw)
    except ValueError:
        pass
    found = next((u for u in ctx.state.users.values() if u.uid == raw), None)
    if found is None:
        raise message(404, "User not found")
    return found.id


def _existing(ctx: Context, user_id: int) -> User:
    user = ctx.state.users.get(user_id)
    if user is None:
        raise message(404, USER_NOT_FOUND)
    return user


def _last_seen() -> tuple[str, str]:
    """A user who never signed in: Grafana stores ``LastSeenAt`` ten years back at creation."""
    when = datetime.now(UTC) - timedelta(days=3650)
    return when.isoformat(timespec="seconds").replace("+00:00", "Z"), "10 years"


def _search_hit(user: User) -> dict[str, Any]:
    """``UserSearchHitDTO``."""
    seen, age = _last_seen()
    return {
        "id": user.id,
        "uid": user.uid,
        "name": user.name,
        "login": user.login,
        "email": user.email,
        "avatarUrl": user.avatar_url,
        "isAdmin": user.is_server_admin,
        "isDisabled": user.is_disabled,
        "lastSeenAt": seen,
        "lastSeenAtAge": age,
        "authLabels": [],
        "isProvisioned": False,
    }


def _page_of_users(ctx: Context) -> tuple[list[User], int, int, int]:
    """``searchUser``: ``query`` matches login, email or name (case-insensitive), ordered by
    login; ``perpage`` defaults to 1000, ``page`` to 1."""
    require_server_admin(ctx.caller, "users:read", ctx.state)
    per_page = _positive(ctx.request.arg("perpage"), 1000)
    page = _positive(ctx.request.arg("page"), 1)
    query = (ctx.request.arg("query") or "").lower()
    users = sorted(ctx.state.users.values(), key=lambda u: u.login)
    if query:
        users = [u for u in users if any(query in v.lower() for v in (u.login, u.email, u.name))]
    return users[(page - 1) * per_page : page * per_page], len(users), page, per_page


def _positive(raw: str | None, default: int) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        return default
    return value if value > 0 else default


def search_users(ctx: Context) -> Response:
    """GET /api/users: the bare array of hits."""
    users, _, _, _ = _page_of_users(ctx)
    return Response(200, [_search_hit(u) for u in users])


def search_users_with_paging(ctx: Context) -> Response:
    """GET /api/users/search: ``{totalCount, users, page, perPage}``."""
    users, total, page, per_page = _page_of_users(ctx)
    body = {"totalCount": total, "users": [_search_hit(u) for u in users]}
    return Response(200, body | {"page": page, "perPage": per_page})


def lookup_user(ctx: Context) -> Response:
    """GET /api/users/lookup?loginOrEmail= (``GetUserByLoginOrEmail``): a short profile
    (no ``authLabels`` or ``avatarUrl`` set)."""
    require_server_admin(ctx.caller, "users:read", ctx.state)
    user = ctx.state.user_by_login(ctx.request.arg("loginOrEmail") or "")
    if user is None:
        raise message(404, USER_NOT_FOUND)
    return Response(200, user_profile(user) | {"authLabels": None, "avatarUrl": ""})


def get_user(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "users:read", ctx.state)
    return Response(200, user_profile(_existing(ctx, _user_id(ctx))))


def user_orgs(ctx: Context) -> Response:
    """GET /api/users/:id/orgs: ``[{orgId, name, role}]`` (an unknown user has none)."""
    require_server_admin(ctx.caller, "users:read", ctx.state)
    user_id = _user_id(ctx)
    orgs = [
        {"orgId": org_id, "name": ctx.state.orgs[org_id].name, "role": role}
        for (org_id, member), role in sorted(ctx.state.memberships.items())
        if member == user_id
    ]
    return Response(200, orgs)


def user_teams(ctx: Context) -> Response:
    """GET /api/users/:id/teams: teams are not emulated, so no user is in one."""
    require_server_admin(ctx.caller, "users:read", ctx.state)
    _user_id(ctx)
    return Response(200, [])


def set_user_org(ctx: Context) -> Response:
    """POST /api/users/:id/using/:orgId (``UpdateUserActiveOrg``)."""
    require_server_admin(ctx.caller, "users:write", ctx.state)
    user_id = _user_id(ctx)
    try:
        org_id = int(ctx.params["org_id"])
    except ValueError:
        raise message(400, "orgId is invalid") from None
    if ctx.state.role_in(org_id, user_id) is None:
        raise message(401, "Not a valid organization")
    ctx.state.users[user_id].current_org_id = org_id
    return Response(200, {"message": "Active organization changed"})


def delete_user(ctx: Context) -> Response:
    """DELETE /api/admin/users/:id: the user, their memberships, stars and permissions."""
    require_server_admin(ctx.caller, "users:delete", ctx.state)
    user = _existing(ctx, _user_id(ctx))
    ctx.state.delete_user(user.id)
    return Response(200, {"message": "User deleted"})


def update_password(ctx: Context) -> Response:
    """PUT /api/admin/users/:id/password ``{"password"}``; below 4 characters is 400 (the
    10.x handler's ``New password too short``; 11.x+ validates through the password policy,
    whose message is UNCONFIRMED); an unknown user is 500 as ``GetByID`` fails."""
    require_server_admin(ctx.caller, "users.password:write", ctx.state)
    password = bind(ctx.request.body, PASSWORD_FIELDS)["password"]
    user_id = _user_id(ctx)
    if len(password) < 4:
        raise message(400, "New password too short")
    user = ctx.state.users.get(user_id)
    if user is None:
        raise message(500, "Could not read user from database")
    user.password_hash = credentials.hash_secret(password)
    return Response(200, {"message": "User password updated"})


def update_permissions(ctx: Context) -> Response:
    """PUT /api/admin/users/:id/permissions ``{"isGrafanaAdmin"}``: the last server admin
    cannot lose it (``user.ErrLastGrafanaAdmin``, 400); an unknown user is 500."""
    require_server_admin(ctx.caller, "users.permissions:write", ctx.state)
    is_admin = bind(ctx.request.body, PERMISSIONS_FIELDS)["isGrafanaAdmin"]
    user = ctx.state.users.get(_user_id(ctx))
    if user is None:
        raise message(500, "Failed to update user permissions")
    admins = [u for u in ctx.state.users.values() if u.is_server_admin and u is not user]
    if not is_admin and user.is_server_admin and not admins:
        raise message(400, "cannot remove last grafana admin")
    user.is_server_admin = is_admin
    return Response(200, {"message": "User permissions updated"})


def _set_disabled(ctx: Context, disabled: bool) -> Response:
    require_server_admin(ctx.caller, "users:disable" if disabled else "users:enable", ctx.state)
    user = _existing(ctx, _user_id(ctx))
    user.is_disabled = disabled
    return Response(200, {"message": "User disabled" if disabled else "User enabled"})


def disable_user(ctx: Context) -> Response:
    return _set_disabled(ctx, True)


def enable_user(ctx: Context) -> Response:
    return _set_disabled(ctx, False)


ROUTES = [
    Route("GET", "/api/users", search_users),
    Route("GET", "/api/users/search", search_users_with_paging),
    Route("GET", "/api/users/lookup", lookup_user),
    Route("GET", "/api/users/{id}", get_user),
    Route("GET", "/api/users/{id}/orgs", user_orgs),
    Route("GET", "/api/users/{id}/teams", user_teams),
    Route("POST", "/api/users/{id}/using/{org_id}", set_user_org),
    Route("DELETE", "/api/admin/users/{id}", delete_user),
    Route("PUT", "/api/admin/users/{id}/password", update_password),
    Route("PUT", "/api/admin/users/{id}/permissions", update_permissions),
    Route("POST", "/api/admin/users/{id}/disable", disable_user),
    Route("POST", "/api/admin/users/{id}/enable", enable_user),
]

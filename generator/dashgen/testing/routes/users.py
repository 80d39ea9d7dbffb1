"""The signed-in identity, switching org, creating users (contract §6, §14.10)."""

from __future__ import annotations

from typing import Any

from dashgen.testing.auth import API_KEY, Identity, require_server_admin
from dashgen.testing.binding import INT, STRING, Field, bind
from dashgen.testing.model import User
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import ApiError, Response, message

# AdminCreateUserForm (its org field really is spelled "OrgId").
CREATE_USER_FIELDS = (
    Field("email", STRING),
    Field("login", STRING),
    Field("name", STRING),
    Field("password", STRING, required=True),
    Field("OrgId", INT),
)
_ZERO_TIME = "0001-01-01T00:00:00Z"


def switch_org(ctx: Context) -> Response:
    if not ctx.caller.is_user:
        return Response(304)
    try:
        org_id = int(ctx.params["org_id"])
    except ValueError:
        raise message(400, "id is invalid") from None
    if ctx.state.role_in(org_id, ctx.caller.id) is None:
        raise message(401, "Not a valid organization")
    ctx.state.users[ctx.caller.id].current_org_id = org_id
    return Response(200, {"message": "Active organization changed"})


def user_profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "uid": user.uid,
        "email": user.email,
        "name": user.name,
        "login": user.login,
        "theme": "",
        "orgId": user.current_org_id,
        "isGrafanaAdmin": user.is_server_admin,
        "isDisabled": user.is_disabled,
        "isExternal": False,
        "authLabels": [],
        "avatarUrl": user.avatar_url,
    }


def _token_profile(ctx: Context, caller: Identity) -> dict[str, Any]:
    """``GetSignedInUser`` for an identity that is not a user: the minimal profile, id 0."""
    if caller.kind == API_KEY:
        key = ctx.state.api_keys[caller.id]
        uid, name, login, email = f"api-key:{key.id}", key.name, "", ""
    else:
        account = ctx.state.service_accounts[caller.id]
        uid, name, login, email = (
            f"service-account:{account.id}",
            account.name,
            account.login,
            account.login,
        )
    return {
        "id": 0,
        "uid": uid,
        "email": email,
        "name": name,
        "login": login,
        "theme": "",
        "orgId": caller.org_id,
        "isGrafanaAdmin": False,
        "isDisabled": False,
        "isExternal": False,
        "isExternallySynced": False,
        "isGrafanaAdminExternallySynced": False,
        "authLabels": None,
        "updatedAt": _ZERO_TIME,
        "createdAt": _ZERO_TIME,
        "avatarUrl": "",
    }


def get_signed_in_user(ctx: Context) -> Response:
    caller = ctx.caller
    if caller.is_user:
        return Response(200, user_profile(ctx.state.users[caller.id]))
    return Response(200, _token_profile(ctx, caller))


def list_signed_in_user_orgs(ctx: Context) -> Response:
    if not ctx.caller.is_user:
        return Response(304)  # "Endpoint only available for users" (a 304 has no body)
    orgs = [
        {"orgId": org_id, "name": ctx.state.orgs[org_id].name, "role": role}
        for (org_id, user_id), role in sorted(ctx.state.memberships.items())
        if user_id == ctx.caller.id
    ]
    return Response(200, orgs)


def list_signed_in_user_teams(ctx: Context) -> Response:
    """GET /api/user/teams: teams are not emulated, so nobody is in one."""
    ctx.caller  # noqa: B018  (signed in: the route is not public)
    return Response(200, [])


def create_user(ctx: Context) -> Response:
    require_server_admin(ctx.caller, "users:create", ctx.state)
    body = bind(ctx.request.body, CREATE_USER_FIELDS)
    login = body["login"] or body["email"]
    try:
        user = ctx.state.create_user(
            login,
            body["password"],
            email=body["email"] or None,
            name=body["name"] or None,
            org_id=body["OrgId"] or None,
        )
    except ApiError:
        # AdminCreateUser names the form's own fields (as sent, empty or not).
        taken = f"User with email '{body['email']}' or username '{body['login']}' already exists"
        raise message(412, taken) from None
    return Response(200, {"id": user.id, "uid": user.uid, "message": "User created"})


ROUTES = [
    Route("POST", "/api/user/using/{org_id}", switch_org),
    Route("GET", "/api/user", get_signed_in_user),
    Route("GET", "/api/user/orgs", list_signed_in_user_orgs),
    Route("GET", "/api/user/teams", list_signed_in_user_teams),
    Route("POST", "/api/admin/users", create_user),
]

"""Service accounts, their tokens, and legacy API keys (contract §7)."""

from __future__ import annotations

import time
from typing import Any

from dashgen.testing.auth import require_role
from dashgen.testing.binding import BOOL, INT, STRING, Field, bind
from dashgen.testing.model import (
    ASSIGNABLE_ROLES,
    BASIC_ROLES,
    ROLE_RANK,
    ServiceAccount,
    Token,
    rfc3339,
)
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, errutil, message

KEYS_GONE = (
    "this endpoint has been removed, please use POST /api/serviceaccounts and "
    "POST /api/serviceaccounts/{id}/tokens instead"
)

ROLE_FORBIDDEN = "can not assign a role higher than user's role"
NAME_REQUIRED = "required value Name must not be empty"


SA_BAD_BODY = "Bad request data"
# CreateServiceAccountForm / UpdateServiceAccountForm (role and isDisabled are pointers).
SA_FIELDS = (
    Field("name", STRING, pointer=True),
    Field("role", STRING, pointer=True),
    Field("isDisabled", BOOL, pointer=True),
)
TOKEN_FIELDS = (Field("name", STRING), Field("secondsToLive", INT))
API_KEY_FIELDS = (
    Field("name", STRING, required=True),
    Field("role", STRING, required=True),
    Field("secondsToLive", INT),
)


def _seconds_to_live(body: dict[str, Any]) -> int:
    raw = body["secondsToLive"]
    if raw < 0:
        raise errutil(400, "serviceaccounts.ErrInvalidInput", "invalid input")
    return int(raw)


def _checked_role(ctx: Context, role: str) -> str:
    if role not in ASSIGNABLE_ROLES:
        raise errutil(400, "serviceaccounts.ErrInvalidRoleSpecified", "invalid role specified")
    if not ctx.caller.is_server_admin and ROLE_RANK[role] > ROLE_RANK[ctx.caller.role or "None"]:
        raise errutil(403, "serviceaccounts.ErrRoleForbidden", ROLE_FORBIDDEN)
    return role


def post_service_account(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "serviceaccounts:create", ctx.state)
    body = bind(ctx.request.body, SA_FIELDS, bad=SA_BAD_BODY)
    name = (body["name"] or "").strip()
    role = _checked_role(ctx, body["role"] or "Viewer")
    if not name:
        raise errutil(400, "serviceaccounts.ErrInvalidInput", NAME_REQUIRED)
    account = ctx.state.create_service_account(
        ctx.caller.org_id, name, role, is_disabled=body["isDisabled"] is True
    )
    return Response(201, account.dto())


def patch_service_account(ctx: Context) -> Response:
    """PATCH /api/serviceaccounts/:id ``{"name"?, "role"?, "isDisabled"?}`` (§14.12)."""
    require_role(ctx.caller, "Admin", "serviceaccounts:write", ctx.state)
    if not ctx.params["sa_id"].isdigit():
        raise message(400, "Service Account ID is invalid")
    body = bind(ctx.request.body, SA_FIELDS, bad=SA_BAD_BODY)
    role = _checked_role(ctx, body["role"]) if body["role"] is not None else None
    account = _account_in_org(ctx)
    name = (body["name"] or "").strip()
    if (
        name
        and name.lower() != account.name.lower()
        and any(
            sa.org_id == account.org_id and sa.name.lower() == name.lower()
            for sa in ctx.state.service_accounts.values()
        )
    ):
        raise errutil(400, "serviceaccounts.ErrAlreadyExists", "service account already exists")
    if name:
        account.name = name
    if role is not None:
        account.role = role
    if body["isDisabled"] is not None:
        account.is_disabled = body["isDisabled"]
    dto = account.dto() | {"teams": [], "isExternal": False}
    return Response(
        200,
        {
            "message": "Service account updated",
            "id": account.id,
            "name": account.name,
            "serviceaccount": dto,
        },
    )


def _account_in_org(ctx: Context) -> ServiceAccount:
    try:
        account = ctx.state.service_accounts.get(int(ctx.params["sa_id"]))
    except ValueError:
        account = None
    if account is None or account.org_id != ctx.caller.org_id:
        raise errutil(404, "serviceaccounts.ErrNotFound", "service account not found")
    return account


def search_service_accounts(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "serviceaccounts:read", ctx.state)
    """``SearchOrgServiceAccountsWithPaging``: ``query`` is a case-insensitive substring of
    the email (the login), name or login; ``disabled=true`` keeps disabled accounts and
    ``expiredTokens=true`` those with an expired token (``c.QueryBool``; disabled wins);
    ordered by email then login."""
    text = (ctx.request.arg("query") or "").lower()
    per_page = _positive(ctx.request.arg("perpage"), 1000)
    page = _positive(ctx.request.arg("page"), 1)
    only_disabled = ctx.request.bool_arg("disabled")
    only_expired = ctx.request.bool_arg("expiredTokens")
    now = int(time.time())
    found = [
        sa
        for sa in ctx.state.service_accounts.values()
        if sa.org_id == ctx.caller.org_id
        and (text in sa.name.lower() or text in sa.login.lower())
        and (sa.is_disabled or not only_disabled)
        and (
            only_disabled
            or not only_expired
            or any(t.expires_at is not None and t.expires_at < now for t in sa.tokens)
        )
    ]
    found.sort(key=lambda sa: sa.login.encode())
    window = found[(page - 1) * per_page : page * per_page]
    body = {
        "totalCount": len(found),
        "serviceAccounts": [sa.dto() for sa in window],
        "page": page,
        "perPage": per_page,
    }
    return Response(200, body)


def _positive(raw: str | None, default: int) -> int:
    try:
        value = int(raw or default)
    except ValueError:
        return default
    return value if value > 0 else default


def get_service_account(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "serviceaccounts:read", ctx.state)
    return Response(200, _account_in_org(ctx).dto())


def delete_service_account(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "serviceaccounts:delete", ctx.state)
    account = _account_in_org(ctx)
    del ctx.state.service_accounts[account.id]
    return Response(200, {"message": "Service account deleted"})


def post_token(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "serviceaccounts:write", ctx.state)
    account = _account_in_org(ctx)
    body = bind(ctx.request.body, TOKEN_FIELDS, bad=SA_BAD_BODY)
    name = body["name"].strip()
    if not name:
        raise errutil(400, "serviceaccounts.ErrInvalidInput", NAME_REQUIRED)
    token, clear = ctx.state.add_sa_token(account, name, _seconds_to_live(body))
    return Response(200, {"id": token.id, "name": token.name, "key": clear})


def _token_dto(token: Token) -> dict[str, Any]:
    """``TokenDTO``: ``expiration`` is an RFC 3339 time, or null when none (§14.6)."""
    left = None if token.expires_at is None else max(0.0, token.expires_at - time.time())
    return {
        "id": token.id,
        "name": token.name,
        "created": token.created,
        "lastUsedAt": None,
        "expiration": None if token.expires_at is None else rfc3339(token.expires_at),
        "secondsUntilExpiration": left,
        "hasExpired": left == 0,
        "isRevoked": token.revoked,
    }


def list_tokens(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "serviceaccounts:read", ctx.state)
    return Response(200, [_token_dto(t) for t in _account_in_org(ctx).tokens])


def delete_token(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "serviceaccounts:write", ctx.state)
    account = _account_in_org(ctx)
    kept = [t for t in account.tokens if str(t.id) != ctx.params["token_id"]]
    if len(kept) == len(account.tokens):
        raise errutil(404, "serviceaccounts.ErrTokenNotFound", "service account token not found")
    account.tokens = kept
    return Response(200, {"message": "Service account token deleted"})


def post_api_key(ctx: Context) -> Response:
    if not ctx.profile.api_keys_enabled:
        raise message(410, KEYS_GONE)
    require_role(ctx.caller, "Admin", "apikeys:create", ctx.state)
    body = bind(ctx.request.body, API_KEY_FIELDS)
    role = body["role"]
    if role not in BASIC_ROLES:
        raise message(400, "Invalid role specified")
    if not ctx.caller.is_server_admin and ROLE_RANK[role] > ROLE_RANK[ctx.caller.role or "None"]:
        raise message(403, "Cannot assign a role higher than user's role")
    seconds = body["secondsToLive"]
    if seconds < 0:  # the apikey service's ErrInvalidExpiration, sent as its text
        raise message(400, "negative value for SecondsToLive")
    key, clear = ctx.state.create_api_key(ctx.caller.org_id, body["name"], role, seconds)
    return Response(200, {"id": key.id, "name": key.name, "key": clear})


def list_api_keys(ctx: Context) -> Response:
    """``GetAPIKeys`` (apikeyimpl store): the org's keys by name, at most 100; expired ones
    only with ``includeExpired`` (``c.QueryBool``: strconv.ParseBool)."""
    require_role(ctx.caller, "Admin", "apikeys:read", ctx.state)
    include_expired = ctx.request.bool_arg("includeExpired")
    now = int(time.time())
    keys = []
    listed = sorted(ctx.state.api_keys.values(), key=lambda k: k.name.encode())
    for key in listed:
        live = key.expires_at is None or key.expires_at >= now  # expires IS NULL or >= ?
        if key.org_id == ctx.caller.org_id and (live or include_expired) and len(keys) < 100:
            dto: dict[str, Any] = {"id": key.id, "name": key.name, "role": key.role}
            if key.expires_at is not None:  # `json:"expiration,omitempty"` (§14.6)
                dto["expiration"] = rfc3339(key.expires_at)
            keys.append(dto)
    return Response(200, keys)


def delete_api_key(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "apikeys:delete", ctx.state)
    key = (
        ctx.state.api_keys.get(int(ctx.params["key_id"]))
        if ctx.params["key_id"].isdigit()
        else None
    )
    if key is None or key.org_id != ctx.caller.org_id:
        raise message(404, "API key not found")
    del ctx.state.api_keys[key.id]
    return Response(200, {"message": "API key deleted"})


ROUTES = [
    Route("POST", "/api/serviceaccounts", post_service_account),
    Route("GET", "/api/serviceaccounts/search", search_service_accounts),
    Route("GET", "/api/serviceaccounts/{sa_id}", get_service_account),
    Route("PATCH", "/api/serviceaccounts/{sa_id}", patch_service_account),
    Route("DELETE", "/api/serviceaccounts/{sa_id}", delete_service_account),
    Route("POST", "/api/serviceaccounts/{sa_id}/tokens", post_token),
    Route("GET", "/api/serviceaccounts/{sa_id}/tokens", list_tokens),
    Route("DELETE", "/api/serviceaccounts/{sa_id}/tokens/{token_id}", delete_token),
]
# Gone from 12.1 (profile ``api_key_routes``): then the generic /api 404 answers them.
API_KEY_ROUTES = [
    Route("POST", "/api/auth/keys", post_api_key),
    Route("GET", "/api/auth/keys", list_api_keys),
    Route("DELETE", "/api/auth/keys/{key_id}", delete_api_key),
]

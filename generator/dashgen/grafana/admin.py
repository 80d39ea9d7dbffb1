"""Typed wrappers for Grafana's admin endpoints: orgs, org users, the signed-in user,
service accounts and their tokens, and legacy API keys.

Each function sends one request (or one short lookup) through a ``GrafanaClient`` and
returns a small dataclass. The answers that mean "already there" (409 on orgs and org
users, 400 ``ErrAlreadyExists`` on service accounts, 400 ``ErrTokenAlreadyExists`` on
tokens) come back as ``None``/``False`` so callers can carry on; every other error
status is raised as the client's typed ``GrafanaAPIError``. Each call names the shape of
the answer it needs (``grafana.answers.Shape``); the client refuses any other answer.

Creating a token or key is not idempotent, so those POSTs are never retried blindly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from dashgen.errors import ConflictError, GrafanaAPIError, NotFoundError
from dashgen.grafana.answers import Shape
from dashgen.grafana.client import NO_RETRY, GrafanaClient
from dashgen.secrets import Secret

SA_ALREADY_EXISTS = "serviceaccounts.ErrAlreadyExists"
SA_TOKEN_ALREADY_EXISTS = "serviceaccounts.ErrTokenAlreadyExists"

USER = Shape(
    "the signed-in user",
    required={"id": int, "login": str},
    optional={"orgId": int, "isGrafanaAdmin": bool},
)
ORG = Shape("an organization (id and name)", required={"id": int, "name": str})
CURRENT_ORG = Shape("the current organization (id and name)", required={"id": int, "name": str})
CREATED_ORG = Shape("the new organization's id", required={"orgId": int})
ORGS = Shape("the list of organizations", kind="list", items=ORG)
ORG_USERS = Shape(
    "the organization's users",
    kind="list",
    items=Shape("an org user", required={"userId": int, "login": str, "role": str}),
)
SERVICE_ACCOUNT = Shape(
    "a service account",
    required={"id": int, "name": str},
    optional={"login": str, "orgId": int, "role": str},
)
SERVICE_ACCOUNT_SEARCH = Shape(
    "the service-account search result",
    required={"serviceAccounts": Shape("accounts", kind="list", items=SERVICE_ACCOUNT)},
    optional={"totalCount": int},
)
CREATED_KEY = Shape(
    "the new token (its key)", required={"key": str}, optional={"id": int, "name": str}
)
API_KEYS = Shape(
    "the organization's API keys",
    kind="list",
    items=Shape("an API key", required={"id": int, "name": str}, optional={"role": str}),
)


@dataclass(frozen=True)
class User:
    id: int
    login: str
    org_id: int
    is_server_admin: bool


@dataclass(frozen=True)
class Org:
    id: int
    name: str


@dataclass(frozen=True)
class OrgUser:
    user_id: int
    login: str
    role: str


@dataclass(frozen=True)
class ServiceAccount:
    id: int
    name: str
    login: str
    org_id: int
    role: str


@dataclass(frozen=True)
class CreatedToken:
    """A freshly minted service-account token or API key; ``id`` is None on 7.x API keys."""

    id: int | None
    name: str
    key: Secret


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _message_id(error: GrafanaAPIError) -> str:
    if error.message_id:
        return str(error.message_id)
    body = error.body if isinstance(error.body, dict) else {}
    return str(body.get("messageId") or "")


# -- the signed-in user -----------------------------------------------------------------


USER_PATH = "/api/user"


def current_user(client: GrafanaClient) -> User:
    """``GET /api/user``: who the credentials belong to and their active org."""
    return user_from(client.get(USER_PATH, expect=USER))


def user_from(body: Mapping[str, Any]) -> User:
    """The user of an answer of ``GET /api/user`` (checked against ``USER``)."""
    return User(
        id=_int(body.get("id")),
        login=str(body.get("login") or ""),
        org_id=_int(body.get("orgId")),
        is_server_admin=bool(body.get("isGrafanaAdmin")),
    )


def switch_active_org(client: GrafanaClient, org_id: int) -> None:
    """``POST /api/user/using/:orgId``: changes the user's persisted current org."""
    client.post(f"/api/user/using/{org_id}")


def current_org(client: GrafanaClient, *, org_id: int | None = None) -> Org:
    """``GET /api/org``: the caller's org (a token's own org; a user's active org)."""
    body = client.get("/api/org", org_id=org_id, expect=CURRENT_ORG)
    return Org(id=_int(body.get("id")), name=str(body.get("name") or ""))


# -- orgs -------------------------------------------------------------------------------


def create_org(client: GrafanaClient, name: str) -> int | None:
    """``POST /api/orgs``; the new org id, or None when the name is taken (409). Never
    retried: a lost answer is read back by name by the caller (``dashgen.orgs.flows``)."""
    try:
        body = client.post("/api/orgs", json={"name": name}, retry=NO_RETRY, expect=CREATED_ORG)
    except ConflictError:
        return None
    return _int(body.get("orgId"))


def org_by_name(client: GrafanaClient, name: str) -> Org | None:
    """``GET /api/orgs/name/:name`` (server admin); None when there is no such org."""
    try:
        body = client.get(f"/api/orgs/name/{quote(name, safe='')}", expect=ORG)
    except NotFoundError:
        return None
    return Org(id=_int(body.get("id")), name=str(body.get("name") or name))


def list_orgs(client: GrafanaClient) -> list[Org]:
    """``GET /api/orgs`` (server admin)."""
    body = client.get("/api/orgs", params={"perpage": 1000}, expect=ORGS)
    return [Org(id=_int(o.get("id")), name=str(o.get("name") or "")) for o in body or []]


def add_org_user(client: GrafanaClient, org_id: int, login: str, role: str) -> bool:
    """``POST /api/orgs/:orgId/users``; False when the user already is a member (409)."""
    try:
        client.post(f"/api/orgs/{org_id}/users", json={"loginOrEmail": login, "role": role})
    except ConflictError:
        return False
    return True


def org_users(client: GrafanaClient, org_id: int) -> list[OrgUser]:
    """``GET /api/orgs/:orgId/users`` (server admin)."""
    body = client.get(f"/api/orgs/{org_id}/users", expect=ORG_USERS)
    return [
        OrgUser(
            user_id=_int(u.get("userId")), login=str(u.get("login") or ""), role=str(u.get("role"))
        )
        for u in body or []
    ]


def set_org_user_role(client: GrafanaClient, org_id: int, user_id: int, role: str) -> None:
    """``PATCH /api/orgs/:orgId/users/:userId``."""
    client.request("PATCH", f"/api/orgs/{org_id}/users/{user_id}", json={"role": role})


# -- service accounts (every call names the org with X-Grafana-Org-Id) ---------------------


def _service_account(body: dict[str, Any], org_id: int) -> ServiceAccount:
    return ServiceAccount(
        id=_int(body.get("id")),
        name=str(body.get("name") or ""),
        login=str(body.get("login") or ""),
        org_id=_int(body.get("orgId"), org_id),
        role=str(body.get("role") or ""),
    )


def find_service_account(client: GrafanaClient, org_id: int, name: str) -> ServiceAccount | None:
    """The service account called exactly ``name`` (search is a substring match)."""
    page = 1
    while True:
        body = client.get(
            "/api/serviceaccounts/search",
            params={"query": name, "perpage": 1000, "page": page},
            org_id=org_id,
            expect=SERVICE_ACCOUNT_SEARCH,
        )
        accounts = body.get("serviceAccounts") or []
        for account in accounts:
            # names are unique case-insensitively (the login is the lower-cased name)
            if str(account.get("name") or "").lower() == name.lower():
                return _service_account(account, org_id)
        if len(accounts) < 1000 or page * 1000 >= _int(body.get("totalCount")):
            return None
        page += 1


def create_service_account(
    client: GrafanaClient, org_id: int, name: str, role: str
) -> ServiceAccount | None:
    """``POST /api/serviceaccounts``; None when one of that name exists (400 or 409)."""
    try:
        body = client.post(
            "/api/serviceaccounts",
            json={"name": name, "role": role, "isDisabled": False},
            org_id=org_id,
            retry=NO_RETRY,
            expect=SERVICE_ACCOUNT,
        )
    except ConflictError:
        return None
    except GrafanaAPIError as error:
        if error.status == 400 and _message_id(error) == SA_ALREADY_EXISTS:
            return None
        raise
    return _service_account(body, org_id)


def create_service_account_token(
    client: GrafanaClient,
    org_id: int,
    service_account_id: int,
    name: str,
    seconds_to_live: int | None,
) -> CreatedToken | None:
    """``POST /api/serviceaccounts/:id/tokens``; None when the token name is taken."""
    payload: dict[str, Any] = {"name": name}
    if seconds_to_live:
        payload["secondsToLive"] = seconds_to_live
    try:
        body = client.post(
            f"/api/serviceaccounts/{service_account_id}/tokens",
            json=payload,
            org_id=org_id,
            retry=NO_RETRY,
            expect=CREATED_KEY,
        )
    except ConflictError:
        return None
    except GrafanaAPIError as error:
        if error.status == 400 and _message_id(error) == SA_TOKEN_ALREADY_EXISTS:
            return None
        raise
    return CreatedToken(
        id=_int(body.get("id")) or None, name=str(body.get("name") or name), key=Secret(body["key"])
    )


def delete_service_account_token(
    client: GrafanaClient, org_id: int, service_account_id: int, token_id: int
) -> None:
    """``DELETE /api/serviceaccounts/:id/tokens/:tokenId``."""
    client.delete(f"/api/serviceaccounts/{service_account_id}/tokens/{token_id}", org_id=org_id)


# -- legacy API keys (in the request's org: X-Grafana-Org-Id, else the active org) ----------


def create_api_key(
    client: GrafanaClient,
    name: str,
    role: str,
    seconds_to_live: int | None,
    *,
    org_id: int | None = None,
) -> CreatedToken | None:
    """``POST /api/auth/keys`` in ``org_id`` (sent as X-Grafana-Org-Id; None: the user's
    active org); None when the key name is taken (409).

    Raises ``GoneError`` (410) or ``NotFoundError`` (404) on Grafana 11.3+.
    """
    payload: dict[str, Any] = {"name": name, "role": role}
    if seconds_to_live:
        payload["secondsToLive"] = seconds_to_live
    try:
        body = client.post(
            "/api/auth/keys", json=payload, org_id=org_id, retry=NO_RETRY, expect=CREATED_KEY
        )
    except ConflictError:
        return None
    return CreatedToken(
        id=_int(body.get("id")) or None, name=str(body.get("name") or name), key=Secret(body["key"])
    )


def delete_api_key(client: GrafanaClient, org_id: int, key_id: int) -> None:
    """``DELETE /api/auth/keys/:id`` in the given org."""
    client.delete(f"/api/auth/keys/{key_id}", org_id=org_id)


def api_key_id(client: GrafanaClient, org_id: int, name: str) -> int | None:
    """The id of the API key called ``name`` in ``org_id`` (``GET /api/auth/keys``)."""
    for key in client.get("/api/auth/keys", org_id=org_id, expect=API_KEYS) or []:
        if key.get("name") == name:
            return _int(key.get("id")) or None
    return None

"""Who is calling, and in which org (contract §1)."""

from __future__ import annotations

import base64
import binascii
import re
import time
from dataclasses import dataclass

from dashgen.testing import credentials
from dashgen.testing.model import ANONYMOUS, ROLE_RANK
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.state import State
from dashgen.testing.wire import ApiError, Request, errutil, rbac_denied

USER, SERVICE_ACCOUNT, API_KEY = "user", "service-account", "api-key"


@dataclass(frozen=True)
class Identity:
    kind: str  # USER, SERVICE_ACCOUNT or API_KEY
    id: int  # user id, service-account id, or API key id
    login: str  # what the request log and dashboard versions show
    org_id: int  # -1 when a user asked for an org they do not belong to
    role: str | None
    is_server_admin: bool = False

    @property
    def is_user(self) -> bool:
        return self.kind == USER

    @property
    def saved_by(self) -> str:
        """What Grafana shows as createdBy/updatedBy for this identity's saves."""
        # Legacy keys carry no user id, so Grafana's login lookup falls back to "Anonymous".
        return ANONYMOUS if self.kind == API_KEY else self.login

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK.get(self.role or "None", 0) >= ROLE_RANK[minimum]


_INTEGER = re.compile(r"^[+-]?[0-9]+$")  # strconv.ParseInt's syntax


def _parse_int(raw: str | None) -> int | None:
    return int(raw) if raw and _INTEGER.match(raw) else None


def requested_org(request: Request) -> int | None:
    """``targetOrgId`` when it is > 0, else ``X-Grafana-Org-Id`` as given (0 and absent: None).

    A header of -1 is kept: a token then fails the org check, a user ends up in no org.
    """
    target = _parse_int(request.arg("targetOrgId"))
    if target is not None and target > 0:
        return target
    header = _parse_int(request.header("X-Grafana-Org-Id"))
    return header or None


def not_signed_in() -> ApiError:
    """No client recognised any credentials: ``errCantAuthenticateReq`` (§14.11)."""
    return errutil(401, "auth.unauthorized", "Unauthorized")


def authenticate(request: Request, state: State, profile: GrafanaProfile) -> Identity:
    """The identity behind the request, tried as Grafana's authn clients are (§1, §14.11):
    ``Bearer <token>`` (case-sensitive prefix), ``Basic`` with user ``api_key`` (a token),
    then ``Basic`` user:password. A header no client recognises counts as no credentials."""
    header = request.header("Authorization") or ""
    if header.startswith("Bearer "):
        token = header[len("Bearer ") :]
        if token:
            return _token_identity(token, request, state)
    basic = _decode_basic(header)
    if basic is not None:
        login, password = basic
        if login == "api_key":
            return _token_identity(password, request, state)
        return _user_identity(login, password, request, state, profile)
    raise not_signed_in()


def _decode_basic(header: str) -> tuple[str, str] | None:
    """``util.DecodeBasicAuthHeader``; None when the header is not a well-formed Basic one."""
    scheme, _, code = header.partition(" ")
    if scheme != "Basic":
        return None
    try:
        decoded = base64.b64decode(code, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    login, sep, password = decoded.partition(":")
    return (login, password) if sep else None


def _user_identity(
    login: str, password: str, request: Request, state: State, profile: GrafanaProfile
) -> Identity:
    user = state.user_by_login(login)
    if user is None or user.password_hash != credentials.hash_secret(password):
        status = profile.bad_password_status
        raise errutil(status, "password-auth.failed", "Invalid username or password")
    if user.is_disabled:
        raise errutil(401, "identity.disabled", "Unauthorized")
    org_id = requested_org(request) or user.current_org_id
    role = state.role_in(org_id, user.id)
    return Identity(
        kind=USER,
        id=user.id,
        login=user.login,
        org_id=org_id if role else -1,
        role=role,
        is_server_admin=user.is_server_admin,
    )


def _invalid() -> ApiError:
    return errutil(401, "api-key.invalid", "Invalid API key")


def _check_org(request: Request, token_org: int) -> None:
    wanted = requested_org(request)
    if wanted is not None and wanted != token_org:
        raise errutil(
            401,
            "api-key.organization-mismatch",
            "API key does not belong to the requested organization",
        )


def _check_lifetime(expires_at: float | None, revoked: bool) -> None:
    # validateApiKey checks expiry first: a key both expired and revoked reads "expired".
    if expires_at is not None and time.time() >= expires_at:
        raise errutil(401, "api-key.expired", "Expired API key")
    if revoked:
        raise errutil(401, "api-key.revoked", "Revoked API key")


def _token_identity(token: str, request: Request, state: State) -> Identity:
    if token.startswith("gl"):
        if not credentials.is_valid_sa_token(token):
            raise _invalid()
        found = state.find_sa_token(token)
        if found is None:
            raise _invalid()
        account, sa_token = found
        _check_lifetime(sa_token.expires_at, sa_token.revoked)
        if account.is_disabled:
            raise errutil(401, "identity.disabled", "Unauthorized")
        _check_org(request, account.org_id)
        return Identity(SERVICE_ACCOUNT, account.id, account.login, account.org_id, account.role)
    decoded = credentials.decode_legacy_key(token)
    key = state.find_api_key(decoded) if decoded else None
    if key is None:
        raise _invalid()
    _check_lifetime(key.expires_at, key.revoked)
    _check_org(request, key.org_id)
    return Identity(API_KEY, key.id, f"api_key:{key.name}", key.org_id, key.role)


def require_role(identity: Identity, minimum: str, evaluator: str, state: State) -> None:
    """RBAC: a basic role of at least ``minimum`` in the request org, else the 403 RBAC body."""
    if identity.org_id < 0 or not identity.has_role(minimum):
        raise rbac_denied(evaluator, state.access_error_id())


def require_server_admin(identity: Identity, evaluator: str, state: State) -> None:
    if not identity.is_server_admin:
        raise rbac_denied(evaluator, state.access_error_id())


def require_org_admin(identity: Identity, org_id: int, evaluator: str, state: State) -> None:
    """``authorizeInOrg(UseOrgFromContextParams, …)`` (§14.4): a server admin, or an Admin of
    the org named in the URL (a user who is Admin there, or an Admin token of that org)."""
    if identity.is_server_admin:
        return
    if identity.is_user:
        role = state.role_in(org_id, identity.id)
    else:
        role = identity.role if identity.org_id == org_id else None
    if role != "Admin":
        raise rbac_denied(evaluator, state.access_error_id())

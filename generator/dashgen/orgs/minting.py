"""Minting a token for an org: the service-account path first, the legacy API-key path
on very old Grafana or on request, chosen from Grafana's answers, not a version guess.

Every request of both paths names the org (``X-Grafana-Org-Id``, which a basic-auth user
may set per request, contract §1), so nothing depends on the admin's persisted active org
and bootstraps of different orgs can run at the same time. The API-key path verifies the
new key's org (``GET /api/org`` with the key) before it is returned; a key that landed in
another org is deleted there. Only a Grafana that ignores the header for
``POST /api/auth/keys`` (the key lands in the admin's active org) gets the tutorial's
switch (``POST /api/user/using/:orgId``), and the admin is switched back even when
creating the key fails.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dashgen.errors import (
    AuthenticationError,
    BootstrapError,
    GoneError,
    GrafanaAPIError,
    GrafanaError,
    NotFoundError,
    PermissionDeniedError,
    UsageError,
)
from dashgen.grafana import admin as api
from dashgen.grafana.client import GrafanaClient
from dashgen.messages import Doing, explain
from dashgen.orgs.lost import answer_lost, cleanup_time, forget_lost_token, reread, stopped
from dashgen.secrets import Secret
from dashgen.tokens import TokenKind

ROLES = ("Admin", "Editor", "Viewer")
DEFAULT_ROLE = "Editor"
DEFAULT_NAME = "dashgen"
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_UNIQUE_NAME_ATTEMPTS = 5


@dataclass(frozen=True)
class TokenRequest:
    """What ``dashgen token create`` asks for."""

    org: str
    role: str = DEFAULT_ROLE
    name: str = DEFAULT_NAME
    ttl_seconds: int | None = None
    legacy_api_key: bool = False
    rotate: bool = False


def parse_duration(text: str) -> int:
    """``30d``, ``12h``, ``90m``, ``45s``, ``1h30m`` or plain seconds → seconds (> 0)."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        seconds = int(cleaned)
    elif re.fullmatch(r"(\d+[smhdw])+", cleaned):
        seconds = sum(
            int(amount) * _DURATION_UNITS[unit]
            for amount, unit in re.findall(r"(\d+)([smhdw])", cleaned)
        )
    else:
        raise UsageError(f"cannot read duration {text!r}: use e.g. 30d, 12h, 90m or seconds")
    if seconds <= 0:
        raise UsageError(f"duration {text!r} must be longer than 0 seconds")
    return seconds


@dataclass
class Minted:
    """A new token and how it was made; ``notes`` say which path ran and why."""

    token: api.CreatedToken
    kind: TokenKind
    service_account: api.ServiceAccount | None = None
    service_account_created: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _EndpointMissing(Exception):
    """Grafana has no such API (404/410): the caller tries the other path."""

    def __init__(self, error: GrafanaAPIError) -> None:
        super().__init__(str(error))
        self.error = error


KeyOrg = Callable[[Secret], api.Org]  # the org a token acts in (GET /api/org with it)


def mint(
    client: GrafanaClient, user: api.User, org: api.Org, request: TokenRequest, key_org: KeyOrg
) -> Minted:
    """Mint a token in ``org`` with the admin ``client``, falling back between the paths."""
    if not request.legacy_api_key:
        try:
            return _mint_service_account_token(client, user, org, request)
        except _EndpointMissing as missing:
            legacy_note = (
                f"the service-account API is missing on this Grafana "
                f"({missing.error.status}); used the legacy API-key path"
            )
        try:
            minted = _mint_api_key(client, user, org, request, key_org)
        except _EndpointMissing as missing:
            raise BootstrapError(
                f"this Grafana has neither service accounts nor API keys "
                f"(POST /api/auth/keys answered {missing.error.status}); no token was created "
                f"for org {org.name!r}"
            ) from None
        minted.notes.insert(0, legacy_note)
        return minted
    try:
        return _mint_api_key(client, user, org, request, key_org)
    except _EndpointMissing as missing:
        minted = _mint_service_account_token(client, user, org, request)
        minted.notes.insert(
            0,
            f"the API-key path is gone on this Grafana (POST /api/auth/keys answered "
            f"{missing.error.status}); used service accounts instead",
        )
        return minted


def _unique_names(name: str) -> Iterator[str]:
    yield name
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    yield f"{name}-{stamp}"
    for counter in range(2, _UNIQUE_NAME_ATTEMPTS + 1):
        yield f"{name}-{stamp}-{counter}"


def _mint_service_account_token(
    client: GrafanaClient, user: api.User, org: api.Org, request: TokenRequest
) -> Minted:
    account, created = _ensure_service_account(client, user, org, request)
    minted = Minted(
        token=_first_free_name(
            lambda name: api.create_service_account_token(
                client, org.id, account.id, name, request.ttl_seconds
            ),
            request.name,
            f"service-account token for {account.name!r} in org {org.name!r}",
            lambda name, error, what: forget_lost_token(client, org, name, account, error, what),
        ),
        kind="service-account",
        service_account=account,
        service_account_created=created,
    )
    if not created and account.role and account.role != request.role:
        minted.notes.append(
            f"reused service account {account.name!r}, whose role is {account.role} "
            f"(asked for {request.role}); pass --name to create another one"
        )
    return minted


def _ensure_service_account(
    client: GrafanaClient, user: api.User, org: api.Org, request: TokenRequest
) -> tuple[api.ServiceAccount, bool]:
    try:
        account = api.find_service_account(client, org.id, request.name)
        if account is not None:
            return account, False
        account = _create_service_account(client, org, request)
        if account is not None:
            return account, True
        account = api.find_service_account(client, org.id, request.name)
    except NotFoundError as error:
        raise _EndpointMissing(error) from None
    except PermissionDeniedError as error:
        what = f"managing the service accounts of org {org.name!r} as user {user.login!r}"
        raise BootstrapError(explain(error, _admin_doing(org, what))) from None
    if account is None:
        raise BootstrapError(
            f"a service account named {request.name!r} exists in org {org.name!r} but user "
            f"{user.login!r} cannot see it to reuse it; pass --name with another name"
        )
    return account, False


def _create_service_account(
    client: GrafanaClient, org: api.Org, request: TokenRequest
) -> api.ServiceAccount | None:
    """``POST /api/serviceaccounts``; after a lost answer, the account a re-read finds
    (None: one of that name exists)."""
    try:
        return api.create_service_account(client, org.id, request.name, request.role)
    except GrafanaError as error:
        if not answer_lost(error):
            raise
        what = f"creating service account {request.name!r} in org {org.name!r}"
        sentence = explain(error, _admin_doing(org, what))
        try:
            found = reread(lambda: api.find_service_account(client, org.id, request.name))
        except GrafanaError:
            raise BootstrapError(
                f"{sentence}; Grafana may have created it (a re-read failed too), and a re-run "
                "reuses it if so; no token was created"
            ) from None
        if found is None or stopped(error):
            made = (
                "a re-read shows Grafana did not create it"
                if found is None
                else (f"a re-read shows Grafana created it (id {found.id}), and a re-run reuses it")
            )
            raise BootstrapError(f"{sentence}; {made}; no token was created") from None
        return found


def _mint_api_key(
    client: GrafanaClient, user: api.User, org: api.Org, request: TokenRequest, key_org: KeyOrg
) -> Minted:
    """An API key in ``org``, named in the request; the tutorial's switch only if Grafana
    put the key elsewhere (it ignored the header)."""
    key = _create_key(client, org, request, org_id=org.id)
    landed = _key_org(client, key, org, key_org)
    if landed.id == org.id:
        return Minted(token=key, kind="api-key")
    stray = _delete_stray_key(client, key, landed)
    original_org_id = api.current_user(client).org_id
    warnings: list[str] = []
    with _active_org(client, user, org, original_org_id, warnings):
        key = _create_key(client, org, request, org_id=None)
    landed = _key_org(client, key, org, key_org)
    if landed.id != org.id:
        again = _delete_stray_key(client, key, landed)
        raise BootstrapError(
            f"the API key for org {org.name!r} landed in org {landed.name!r} (id {landed.id}) "
            f"although user {user.login!r} was switched to org id {org.id}: another bootstrap "
            f"switched it meanwhile ({stray}; {again}); nothing was stored. Run it again"
        )
    minted = Minted(token=key, kind="api-key", warnings=warnings)
    minted.notes.append(
        f"this Grafana created the key in the admin's active org although the request named "
        f"org id {org.id} ({stray}); so user {user.login!r} was switched to org id {org.id} "
        f"to create it" + ("" if warnings else f", and back to org id {original_org_id}")
    )
    return minted


def _create_key(
    client: GrafanaClient, org: api.Org, request: TokenRequest, *, org_id: int | None
) -> api.CreatedToken:
    try:
        return _first_free_name(
            lambda name: api.create_api_key(
                client, name, request.role, request.ttl_seconds, org_id=org_id
            ),
            request.name,
            f"API key in org {org.name!r}",
            lambda name, error, what: forget_lost_token(client, org, name, None, error, what),
        )
    except (GoneError, NotFoundError) as error:
        raise _EndpointMissing(error) from None


def _key_org(
    client: GrafanaClient, key: api.CreatedToken, org: api.Org, key_org: KeyOrg
) -> api.Org:
    """The org the new key acts in; if that cannot be checked, the key is deleted (in the
    org it was meant for) rather than left behind unverified."""
    try:
        return key_org(key.key)
    except GrafanaError as error:
        with cleanup_time():  # (also after an interrupt: the key was never stored)
            gone = _delete_stray_key(client, key, org)
        what = f"checking the new API key of org {org.name!r}"
        raise BootstrapError(
            f"{explain(error, _admin_doing(org, what))}; {gone}, nothing was stored"
        ) from None


def _delete_stray_key(client: GrafanaClient, key: api.CreatedToken, landed: api.Org) -> str:
    """Delete a key that landed in the wrong org; what happened, as a clause."""
    what = f"the key that landed in org {landed.name!r} (id {landed.id})"
    try:
        key_id = key.id or api.api_key_id(client, landed.id, key.name)
        if key_id is None:
            return f"{what} could not be found to delete: delete API key {key.name!r} there"
        api.delete_api_key(client, landed.id, key_id)
    except GrafanaError as error:
        why = explain(error, _admin_doing(landed, f"deleting API key {key.name!r}"))
        return f"{what} could not be deleted ({why}): delete API key {key.name!r} there"
    return f"{what} was deleted"


@contextlib.contextmanager
def _active_org(
    client: GrafanaClient,
    user: api.User,
    org: api.Org,
    original_org_id: int,
    warnings: list[str],
) -> Iterator[None]:
    """Switch the user's active org to ``org`` and always switch it back afterwards."""
    if original_org_id == org.id:
        yield
        return
    try:
        api.switch_active_org(client, org.id)
    except AuthenticationError:
        raise BootstrapError(
            f"user {user.login!r} is not a member of org {org.name!r}, so the API-key path "
            f"cannot switch to it: run `dashgen org create {org.name}` first"
        ) from None
    try:
        yield
    except BaseException as error:
        problem = _switch_back(client, user, org, original_org_id)
        if problem:
            if isinstance(error, GrafanaError):
                what = f"creating an API key in org {org.name!r}"
                raise BootstrapError(
                    f"{explain(error, _admin_doing(org, what))}; {problem}"
                ) from error
            raise BootstrapError(f"{error}; {problem}") from error
        raise
    problem = _switch_back(client, user, org, original_org_id)
    if problem:
        warnings.append(problem)


def _switch_back(client: GrafanaClient, user: api.User, org: api.Org, org_id: int) -> str | None:
    try:
        with cleanup_time():  # (also after an interrupt)
            api.switch_active_org(client, org_id)
    except GrafanaError as error:
        what = f"switching user {user.login!r} back to org id {org_id}"
        return (
            f"user {user.login!r} could not be switched back to org id {org_id} "
            f"({explain(error, _admin_doing(org, what))}); switch it back in Grafana's "
            "profile page"
        )
    return None


def _admin_doing(org: api.Org, what: str) -> Doing:
    return Doing(org=org.name, what=what, credentials="admin")


def _first_free_name(
    create: Callable[[str], api.CreatedToken | None],
    name: str,
    what: str,
    forget: Callable[[str, GrafanaError, str], tuple[str, bool]],
) -> api.CreatedToken:
    """The first name of ``_unique_names`` that is free. A create whose answer was lost is
    read again (``forget``: a token made then is deleted) and sent once more, unless the
    deadline or an interrupt stopped it or the re-read failed."""
    for candidate in _unique_names(name):
        for attempt in (1, 2):
            try:
                created = create(candidate)
            except GrafanaError as error:
                if not answer_lost(error):
                    raise
                clause, settled = forget(candidate, error, what)
                if attempt == 2 or stopped(error) or not settled:
                    raise BootstrapError(f"{clause}; nothing was stored") from None
                continue
            if created is not None:
                return created
            break
    raise BootstrapError(f"could not find a free name for a new {what} (tried {name!r}-<time>)")

"""The bootstrap flows: org create, token create, bootstrap, token delete.

Every step is idempotent (an org, service account or membership that exists is looked
up and reused; a stored token that still works is kept) and each flow returns a result
that says what was done. When a flow stops half-way, ``BootstrapError`` says what
already happened and the exact command that finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from dashgen.errors import (
    AuthenticationError,
    BootstrapError,
    DashgenError,
    GrafanaError,
    TokenError,
    TokenStoreError,
    UsageError,
)
from dashgen.grafana import admin as api
from dashgen.grafana.client import Connection, GrafanaClient
from dashgen.messages import Doing, explain
from dashgen.orgs.access import AdminCredentials, admin_session
from dashgen.orgs.lost import answer_lost, cleanup_time, reread, stopped
from dashgen.orgs.minting import TokenRequest, mint
from dashgen.orgs.revoke import revoke as revoke_token
from dashgen.orgs.revoke import revoke_quietly, token_org
from dashgen.secrets import redact_url
from dashgen.tokens import StoredToken, TokenStore, normalize_grafana_url

Membership = Literal["added as Admin", "already an Admin member", "promoted to Admin"]
TokenPath = Literal["service-account", "api-key", "kept"]


@dataclass(frozen=True)
class OrgResult:
    grafana_url: str
    org: api.Org
    created: bool
    admin_login: str
    membership: Membership

    def summary(self) -> str:
        verb = "created" if self.created else "exists"
        return f"org {self.org.name!r} {verb} (id {self.org.id})"


@dataclass(frozen=True)
class TokenResult:
    """``path`` is how the token was obtained: ``kept`` means the stored token still
    worked and was left alone (pass ``rotate`` to replace it)."""

    entry: StoredToken
    path: TokenPath
    store: TokenStore
    service_account_created: bool = False
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BootstrapResult:
    org: OrgResult
    token: TokenResult
    verified_org: api.Org


@dataclass(frozen=True)
class DeleteResult:
    entry: StoredToken
    store: TokenStore
    revoked: bool
    notes: tuple[str, ...] = ()


def ensure_org(target: Connection, credentials: AdminCredentials, name: str) -> OrgResult:
    """Create the org (or find it when the name is taken) and make the admin an Admin of it."""
    with admin_session(target, credentials) as (client, user):
        return _ensure_org(client, user, target, name)


def _ensure_org(
    client: GrafanaClient, user: api.User, target: Connection, name: str, command: str = ""
) -> OrgResult:
    """``command`` finishes the job after a failure (default ``dashgen org create NAME``)."""
    command = command or f"dashgen org create {name}"
    try:
        new_id = _create_org(client, name, command)
        org = api.Org(new_id, name) if new_id is not None else _org_named(client, name)
    except GrafanaError as error:
        sentence = explain(error, _admin_doing(name, f"creating org {name!r}"))
        raise BootstrapError(f"{sentence}; nothing was changed") from None
    if org is None:
        raise BootstrapError(
            f"Grafana says the org name {name!r} is taken, but GET /api/orgs/name/{name} "
            "does not find it; nothing was changed"
        )
    created = new_id is not None
    try:
        membership = _ensure_admin_member(client, org.id, user)
    except GrafanaError as error:
        verb = "created" if created else "exists"
        sentence = explain(error, _admin_doing(name, f"making {user.login!r} an Admin of it"))
        raise BootstrapError(
            f"org {name!r} {verb} (id {org.id}); {sentence}. Run `{command}` again"
        ) from None
    return OrgResult(target.url, org, created, user.login, membership)


def _create_org(client: GrafanaClient, name: str, command: str) -> int | None:
    """``POST /api/orgs``; after a lost answer, the org a re-read finds (or a sentence
    saying it may exist: Grafana may have created it)."""
    try:
        return api.create_org(client, name)
    except GrafanaError as error:
        if not answer_lost(error):
            raise
        sentence = explain(error, _admin_doing(name, f"creating org {name!r}"))
        try:
            found = reread(lambda: _org_named(client, name))
        except GrafanaError:
            raise BootstrapError(
                f"{sentence}; Grafana may have created it (a re-read failed too): run "
                f"`{command}` again, which finds it if it is there"
            ) from None
        if found is None:
            raise BootstrapError(
                f"{sentence}; a re-read shows no such org: nothing was changed"
            ) from None
        if stopped(error):
            raise BootstrapError(
                f"{sentence}; a re-read shows Grafana created it (id {found.id}), but nothing "
                f"more was done: run `{command}` again to finish"
            ) from None
        return found.id


def _org_named(client: GrafanaClient, name: str) -> api.Org | None:
    """The org called ``name``. A router that matches the decoded path (older Grafana's
    macaron router, and the emulator) never takes ``GET /api/orgs/name/a%2Fb`` to the route
    (newer ``pkg/web`` splits the escaped path first), so a name with a "/" is looked up in
    the list of orgs, which every version serves."""
    if "/" not in name:
        return api.org_by_name(client, name)
    return next((org for org in api.list_orgs(client) if org.name == name), None)


def _ensure_admin_member(client: GrafanaClient, org_id: int, user: api.User) -> Membership:
    if api.add_org_user(client, org_id, user.login, "Admin"):
        return "added as Admin"
    member = next((m for m in api.org_users(client, org_id) if m.login == user.login), None)
    if member is None or member.role == "Admin":
        return "already an Admin member"
    api.set_org_user_role(client, org_id, member.user_id, "Admin")
    return "promoted to Admin"


# -- token create -----------------------------------------------------------------------


def create_token(
    target: Connection,
    credentials: AdminCredentials,
    request: TokenRequest,
    *,
    store: TokenStore | None = None,
) -> TokenResult:
    """Mint a token for ``request.org`` and save it in the store.

    A stored token for this Grafana and org that still authenticates for that org is
    kept (idempotent re-runs), unless ``request.rotate``.
    """
    store = store or TokenStore()
    _check_store(store, target, request)
    kept = _keep_stored_token(target, request, store)
    if kept is not None:
        return kept
    with admin_session(target, credentials) as (client, user):
        return _create_token(client, user, target, request, store)


def _check_store(store: TokenStore, target: Connection, request: TokenRequest) -> None:
    """Before anything is made in Grafana: the store can take the new token, and the entry
    a run without ``rotate`` reads is well-formed (``TokenStoreError``, exit 2 if malformed)."""
    store.check_usable()
    if not request.rotate:
        store.get(target.url, request.org)


def _keep_stored_token(
    target: Connection, request: TokenRequest, store: TokenStore
) -> TokenResult | None:
    """The stored token, when it still authenticates for the org and no rotation was asked."""
    if request.rotate:  # also the way to replace a malformed entry: it is not read
        return None
    entry = store.get(target.url, request.org)
    if entry is None or entry.expired():
        return None
    try:
        with target.token_client(entry.token) as client:
            live = api.current_org(client)
    except AuthenticationError:  # revoked, expired or unknown: mint a new one
        return None
    if live.name != request.org:
        return None
    notes = ["a stored token for this org still works, so it was kept (use --rotate to replace it)"]
    if entry.role != request.role:
        notes.append(
            f"the kept token has role {entry.role} (asked for {request.role}); to change it, "
            "change the service account's role in Grafana, or use --name with --rotate"
        )
    return TokenResult(entry=entry, path="kept", store=store, notes=tuple(notes))


def _create_token(
    client: GrafanaClient,
    user: api.User,
    target: Connection,
    request: TokenRequest,
    store: TokenStore,
) -> TokenResult:
    previous = _previous_entry(store, target, request)
    org = _find_org(client, target, request.org)
    try:
        minted = mint(client, user, org, request, lambda key: token_org(target, key))
    except GrafanaError as error:
        doing = _admin_doing(request.org, f"minting a token for org {org.name!r}")
        sentence = explain(error, doing)
        raise BootstrapError(f"{sentence}; nothing was stored") from None
    now = datetime.now(UTC).replace(microsecond=0)
    expires = now + timedelta(seconds=request.ttl_seconds) if request.ttl_seconds else None
    account = minted.service_account
    entry = StoredToken(
        grafana_url=normalize_grafana_url(target.url),
        org=request.org,
        token=minted.token.key,
        kind=minted.kind,
        org_id=org.id,
        name=minted.token.name,
        role=account.role if account and account.role else request.role,
        created_at=now.isoformat(),
        expires_at=expires.isoformat() if expires else None,
        service_account_id=account.id if account else None,
        token_id=minted.token.id,
    )
    try:  # only over the entry read before minting: not over one a concurrent run stored
        held = store.put(entry, if_still=previous)
    except (DashgenError, OSError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        with cleanup_time():
            revoked = revoke_quietly(client, entry, "unsaved", target)
        raise BootstrapError(
            f"a {minted.kind} token was created in org {request.org!r} but could not be saved "
            f"in token store {store}: {reason} ({revoked}). Fix the store, then run "
            f"`dashgen token create --org {request.org}` again"
        ) from None
    if held is not entry:
        with cleanup_time():
            revoked = revoke_quietly(client, entry, "new", target)
        note = (
            f"another run stored a token for org {request.org!r} meanwhile (created "
            f"{held.created_at}); it was kept, and the one this run made was not ({revoked})"
        )
        return TokenResult(entry=held, path="kept", store=store, notes=(note,))
    if previous is not None and request.rotate:
        minted.notes.append(revoke_quietly(client, previous, "previous", target))
    return TokenResult(
        entry=entry,
        path=minted.kind,
        store=store,
        service_account_created=minted.service_account_created,
        notes=tuple(minted.notes),
        warnings=tuple(minted.warnings),
    )


def _previous_entry(
    store: TokenStore, target: Connection, request: TokenRequest
) -> StoredToken | None:
    """The entry a rotation replaces; a malformed one (``--rotate`` replaces it) is None."""
    try:
        return store.get(target.url, request.org)
    except TokenStoreError:
        if request.rotate:
            return None
        raise


def _find_org(client: GrafanaClient, target: Connection, name: str) -> api.Org:
    org = _org_named(client, name)
    if org is None:
        raise BootstrapError(
            f"there is no org {name!r} at {target.display_url}: create it with "
            f"`dashgen org create {name}` (or run `dashgen bootstrap {name}`)"
        )
    return org


def verify_token(target: Connection, entry: StoredToken) -> api.Org:
    """``GET /api/org`` with the token; raises ``TokenError`` unless it is the entry's org."""
    try:
        with target.token_client(entry.token) as client:
            live = api.current_org(client)
    except GrafanaError as error:
        doing = Doing(org=entry.org, what=f"checking the new token of org {entry.org!r}")
        raise TokenError(explain(error, doing)) from None
    if live.name != entry.org:
        raise TokenError(
            f"the token stored for org {entry.org!r} belongs to org {live.name!r} (id {live.id})"
        )
    return live


def bootstrap(
    target: Connection,
    credentials: AdminCredentials,
    request: TokenRequest,
    *,
    store: TokenStore | None = None,
) -> BootstrapResult:
    """Org create + token create + ``GET /api/org`` with the new token."""
    store = store or TokenStore()
    _check_store(store, target, request)
    with admin_session(target, credentials) as (client, user):
        org_result = _ensure_org(
            client, user, target, request.org, f"dashgen bootstrap {request.org}"
        )
        try:
            token_result = _keep_stored_token(target, request, store) or _create_token(
                client, user, target, request, store
            )
        except DashgenError as error:
            raise BootstrapError(
                f"{org_result.summary()}; token not created: {error}. "
                f"Run `dashgen token create --org {request.org}` again"
            ) from None
    try:
        verified = verify_token(target, token_result.entry)
    except DashgenError as error:
        if target.deadline is not None and target.deadline.passed():  # not the token's fault
            raise BootstrapError(
                f"{org_result.summary()}; token stored in {store}, not checked yet: {error}. "
                f"Run `dashgen bootstrap {request.org}` again to check it"
            ) from None
        raise BootstrapError(
            f"{org_result.summary()}; token stored in {store}, but it failed verification: "
            f"{error}. Run `dashgen token create --org {request.org} --rotate`"
        ) from None
    return BootstrapResult(org_result, token_result, verified)


def find_stored_token(store: TokenStore, org: str, grafana_url: str | None) -> StoredToken:
    """The entry for ``org`` (at ``grafana_url``, or the only Grafana that has one)."""
    if grafana_url:
        entry = store.get(grafana_url, org)
        if entry is None:
            raise TokenError(
                f"no token for org {org!r} at {redact_url(grafana_url)} in token store {store}"
            )
        return entry
    matches = [e for e in store.entries() if e.org == org]
    if not matches:
        raise TokenError(f"no token for org {org!r} in token store {store}")
    if len(matches) > 1:
        urls = ", ".join(e.grafana_url for e in matches)
        raise UsageError(
            f"org {org!r} has tokens for several Grafanas ({urls}): pass --grafana-url"
        )
    return matches[0]


def delete_token(
    store: TokenStore,
    org: str,
    *,
    grafana_url: str | None = None,
    revoke: tuple[Connection, AdminCredentials] | None = None,
) -> DeleteResult:
    """Remove the org's token from the store; with ``revoke``, delete it in Grafana first."""
    entry = find_stored_token(store, org, grafana_url)
    notes: list[str] = []
    if revoke is not None:
        target, credentials = revoke
        with admin_session(target, credentials) as (client, _user):
            notes.append(revoke_token(client, entry, target=target))
    store.remove(entry.grafana_url, entry.org)
    return DeleteResult(entry=entry, store=store, revoked=revoke is not None, notes=tuple(notes))


def _admin_doing(org: str, what: str) -> Doing:
    return Doing(org=org, what=what, credentials="admin")

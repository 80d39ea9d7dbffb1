"""All emulator state behind one re-entrant lock, with the operations seeding and routes share."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

from dashgen.testing import credentials
from dashgen.testing.model import (
    ApiKey,
    Dashboard,
    Datasource,
    Folder,
    LoggedRequest,
    Org,
    ServiceAccount,
    Token,
    User,
    now_iso,
)
from dashgen.testing.wire import ApiError, errutil, message

MAIN_ORG_ID = 1
ADMIN_USER_ID = 1  # the server admin created with the state
ADMIN_EMAIL = "admin@localhost"  # defaults.ini [security] admin_email


class State:
    """``seed`` None draws tokens and uids from the OS's randomness (two emulators never
    hand out the same token); an int makes them repeatable."""

    def __init__(
        self,
        admin_user: str,
        admin_password: str,
        seed: int | None,
        min_refresh_interval: str = "5s",
    ) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        # Its own stream, so resource uids leave the tokens and uids of a seed unchanged.
        self._resource_rng = random.Random(None if seed is None else f"resources-{seed}")
        self.min_refresh_interval = min_refresh_interval  # the server's min_refresh_interval
        self._org_ids = count(1)
        self._user_ids = count(1)  # users and service accounts share ids, as in Grafana
        self._dashboard_ids = count(1)  # dashboards and folders share ids
        self._token_ids = count(1)
        self._version_ids = count(1)
        self._datasource_ids = count(1)
        self._last_rv = 0
        self.orgs: dict[int, Org] = {}
        self.users: dict[int, User] = {}
        self.memberships: dict[tuple[int, int], str] = {}  # (org_id, user_id) -> role
        self.service_accounts: dict[int, ServiceAccount] = {}
        self.api_keys: dict[int, ApiKey] = {}
        self.folders: dict[tuple[int, str], Folder] = {}
        self.dashboards: dict[tuple[int, str], Dashboard] = {}
        # (org_id, uid) -> testing.library.LibraryElement
        self.library_elements: dict[tuple[int, str], Any] = {}
        self.datasources: dict[int, Datasource] = {}
        # (org id, "<identity kind>:<id>", dashboard id) for every star.
        self.stars: set[tuple[int, str, int]] = set()
        self.request_log: list[LoggedRequest] = []
        self.create_org("Main Org.")
        # Grafana's first admin gets [security] admin_email (defaults.ini: admin@localhost).
        admin = self.create_user(
            admin_user, admin_password, email=ADMIN_EMAIL, is_server_admin=True
        )
        self.memberships[(MAIN_ORG_ID, admin.id)] = "Admin"

    # ids -------------------------------------------------------------------------------
    def next_dashboard_id(self) -> int:
        return next(self._dashboard_ids)

    def next_version_id(self) -> int:
        return next(self._version_ids)

    def next_datasource_id(self) -> int:
        return next(self._datasource_ids)

    def next_resource_version(self) -> str:
        """A store-wide, strictly increasing ``resourceVersion``: microseconds since the epoch
        as unified storage uses (grafana-apis.md §3.3), bumped past the previous one."""
        self._last_rv = max(self._last_rv + 1, int(time.time() * 1_000_000))
        return str(self._last_rv)

    @contextmanager
    def trial(self) -> Iterator[None]:
        """Work a dry run does and throws away: the ids and resourceVersions it took are
        given back."""
        next_id, last_rv = next(self._dashboard_ids), self._last_rv
        try:
            yield
        finally:
            self._dashboard_ids, self._last_rv = count(next_id), last_rv

    def current_resource_version(self) -> str:
        """The store's latest ``resourceVersion`` (a LIST's ``metadata.resourceVersion``)."""
        return str(self._last_rv) if self._last_rv else self.next_resource_version()

    def new_k8s_uid(self) -> str:
        """A ``metadata.uid``: a random UUID (§3.1)."""
        return str(uuid.UUID(int=self._resource_rng.getrandbits(128), version=4))

    def access_error_id(self) -> str:
        return "ACE" + "".join(self.rng.choice("0123456789") for _ in range(10))

    def new_uid(self, length: int = 14) -> str:
        first = self.rng.choice("abcdefghijklmnopqrstuvwxyz")
        return first + credentials.random_secret(self.rng, length - 1).lower()

    # orgs and users ----------------------------------------------------------------------
    def create_org(self, name: str, creator: User | None = None) -> Org:
        with self.lock:
            if self.org_by_name(name) is not None:
                raise message(409, "Organization name taken")
            org = Org(id=next(self._org_ids), name=name)
            self.orgs[org.id] = org
            if creator is not None:
                self.memberships[(org.id, creator.id)] = "Admin"
            return org

    def org_by_name(self, name: str) -> Org | None:
        """Exact match: ``WHERE name=?`` is case-sensitive on SQLite and Postgres (§14.5)."""
        return next((o for o in self.orgs.values() if o.name == name), None)

    def create_user(
        self,
        login: str,
        password: str,
        *,
        email: str | None = None,
        name: str | None = None,
        is_server_admin: bool = False,
        org_id: int | None = None,
        role: str = "Viewer",
    ) -> User:
        with self.lock:
            if self.user_by_login(login) is not None or (email and self.user_by_login(email)):
                raise message(412, "User with same email address or login already exists")
            target_org = org_id if org_id is not None else MAIN_ORG_ID
            user = User(
                id=next(self._user_ids),
                login=login,
                # user Create: ``if cmd.Email == "" { cmd.Email = cmd.Login }``
                email=email or login,
                name=name or login,
                password_hash=credentials.hash_secret(password),
                is_server_admin=is_server_admin,
                current_org_id=target_org,
            )
            self.users[user.id] = user
            # Grafana's auto_assign_org puts new users in the main org as Viewer.
            self.memberships[(target_org, user.id)] = role
            return user

    def user_by_login(self, login_or_email: str) -> User | None:
        key = login_or_email.lower()
        return next(
            (u for u in self.users.values() if key in (u.login.lower(), u.email.lower())), None
        )

    def add_member(self, org_id: int, user: User, role: str) -> None:
        with self.lock:
            if (org_id, user.id) in self.memberships:
                raise ApiError(
                    409,
                    {"message": "User is already member of this organization", "userId": user.id},
                )
            self.memberships[(org_id, user.id)] = role

    def role_in(self, org_id: int, user_id: int) -> str | None:
        return self.memberships.get((org_id, user_id))

    def delete_user(self, user_id: int) -> None:
        """``DeleteUserCommand``: the user, their memberships, stars and managed permissions."""
        with self.lock:
            del self.users[user_id]
            for key in [k for k in self.memberships if k[1] == user_id]:
                del self.memberships[key]
            self.stars = {star for star in self.stars if star[1] != f"user:{user_id}"}
            for resource in [*self.folders.values(), *self.dashboards.values()]:
                resource.acl = [entry for entry in resource.acl if entry.user_id != user_id]

    def delete_org(self, org_id: int) -> None:
        """``DeleteOrgCommand``: the org and everything in it (members, service accounts and
        their tokens, API keys, folders, dashboards, library elements, data sources, stars).
        A user whose current org it was moves to another of their orgs (0: none left)."""
        with self.lock:
            del self.orgs[org_id]
            members = [u for (o, u) in self.memberships if o == org_id]
            for user_id in members:
                del self.memberships[(org_id, user_id)]
            for user_id in members:
                user = self.users.get(user_id)
                if user is not None and user.current_org_id == org_id:
                    left = sorted(o for (o, u) in self.memberships if u == user_id)
                    user.current_org_id = left[0] if left else 0
            for table in (self.service_accounts, self.api_keys, self.datasources):
                for key in [k for k, v in table.items() if v.org_id == org_id]:
                    del table[key]
            for table in (self.folders, self.dashboards, self.library_elements):
                for key in [k for k in table if k[0] == org_id]:
                    del table[key]
            self.stars = {star for star in self.stars if star[0] != org_id}

    # service accounts, tokens, API keys -------------------------------------------------------
    def create_service_account(
        self, org_id: int, name: str, role: str, is_disabled: bool = False
    ) -> ServiceAccount:
        with self.lock:
            if any(
                sa.org_id == org_id and sa.name.lower() == name.lower()
                for sa in self.service_accounts.values()
            ):
                raise errutil(
                    400, "serviceaccounts.ErrAlreadyExists", "service account already exists"
                )
            account = ServiceAccount(
                id=next(self._user_ids),
                uid=self.new_uid(),
                org_id=org_id,
                name=name,
                login=f"sa-{org_id}-{name.lower().replace(' ', '-')}",
                role=role,
                is_disabled=is_disabled,
            )
            self.service_accounts[account.id] = account
            return account

    def add_sa_token(
        self, account: ServiceAccount, name: str, seconds_to_live: int = 0
    ) -> tuple[Token, str]:
        with self.lock:
            if any(t.name == name for t in account.tokens):
                raise errutil(
                    400,
                    "serviceaccounts.ErrTokenAlreadyExists",
                    "service account token with given name already exists in the organization",
                )
            clear = credentials.new_sa_token(self.rng)
            token = Token(
                id=next(self._token_ids),
                name=name,
                hashed=credentials.hash_secret(clear),
                created=now_iso(),
                expires_at=int(time.time()) + seconds_to_live if seconds_to_live > 0 else None,
            )
            account.tokens.append(token)
            return token, clear

    def find_sa_token(self, clear: str) -> tuple[ServiceAccount, Token] | None:
        hashed = credentials.hash_secret(clear)
        for account in self.service_accounts.values():
            for token in account.tokens:
                if token.hashed == hashed:
                    return account, token
        return None

    def create_api_key(
        self, org_id: int, name: str, role: str, seconds_to_live: int = 0
    ) -> tuple[ApiKey, str]:
        with self.lock:
            if any(k.org_id == org_id and k.name == name for k in self.api_keys.values()):
                # apikey.ErrDuplicate (10.x/11.x text)
                raise message(409, "API key, organization ID and name must be unique")
            clear, decoded = credentials.new_legacy_key(self.rng, name, org_id)
            key = ApiKey(
                id=next(self._token_ids),
                org_id=org_id,
                name=name,
                role=role,
                hashed=credentials.hash_secret(decoded.secret),
                expires_at=int(time.time()) + seconds_to_live if seconds_to_live > 0 else None,
            )
            self.api_keys[key.id] = key
            return key, clear

    def find_api_key(self, decoded: credentials.LegacyKey) -> ApiKey | None:
        hashed = credentials.hash_secret(decoded.secret)
        return next(
            (
                k
                for k in self.api_keys.values()
                if k.org_id == decoded.org_id and k.name == decoded.name and k.hashed == hashed
            ),
            None,
        )

    # folders and dashboards (lookups; saving lives in dashboards.py) -------------------------
    def folder(self, org_id: int, uid: str) -> Folder | None:
        return self.folders.get((org_id, uid))

    def dashboard(self, org_id: int, uid: str) -> Dashboard | None:
        return self.dashboards.get((org_id, uid))

    def dashboard_by_id(self, org_id: int, dashboard_id: int) -> Dashboard | None:
        return next(
            (d for d in self.dashboards.values() if d.org_id == org_id and d.id == dashboard_id),
            None,
        )

    def folder_by_id(self, org_id: int, folder_id: int) -> Folder | None:
        return next(
            (f for f in self.folders.values() if f.org_id == org_id and f.id == folder_id), None
        )

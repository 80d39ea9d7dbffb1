"""The emulator's public face: a thread-safe WSGI app, plus seeding and inspection helpers."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable
from typing import Any

import httpx

from dashgen.testing import credentials, dashboards, folders, library
from dashgen.testing.dashboards import SaveCommand
from dashgen.testing.dispatch import ConnectionDropped, Dispatcher
from dashgen.testing.faults import Faults
from dashgen.testing.model import ApiKey, LoggedRequest, StoredDashboard, Token, VersionRecord
from dashgen.testing.profiles import GrafanaProfile, profile_for
from dashgen.testing.state import State
from dashgen.testing.wire import Request, Response
from dashgen.testing.wsgi import (
    InProcessTransport,
    StartResponse,
    request_from_environ,
    write_response,
)

__all__ = ["ConnectionDropped", "Emulator"]


class Emulator:
    """A Grafana HTTP API emulator (see docs/emulator.md).

    ``version`` picks a behaviour profile ("11.2", "12.0", "13.0"); ``profile`` overrides it
    entirely. ``latency_ms`` is added to every response, outside the state lock, so
    concurrent requests overlap as they would against a remote Grafana. ``seed`` makes
    generated tokens, uids and probabilistic faults repeatable.
    """

    def __init__(
        self,
        version: str = "12.0",
        admin_user: str = "admin",
        admin_password: str = "admin",
        latency_ms: float = 0,
        *,
        seed: int = 0,
        profile: GrafanaProfile | None = None,
    ) -> None:
        self.profile = profile or profile_for(version)
        self.version = self.profile.version
        self.admin_user = admin_user
        self.latency_ms = latency_ms
        self.state = State(admin_user, admin_password, seed)
        self.faults = Faults(seed)
        self._dispatcher = Dispatcher(self.state, self.profile, self.faults, latency_ms)

    # transport seams ---------------------------------------------------------------------
    def transport(self) -> httpx.BaseTransport:
        """An httpx transport that serves requests in-process (no sockets)."""
        return InProcessTransport(app=self)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return write_response(self.handle(request_from_environ(environ)), start_response)

    def handle(self, request: Request) -> Response:
        """Answer one request; raises ``ConnectionDropped`` when a fault drops it."""
        return self._dispatcher.handle(request)

    # seeding -------------------------------------------------------------------------------
    def create_org(self, name: str) -> int:
        return self.state.create_org(name).id

    def create_user(
        self,
        login: str,
        password: str,
        *,
        email: str | None = None,
        name: str | None = None,
        is_admin: bool = False,
    ) -> int:
        """A user, member of the main org as Viewer (Grafana's auto_assign_org)."""
        return self.state.create_user(
            login, password, email=email, name=name, is_server_admin=is_admin
        ).id

    def add_org_user(self, org_id: int, login: str, role: str = "Viewer") -> None:
        with self.state.lock:
            user = self.state.user_by_login(login)
            if user is None:
                raise LookupError(f"no user {login!r}")
            self.state.add_member(org_id, user, role)

    def create_service_account_token(
        self,
        org_id: int,
        role: str = "Admin",
        name: str | None = None,
        *,
        seconds_to_live: int = 0,
    ) -> str:
        """A ``glsa_`` token for a service account ``name`` (created, or reused) in ``org_id``."""
        with self.state.lock:
            name = name or f"sa-{len(self.state.service_accounts) + 1}"
            account = next(
                (
                    sa
                    for sa in self.state.service_accounts.values()
                    if sa.org_id == org_id and sa.name == name
                ),
                None,
            ) or self.state.create_service_account(org_id, name, role)
            token_name = f"{name}-token-{len(account.tokens) + 1}"
            return self.state.add_sa_token(account, token_name, seconds_to_live)[1]

    def create_api_key(
        self, org_id: int, role: str = "Admin", name: str | None = None, *, seconds_to_live: int = 0
    ) -> str:
        """A legacy ``eyJrIjoi…`` key; it authenticates in every mode, as migrated keys do."""
        with self.state.lock:
            name = name or f"key-{len(self.state.api_keys) + 1}"
            return self.state.create_api_key(org_id, name, role, seconds_to_live)[1]

    def revoke_token(self, token: str) -> None:
        """Mark a token or key revoked (as Grafana's secret scanning would): 401 api-key.revoked."""
        with self.state.lock:
            self._stored_credential(token).revoked = True

    def expire_token(self, token: str) -> None:
        """Make a token or key expired now (401 api-key.expired), without waiting for a TTL."""
        with self.state.lock:
            self._stored_credential(token).expires_at = time.time() - 1

    def _stored_credential(self, token: str) -> Token | ApiKey:
        found = self.state.find_sa_token(token)
        if found is not None:
            return found[1]
        decoded = credentials.decode_legacy_key(token)
        key = self.state.find_api_key(decoded) if decoded else None
        if key is None:
            raise LookupError("no such token or API key")
        return key

    def create_folder(self, org_id: int, title: str, uid: str | None = None) -> str:
        with self.state.lock:
            folder = folders.create_folder(
                self.state, self.profile, org_id, title, uid=uid, created_by=self.admin_user
            )
            return folder.uid

    def create_library_panel(
        self,
        org_id: int,
        uid: str,
        name: str,
        model: dict[str, Any],
        folder_uid: str | None = None,
    ) -> str:
        """A library panel (kind 1) with ``model``, as the UI's "New library panel" makes it."""
        with self.state.lock:
            return library.create_panel(
                self.state,
                org_id,
                uid,
                name,
                model,
                folder_uid=folder_uid,
                created_by=self.admin_user,
            ).uid

    def save_dashboard(
        self,
        org_id: int,
        dashboard: dict[str, Any],
        folder_uid: str | None = None,
        message: str = "",
        user: str | None = None,
    ) -> dict[str, Any]:
        """Save as ``user`` (default the admin) with overwrite; returns the save response."""
        command = SaveCommand(
            org_id=org_id,
            dashboard=copy.deepcopy(dashboard),  # callers may keep mutating theirs
            saved_by=user or self.admin_user,
            folder_uid=folder_uid,
            overwrite=True,
            message=message,
        )
        with self.state.lock:
            return dashboards.save_response(dashboards.save(self.state, self.profile, command))

    # inspection ------------------------------------------------------------------------------
    @property
    def request_log(self) -> list[LoggedRequest]:
        with self.state.lock:
            return list(self.state.request_log)

    def clear_request_log(self) -> None:
        with self.state.lock:
            self.state.request_log.clear()

    def dashboard(self, org_id: int, uid: str) -> StoredDashboard | None:
        with self.state.lock:
            stored = self.state.dashboard(org_id, uid)
            return StoredDashboard.of(stored) if stored else None

    def versions(self, org_id: int, uid: str) -> list[VersionRecord]:
        """Every saved version, oldest first (empty when the dashboard does not exist)."""
        with self.state.lock:
            stored = self.state.dashboard(org_id, uid)
            return copy.deepcopy(stored.versions) if stored else []

    def dashboards(self, org_id: int) -> list[StoredDashboard]:
        with self.state.lock:
            found = [d for d in self.state.dashboards.values() if d.org_id == org_id]
            return [StoredDashboard.of(d) for d in sorted(found, key=lambda d: d.uid)]

    def folder_uids(self, org_id: int) -> list[str]:
        with self.state.lock:
            return sorted(uid for (org, uid) in self.state.folders if org == org_id)

    def org_id_by_name(self, name: str) -> int | None:
        with self.state.lock:
            org = self.state.org_by_name(name)
            return org.id if org else None

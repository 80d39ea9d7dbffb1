"""The emulator's public face: a thread-safe WSGI app, plus seeding and inspection helpers."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import httpx

from dashgen.testing import (
    apis_seeding,
    credentials,
    dashboards,
    datasources,
    folders,
    gojson,
    library,
)
from dashgen.testing.dashboards import SaveCommand
from dashgen.testing.dispatch import AnswerTrickles, ConnectionDropped, Dispatcher
from dashgen.testing.faults import Faults
from dashgen.testing.model import (
    ANONYMOUS,
    ApiKey,
    LoggedRequest,
    StoredDashboard,
    Token,
    VersionRecord,
)
from dashgen.testing.profiles import GrafanaProfile, profile_for
from dashgen.testing.refresh import DEFAULT_MIN_REFRESH_INTERVAL, parse_grafana_duration
from dashgen.testing.state import State
from dashgen.testing.wire import Request, Response
from dashgen.testing.wsgi import (
    BadFraming,
    InProcessTransport,
    StartResponse,
    bad_request,
    request_from_environ,
    write_response,
)

__all__ = ["ConnectionDropped", "Emulator"]


class Emulator:
    """A Grafana HTTP API emulator (see docs/emulator.md).

    ``version`` picks a behaviour profile ("11.2", "12.0", "13.0"); ``profile`` overrides it
    entirely. ``latency_ms`` is added to every response, outside the state lock, so
    concurrent requests overlap as they would against a remote Grafana. ``seed`` (an int)
    makes generated tokens, uids and probabilistic faults repeatable; the default (None)
    draws them at random, so two emulators never hand out the same token.
    ``min_refresh_interval`` is the server setting of that name (§14.1): a saved
    dashboard's shorter ``refresh`` is stored as this value; "" turns the rewrite off.
    """

    def __init__(
        self,
        version: str = "12.0",
        admin_user: str = "admin",
        admin_password: str = "admin",
        latency_ms: float = 0,
        *,
        seed: int | None = None,
        profile: GrafanaProfile | None = None,
        min_refresh_interval: str = DEFAULT_MIN_REFRESH_INTERVAL,
    ) -> None:
        if min_refresh_interval and parse_grafana_duration(min_refresh_interval) is None:
            raise ValueError(f"min_refresh_interval {min_refresh_interval!r} is not a duration")
        self.profile = profile or profile_for(version)
        self.version = self.profile.version
        self.admin_user = admin_user
        self.latency_ms = latency_ms
        self.min_refresh_interval = min_refresh_interval
        self.state = State(admin_user, admin_password, seed, min_refresh_interval)
        self.faults = Faults(seed)
        self._dispatcher = Dispatcher(self.state, self.profile, self.faults, latency_ms)

    # transport seams ---------------------------------------------------------------------
    def transport(self) -> httpx.BaseTransport:
        """An httpx transport that serves requests in-process (no sockets)."""
        return InProcessTransport(app=self)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            request = request_from_environ(environ)
        except BadFraming:
            return write_response(bad_request(), start_response)
        try:
            response = self.handle(request)
        except AnswerTrickles as trickles:  # (in-process there is nothing to read slowly)
            response = trickles.response
        return write_response(response, start_response, request.method)

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
            self._stored_credential(token).expires_at = int(time.time()) - 1  # whole seconds

    def _stored_credential(self, token: str) -> Token | ApiKey:
        found = self.state.find_sa_token(token)
        if found is not None:
            return found[1]
        decoded = credentials.decode_legacy_key(token)
        key = self.state.find_api_key(decoded) if decoded else None
        if key is None:
            raise LookupError("no such token or API key")
        return key

    def create_folder(
        self, org_id: int, title: str, uid: str | None = None, parent_uid: str | None = None
    ) -> str:
        with self.state.lock:
            folder = folders.create_folder(
                self.state,
                self.profile,
                org_id,
                title,
                uid=uid,
                parent_uid=parent_uid,
                created_by=self.admin_user,
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
            dashboard=gojson.clone(dashboard),  # callers may keep mutating theirs
            saved_by=user or self.admin_user,
            folder_uid=folder_uid,
            overwrite=True,
            message=message,
        )
        with self.state.lock:
            return dashboards.save_response(dashboards.save(self.state, self.profile, command))

    def provision_dashboard(
        self,
        org_id: int,
        dashboard: dict[str, Any],
        folder_uid: str | None = None,
        external_id: str = "provisioning/dashboards/provisioned.json",
        message: str = "",
    ) -> dict[str, Any]:
        """Store ``dashboard`` as file provisioning does: afterwards the API refuses to save
        or delete it, and ``meta.provisioned`` says so. Returns the save response."""
        command = SaveCommand(
            org_id=org_id,
            dashboard=gojson.clone(dashboard),
            saved_by=ANONYMOUS,
            folder_uid=folder_uid,
            overwrite=True,
            message=message,
        )
        with self.state.lock:
            uid = str(dashboard.get("uid") or "").strip()
            existing = self.state.dashboard(org_id, uid) if uid else None
            if existing is not None:
                existing.provisioned_external_id = None  # provisioning updates its own
            saved = dashboards.save(self.state, self.profile, command)
            saved.provisioned_external_id = external_id
            return dashboards.save_response(saved)

    def manage_by_repository(
        self, org_id: int, uid: str, repository: str, source_path: str | None = None
    ) -> None:
        """Mark dashboard ``uid`` as kept by Git Sync repository ``repository`` (§8.2 of
        grafana-apis.md; see ``apis_seeding.manage_by_repository``)."""
        with self.state.lock:
            apis_seeding.manage_by_repository(self.state, org_id, uid, repository, source_path)

    def save_resource(
        self,
        org_id: int,
        name: str,
        spec: dict[str, Any],
        *,
        api_version: str = "v1",
        folder_uid: str | None = None,
        message: str = "",
        annotations: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Store a dashboard as the admin's ``PUT /apis/dashboard.grafana.app/<api_version>/…``
        would (``"v2"``: a schema v2 spec, stored as given); the object. ``ApiError`` with
        Grafana's Status when it would refuse. Not logged, no faults."""
        with self.state.lock:
            return apis_seeding.save_resource(
                self.state,
                self.profile,
                self.admin_user,
                org_id,
                name,
                spec,
                api_version=api_version,
                folder_uid=folder_uid,
                message=message,
                annotations=annotations,
            )

    def create_datasource(
        self,
        org_id: int,
        name: str,
        type: str,
        uid: str | None = None,
        *,
        url: str = "",
        is_default: bool = False,
        json_data: dict[str, Any] | None = None,
    ) -> str:
        """A data source in ``org_id`` (409 ``ApiError`` if the name or uid is taken); its uid."""
        with self.state.lock:
            return datasources.create(
                self.state,
                org_id,
                name,
                type,
                uid=uid,
                url=url,
                is_default=is_default,
                json_data=json_data,
            ).uid

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
            records = stored.versions if stored else []
            return [replace(record, data=gojson.clone(record.data)) for record in records]

    def dashboards(self, org_id: int) -> list[StoredDashboard]:
        with self.state.lock:
            found = [d for d in self.state.dashboards.values() if d.org_id == org_id]
            return [StoredDashboard.of(d) for d in sorted(found, key=lambda d: d.uid)]

    def folder_uids(self, org_id: int) -> list[str]:
        with self.state.lock:
            return sorted(uid for (org, uid) in self.state.folders if org == org_id)

    def datasources(self, org_id: int) -> list[dict[str, Any]]:
        """The org's data sources as ``GET /api/datasources/uid/:uid`` shows them, by name."""
        with self.state.lock:
            return [datasources.full(ds) for ds in datasources.in_org(self.state, org_id)]

    def org_id_by_name(self, name: str) -> int | None:
        with self.state.lock:
            org = self.state.org_by_name(name)
            return org.id if org else None

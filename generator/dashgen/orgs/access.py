"""How bootstrap reaches Grafana as a server admin: credentials, target, checked session.

Admin credentials come from options, the URL (as in Grafana's tutorial,
``http://admin:admin@localhost:3000``) or env; they are used for the call only, never
stored, and the URL is shown without them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dashgen.errors import (
    AuthenticationError,
    BootstrapError,
    GrafanaAPIError,
    InsecureTransportError,
)
from dashgen.grafana import admin as api
from dashgen.grafana.client import GrafanaClient, is_loopback
from dashgen.secrets import Secret, redact_url, strip_credentials

if TYPE_CHECKING:
    import httpx

ADMIN_USER_ENV = "GRAFANA_ADMIN_USER"
ADMIN_PASSWORD_ENV = "GRAFANA_ADMIN_PASSWORD"


@dataclass(frozen=True)
class AdminCredentials:
    """A Grafana server admin, for bootstrap only: never stored, never shown."""

    user: str
    password: Secret


@dataclass(frozen=True)
class GrafanaTarget:
    """Where Grafana is and how to reach it. ``url`` carries no credentials."""

    url: str
    verify: bool | str = True
    allow_insecure_http: bool = False
    transport: httpx.BaseTransport | None = None  # test seam (the emulator's transport)

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    def admin_client(self, credentials: AdminCredentials) -> GrafanaClient:
        parts = urlsplit(self.url)
        if (
            parts.scheme == "http"
            and not is_loopback(parts.hostname or "")
            and not self.allow_insecure_http
        ):
            raise InsecureTransportError(
                f"refusing to send the admin password over plain http to {self.display_url}: "
                "use https, or pass --allow-insecure-http if this network is trusted"
            )
        return GrafanaClient(
            self.url,
            basic=(credentials.user, credentials.password),
            verify=self.verify,
            transport=self.transport,
            allow_insecure_http=self.allow_insecure_http,
        )

    def token_client(self, token: Secret) -> GrafanaClient:
        return GrafanaClient(
            self.url,
            token=token,
            verify=self.verify,
            transport=self.transport,
            allow_insecure_http=self.allow_insecure_http,
        )


def split_admin_url(
    url: str,
    user: str | None = None,
    password: Secret | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, str, Secret | None]:
    """The URL without credentials, the admin user and password (None: ask for it).

    Options win over credentials embedded in the URL, which win over env
    ``GRAFANA_ADMIN_USER``/``GRAFANA_ADMIN_PASSWORD``; the user defaults to ``admin``.
    """
    env = os.environ if environ is None else environ
    clean_url, url_user, url_password = strip_credentials(url.strip())
    env_password = Secret(env[ADMIN_PASSWORD_ENV]) if env.get(ADMIN_PASSWORD_ENV) else None
    chosen_user = user or url_user or env.get(ADMIN_USER_ENV) or "admin"
    chosen_password = password or url_password or env_password
    return clean_url.rstrip("/"), chosen_user, chosen_password


@contextlib.contextmanager
def admin_session(
    target: GrafanaTarget, credentials: AdminCredentials
) -> Iterator[tuple[GrafanaClient, api.User]]:
    """A basic-auth client, after checking the credentials belong to a server admin."""
    with target.admin_client(credentials) as client:
        try:
            user = api.current_user(client)
        except GrafanaAPIError as error:
            if isinstance(error, AuthenticationError) or error.status == 400:
                raise BootstrapError(
                    f"Grafana at {target.display_url} rejected the admin credentials of user "
                    f"{credentials.user!r} ({error.status}"
                    f"{': ' + error.grafana_message if error.grafana_message else ''}); nothing "
                    f"was changed. Check --admin-user/--admin-password (or env {ADMIN_USER_ENV}/"
                    f"{ADMIN_PASSWORD_ENV})"
                ) from None
            raise
        if not user.is_server_admin:
            raise BootstrapError(
                f"user {user.login!r} is not a Grafana server admin at {target.display_url}; "
                "creating orgs and their tokens needs one (the user Grafana creates at install, "
                "or one with 'Grafana Admin' set). Nothing was changed"
            )
        yield client, user

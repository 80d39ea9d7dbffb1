"""How bootstrap reaches Grafana as a server admin: credentials and a checked session.

Admin credentials come from options, the URL (as in Grafana's tutorial,
``http://admin:admin@localhost:3000``) or env; they are used for the call only, never
stored, and the URL is shown without them. Where Grafana is and how to reach it is a
``dashgen.grafana.client.Connection``, as for publishing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from dashgen.errors import BootstrapError, GrafanaError
from dashgen.grafana import admin as api
from dashgen.grafana.client import Connection, GrafanaClient
from dashgen.messages import ADMIN_PASSWORD_ENV, ADMIN_USER_ENV, Doing, explain
from dashgen.secrets import Secret, strip_credentials


@dataclass(frozen=True)
class AdminCredentials:
    """A Grafana server admin, for bootstrap only: never stored, never shown."""

    user: str
    password: Secret


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
    target: Connection, credentials: AdminCredentials
) -> Iterator[tuple[GrafanaClient, api.User]]:
    """A basic-auth client, after checking the credentials belong to a server admin."""
    with target.basic_client(credentials.user, credentials.password) as client:
        try:
            user = api.current_user(client)
        except GrafanaError as error:  # rejected, unreachable, or not Grafana's API
            doing = Doing(
                org="",
                what=f"signing in to Grafana at {target.display_url}",
                credentials="admin",
                admin_user=credentials.user,
            )
            raise BootstrapError(f"{explain(error, doing)}; nothing was changed") from None
        if not user.is_server_admin:
            raise BootstrapError(
                f"user {user.login!r} is not a Grafana server admin at {target.display_url}; "
                "creating orgs and their tokens needs one (the user Grafana creates at install, "
                "or one with 'Grafana Admin' set). Nothing was changed"
            )
        yield client, user

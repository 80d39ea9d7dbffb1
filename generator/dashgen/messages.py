"""Turn Grafana errors into sentences a person can act on (what failed, why, what to do).

The one translator for every command: publish, diff, watch and bootstrap alike describe
what they were doing (``Doing``) and hand over the typed error from ``dashgen.errors``.
Error texts already hold redacted URLs only, and nothing here ever sees a token value
(only where it came from); every sentence still passes through ``secrets.redact``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dashgen.errors import (
    AuthenticationError,
    ConflictError,
    DeadlineError,
    GrafanaAPIError,
    GrafanaConnectionError,
    GrafanaRequestError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
    VersionConflictError,
)
from dashgen.model.validate import APIS_MIN_SCHEMA_VERSION
from dashgen.secrets import redact
from dashgen.tokens import env_var_name

ADMIN_USER_ENV = "GRAFANA_ADMIN_USER"
ADMIN_PASSWORD_ENV = "GRAFANA_ADMIN_PASSWORD"
# Grafana 10+ answers a wrong basic-auth password with this errutil id (status 400 or 401).
PASSWORD_AUTH_FAILED = "password-auth.failed"

CHANGED_CONCURRENTLY = (
    "was changed in Grafana by someone else between dashgen's read and its write; "
    "nothing was overwritten: re-run publish"
)


@dataclass(frozen=True)
class Doing:
    """What dashgen was doing when the error happened, for the sentence."""

    org: str
    what: str  # e.g. "saving dashboard 'Node overview' (uid node-overview)"
    token_origin: str | None = None
    source: str | None = None  # the dashboard's source file, when there is one
    # Whose credentials were sent: an org's token (publish) or a server admin's (bootstrap).
    credentials: Literal["token", "admin"] = "token"
    admin_user: str | None = None  # the admin's login, when credentials == "admin"


def token_hint(org: str) -> str:
    return f"set a valid token in {env_var_name(org)} or run `dashgen token create --org {org}`"


def explain(error: Exception, doing: Doing) -> str:
    """One sentence: what was being done, why it failed, what to do (always redacted)."""
    return redact(_explain(error, doing))


def _explain(error: Exception, doing: Doing) -> str:
    if isinstance(error, DeadlineError):  # "not sent: the publish deadline (30s) passed"
        return error.message if not error.sent else f"{doing.what}: {error.message}"
    if isinstance(error, GrafanaConnectionError):
        if not error.retryable:  # TLS: the error says what to do
            return f"{doing.what}: {error.message}"
        return f"{doing.what}: {error.message}. Check --grafana-url and the network, then re-run"
    if isinstance(error, UnexpectedResponseError | GrafanaRequestError):
        return f"{doing.what}: {error.message}"
    if not isinstance(error, GrafanaAPIError):
        return f"{doing.what}: {error}"
    status_text = error.status_text or ""
    if error.grafana_message:
        grafana_says = f" (Grafana: {error.grafana_message})"
    else:  # a body that is not Grafana's JSON: what it was
        grafana_says = f" ({error.answer})" if error.answer else ""
    source_hint = f" in {doing.source}" if doing.source else ""
    if doing.credentials == "admin" and (
        isinstance(error, AuthenticationError) or error.message_id == PASSWORD_AUTH_FAILED
    ):
        user = f" of user {doing.admin_user!r}" if doing.admin_user else ""
        said = f": {error.grafana_message}" if error.grafana_message else ""
        return (
            f"{doing.what}: Grafana rejected the admin credentials{user} ({error.status}{said}); "
            f"check --admin-user/--admin-password (or env {ADMIN_USER_ENV}/{ADMIN_PASSWORD_ENV})"
        )
    if isinstance(error, PermissionDeniedError) and doing.credentials == "admin":
        return (
            f"{doing.what}: the admin user is not allowed to do this (Grafana answered 403"
            f"{grafana_says}); it must be a Grafana server admin and an Admin of org "
            f"{doing.org!r}: run `dashgen org create {doing.org}`"
        )
    if isinstance(error, AuthenticationError):
        origin = f" from {doing.token_origin}" if doing.token_origin else ""
        if error.message_id == "api-key.organization-mismatch":
            why = f"the token{origin} belongs to another organization than {doing.org!r}"
        else:
            why = f"Grafana rejected the token{origin} as invalid, expired or revoked{grafana_says}"
        return f"{doing.what}: {why}; {token_hint(doing.org)}"
    if isinstance(error, PermissionDeniedError):
        if "quota" in error.grafana_message.lower():
            return f"{doing.what}: the dashboard quota of org {doing.org!r} is reached"
        return (
            f"{doing.what}: the token for org {doing.org!r} is not allowed to do this "
            f"(Grafana answered 403: {error.grafana_message or 'Forbidden'}); "
            "it needs the Editor or Admin role: create one with "
            f"`dashgen token create --org {doing.org}` and set it in {env_var_name(doing.org)}"
        )
    if isinstance(error, VersionConflictError):
        return f"{doing.what}: the dashboard {CHANGED_CONCURRENTLY}"
    if isinstance(error, PreconditionFailedError | ConflictError):
        if status_text == "name-exists":
            return (
                f"{doing.what}: another dashboard with the same title already exists in that "
                "folder (Grafana before 11.3 wants unique titles per folder): rename this "
                "dashboard, or use --force to take the existing one over"
            )
        if status_text == "plugin-dashboard":
            return (
                f"{doing.what}: the live dashboard belongs to a plugin{grafana_says}; "
                "use --force to replace it"
            )
        if error.status == 409 and "folder" in error.grafana_message.lower():
            return (
                f"{doing.what}: a folder or dashboard with that uid or title already exists "
                f"(409{grafana_says}); choose another folder uid or title in the config"
            )
        return f"{doing.what}: the dashboard {CHANGED_CONCURRENTLY}"
    if doing.credentials == "token" and (
        isinstance(error, NotFoundError) or "folder not found" in error.grafana_message.lower()
    ):
        return (
            f"{doing.what}: the folder was not found in org {doing.org!r}{grafana_says}; "
            "check the folder settings of this org in dashgen.toml, or re-run to create it"
        )
    if error.status == 400:
        text = error.grafana_message.lower()
        refused = f"Grafana answered 400{grafana_says}"
        if "uid" in text:
            return (
                f"{doing.what}: {refused}: it refused the uid; a uid may hold only letters, "
                f"digits, '-' and '_' and at most 40 characters: fix it{source_hint}"
            )
        if "title" in text or "name" in text:
            return f"{doing.what}: {refused}: it refused the title; fix it{source_hint}"
        return f"{doing.what}: {refused}: it refused the request; fix it{source_hint}"
    if error.status == 422 and "not migrated to target version" in error.grafana_message:
        # Above the server's latest: no migration step leads down to it (migrate.go).
        return (
            f"{doing.what}: Grafana answered 422{grafana_says}: /apis migrates a dashboard "
            "to its latest schemaVersion, and this dashboard's is newer than this Grafana "
            f"knows: lower its schemaVersion to this Grafana's{source_hint}, or publish with "
            "--api classic"
        )
    if error.status == 422 and "schema version" in error.grafana_message.lower():
        return (
            f"{doing.what}: Grafana answered 422{grafana_says}: /apis migrates a dashboard "
            "to its latest schemaVersion and cannot from this one: give the dashboard a "
            f"schemaVersion ({APIS_MIN_SCHEMA_VERSION} or above){source_hint}, or publish "
            "with --api classic"
        )
    if error.status == 422:  # /apis: the spec fails Grafana's migration or schema (§4.6)
        return (
            f"{doing.what}: Grafana answered 422{grafana_says}: it refused the dashboard's "
            f"content (its schemaVersion, or a field Grafana's schema rejects); fix it{source_hint}"
        )
    if error.status == 413:
        return f"{doing.what}: the dashboard is too large for Grafana{grafana_says}"
    tried = f" {error.attempts} times" if error.attempts > 1 else " (not retried)"
    if isinstance(error, RateLimitedError):
        return (
            f"{doing.what}: Grafana answered 429 (rate limited){tried}; "
            "re-run later or lower --concurrency"
        )
    if isinstance(error, ServerError):
        return (
            f"{doing.what}: Grafana answered {error.status}{grafana_says}{tried}; "
            "check Grafana's logs and re-run"
        )
    return f"{doing.what}: Grafana answered {error.status}{grafana_says}"

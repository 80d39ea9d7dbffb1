"""`dashgen org`, `dashgen token` and `dashgen bootstrap`: orgs and their tokens.

Admin credentials come from options, the URL, env or a hidden prompt (on a terminal
only); they are used for the call and never stored or shown.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from dashgen import orgs
from dashgen.cli.common import (
    CliContext,
    command_deadline,
    deadline_option,
    grafana_connection_options,
    grafana_url_from,
    pass_cli,
    tls_verify,
)
from dashgen.cli.interrupt import interruptible
from dashgen.cli.output import write_secret
from dashgen.config import Config, load_config
from dashgen.errors import ConfigError, DashgenError, UsageError
from dashgen.grafana.client import DEFAULT_TIMEOUT_S, Connection
from dashgen.secrets import Secret, redact_url
from dashgen.tokens import StoredToken, TokenStore, env_var_name

F = TypeVar("F", bound=Callable[..., Any])


# -- option groups ----------------------------------------------------------------------


def admin_options(func: F) -> F:
    func = click.option(
        "--admin-password",
        help=f"Server-admin password (env {orgs.ADMIN_PASSWORD_ENV}; asked on a terminal).",
    )(func)
    return click.option(
        "--admin-user",
        help=f"Grafana server admin (env {orgs.ADMIN_USER_ENV}; default admin).",
    )(func)


def token_request_options(func: F) -> F:
    decorators = [
        click.option(
            "--role",
            type=click.Choice(orgs.ROLES),
            default=orgs.DEFAULT_ROLE,
            show_default=True,
            help="Org role of the service account (or API key). Publishing needs Editor.",
        ),
        click.option(
            "--name",
            "token_name",
            default=orgs.DEFAULT_NAME,
            show_default=True,
            help="Name of the service account (or API key).",
        ),
        click.option(
            "--ttl",
            callback=lambda _ctx, _param, value: orgs.parse_duration(value) if value else None,
            metavar="DURATION",
            help="Token lifetime: 30d, 12h, 90m or seconds (default: no expiry).",
        ),
        click.option(
            "--legacy-api-key",
            is_flag=True,
            help="Use the legacy API-key path (POST /api/auth/keys) instead of service accounts.",
        ),
        click.option(
            "--rotate",
            is_flag=True,
            help="Mint a new token even when the stored one still works (and revoke the old one).",
        ),
        click.option(
            "--show",
            is_flag=True,
            help="Print the token alone on stdout (other lines go to stderr), e.g. for CI.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


# -- input helpers ----------------------------------------------------------------------


def _grafana_url(cli: CliContext, grafana_url: str | None, *, required: bool = True) -> str | None:
    """--grafana-url (or env GRAFANA_URL), else the config's, checked (admin credentials
    inside it are allowed here, as in Grafana's tutorial)."""
    config = None if grafana_url else load_config(cli.project_root)
    config_url = config.grafana_url if config is not None else None
    if not (grafana_url or config_url) and not required:
        return None
    return grafana_url_from(grafana_url, config_url, config=config, credentials="allow")


def _project_config(project_root: Path) -> Config | None:
    """The project's config for optional settings ([grafana] timeout_s); None when there is
    none that loads (the admin commands also work outside a project)."""
    try:
        return load_config(project_root)
    except ConfigError:
        return None


def _filter_url(grafana_url: str | None) -> str | None:
    """--grafana-url of `org list`/`token list`, checked, without credentials."""
    if not grafana_url:
        return None
    checked = grafana_url_from(grafana_url, None, credentials="allow")
    return orgs.split_admin_url(checked)[0]


def _admin_target(
    cli: CliContext,
    connection: dict[str, Any],
    admin_user: str | None,
    admin_password: str | None,
) -> tuple[Connection, orgs.AdminCredentials]:
    raw_url = _grafana_url(cli, connection["grafana_url"])
    assert raw_url is not None
    password = Secret(admin_password) if admin_password else None
    url, user, password = orgs.split_admin_url(raw_url, admin_user, password)
    if password is None:
        if not sys.stdin.isatty():
            raise UsageError(
                f"no password for Grafana admin {user!r}: pass --admin-password, set "
                f"{orgs.ADMIN_PASSWORD_ENV}, or put it in the URL (stdin is not a terminal, "
                "so dashgen cannot ask)"
            )
        prompt = f"Password of Grafana admin {user!r} at {redact_url(url)}"
        password = Secret(click.prompt(prompt, hide_input=True))
    config = _project_config(cli.project_root)
    target = Connection(
        url=url,
        verify=tls_verify(connection["ca_cert"], connection["insecure"]),
        allow_insecure_http=connection["allow_insecure_http"],
        timeout_s=connection["timeout_s"]
        or (config.grafana.timeout_s if config is not None else None)
        or DEFAULT_TIMEOUT_S,
        deadline=command_deadline(config),
    )
    return target, orgs.AdminCredentials(user, password)


def _connection(kwargs: dict[str, Any]) -> dict[str, Any]:
    keys = ("grafana_url", "ca_cert", "insecure", "allow_insecure_http", "timeout_s")
    return {key: kwargs.pop(key) for key in keys}


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [header, *rows]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _echo_token_result(result: orgs.TokenResult, org: str, say: Callable[[str], None]) -> None:
    entry = result.entry
    if result.path == "kept":
        say(f"Token for org {org!r} is already in {result.store} (created {entry.created_at}).")
    else:
        if entry.kind == "service-account":
            made = "created" if result.service_account_created else "reused"
            how = f"service-account path (service account id {entry.service_account_id}, {made})"
        else:
            how = "legacy API-key path"
        say(
            f"Token {entry.name!r} for org {org!r} (id {entry.org_id}, role {entry.role}) "
            f"created via the {how}."
        )
        say(f"Stored in {result.store} (mode 0600).")
    if entry.expires_at:
        say(f"It expires at {entry.expires_at}.")
    say(
        f"`dashgen publish --org {org}` will find it there when publishing to "
        f"{entry.grafana_url} (env {env_var_name(org)} overrides the store)."
    )
    for note in result.notes:
        say(f"note: {note}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


def _reporter(show: bool) -> Callable[[str], None]:
    """With --show only the token goes to stdout (``TOKEN=$(dashgen ... --show)``)."""
    return lambda line: click.echo(line, err=show)


def _echo_token(entry: StoredToken, show: bool) -> None:
    if show:  # the one place a token is printed, on purpose: past the output redaction
        write_secret(entry.token.reveal())


def _stored_rows(entries: Sequence[StoredToken]) -> list[list[str]]:
    return [
        [
            e.org,
            str(e.org_id),
            e.grafana_url,
            e.kind,
            e.name,
            e.role,
            e.created_at,
            e.expires_at or "never",
            e.token.masked(),
        ]
        for e in entries
    ]


@contextlib.contextmanager
def _interruptible(target: Connection) -> Iterator[None]:
    """Ctrl-C/SIGTERM end the command's deadline (dashgen.cli.interrupt): the request in
    flight gets its grace, the flow says what was done; then exit 130/143."""
    with interruptible(target.deadline) as interrupt:
        try:
            yield
        except DashgenError as error:
            error.exit_code = interrupt.exit_code or error.exit_code
            raise
    if interrupt.exit_code is not None:
        raise SystemExit(interrupt.exit_code)


# -- org --------------------------------------------------------------------------------


@click.group()
def org() -> None:
    """Grafana organizations (server-admin bootstrap) and the orgs in the token store."""


@org.command("create")
@click.argument("name")
@admin_options
@grafana_connection_options
@deadline_option
@pass_cli
def org_create(
    cli: CliContext, name: str, admin_user: str | None, admin_password: str | None, **kwargs: Any
) -> None:
    """Create org NAME (or find it) and make the admin user an Admin of it."""
    target, credentials = _admin_target(cli, _connection(kwargs), admin_user, admin_password)
    with _interruptible(target):
        result = orgs.ensure_org(target, credentials, name)
        verb = "created" if result.created else "already exists"
        click.echo(f"Org {name!r} {verb} at {target.display_url}: id {result.org.id}.")
        click.echo(f"User {result.admin_login!r}: {result.membership}.")


@org.command("list")
@click.option("--grafana-url", envvar="GRAFANA_URL", help="Only this Grafana.")
def org_list(grafana_url: str | None) -> None:
    """Orgs that have a token in the token store."""
    store = TokenStore()
    entries = store.entries(_filter_url(grafana_url))
    if not entries:
        click.echo(f"No orgs in token store {store}.")
        return
    header = ["ORG", "ID", "GRAFANA", "KIND", "CREATED", "TOKEN"]
    rows = [[r[0], r[1], r[2], r[3], r[6], r[8]] for r in _stored_rows(entries)]
    click.echo(_table(header, rows))


# -- token ------------------------------------------------------------------------------


@click.group()
def token() -> None:
    """Per-org tokens in the token store."""


@token.command("create")
@click.option("--org", "org_name", required=True, help="Org name in Grafana.")
@token_request_options
@admin_options
@grafana_connection_options
@deadline_option
@pass_cli
def token_create(
    cli: CliContext,
    org_name: str,
    role: str,
    token_name: str,
    ttl: int | None,
    legacy_api_key: bool,
    rotate: bool,
    show: bool,
    admin_user: str | None,
    admin_password: str | None,
    **kwargs: Any,
) -> None:
    """Mint a token for an org (service account, or legacy API key) and store it."""
    target, credentials = _admin_target(cli, _connection(kwargs), admin_user, admin_password)
    request = orgs.TokenRequest(org_name, role, token_name, ttl, legacy_api_key, rotate)
    with _interruptible(target):
        result = orgs.create_token(target, credentials, request)
        _echo_token_result(result, org_name, _reporter(show))
        _echo_token(result.entry, show)


@token.command("list")
@click.option("--grafana-url", envvar="GRAFANA_URL", help="Only this Grafana.")
def token_list(grafana_url: str | None) -> None:
    """Tokens in the token store (masked)."""
    store = TokenStore()
    entries = store.entries(_filter_url(grafana_url))
    if not entries:
        click.echo(f"No tokens in token store {store}.")
        return
    header = ["ORG", "ID", "GRAFANA", "KIND", "NAME", "ROLE", "CREATED", "EXPIRES", "TOKEN"]
    click.echo(_table(header, _stored_rows(entries)))


@token.command("delete")
@click.option("--org", "org_name", required=True, help="Org whose token to delete.")
@click.option("--revoke", is_flag=True, help="Also delete the token in Grafana (needs admin).")
@admin_options
@grafana_connection_options
@deadline_option
@pass_cli
def token_delete(
    cli: CliContext,
    org_name: str,
    revoke: bool,
    admin_user: str | None,
    admin_password: str | None,
    **kwargs: Any,
) -> None:
    """Remove an org's token from the store (and, with --revoke, from Grafana)."""
    connection = _connection(kwargs)
    revoke_with = None
    if revoke:
        revoke_with = _admin_target(cli, connection, admin_user, admin_password)
        url: str | None = revoke_with[0].url
    else:
        url = _grafana_url(cli, connection["grafana_url"], required=False)
        url = orgs.split_admin_url(url)[0] if url else None
    with _interruptible(revoke_with[0]) if revoke_with else contextlib.nullcontext():
        result = orgs.delete_token(TokenStore(), org_name, grafana_url=url, revoke=revoke_with)
        where = f"{result.entry.grafana_url} from {result.store}"
        click.echo("\n".join([*result.notes, f"Removed the token of org {org_name!r} at {where}."]))


# -- bootstrap --------------------------------------------------------------------------


@click.command()
@click.argument("name")
@token_request_options
@admin_options
@grafana_connection_options
@deadline_option
@pass_cli
def bootstrap(
    cli: CliContext,
    name: str,
    role: str,
    token_name: str,
    ttl: int | None,
    legacy_api_key: bool,
    rotate: bool,
    show: bool,
    admin_user: str | None,
    admin_password: str | None,
    **kwargs: Any,
) -> None:
    """Create org NAME, mint and store its token, and check the token works."""
    target, credentials = _admin_target(cli, _connection(kwargs), admin_user, admin_password)
    request = orgs.TokenRequest(name, role, token_name, ttl, legacy_api_key, rotate)
    with _interruptible(target):
        result = orgs.bootstrap(target, credentials, request)
        say = _reporter(show)
        verb = "created" if result.org.created else "already exists"
        say(f"Org {name!r} {verb} at {target.display_url}: id {result.org.org.id}.")
        say(f"User {result.org.admin_login!r}: {result.org.membership}.")
        _echo_token_result(result.token, name, say)
        live = result.verified_org
        say(f"Verified: GET /api/org with the token answers org {live.name!r} (id {live.id}).")
        _echo_token(result.token.entry, show)


COMMANDS: list[click.Command] = [org, token, bootstrap]

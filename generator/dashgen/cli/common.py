"""Options and helpers shared by several commands."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from dashgen.errors import UsageError
from dashgen.urls import Credentials, checked_grafana_url

if TYPE_CHECKING:
    from dashgen.build import BuiltDashboard
    from dashgen.config import Config
    from dashgen.grafana.client import Connection
    from dashgen.grafana.deadline import Deadline

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliContext:
    project_root: Path


pass_cli = click.make_pass_decorator(CliContext)


def parse_vars(
    values: tuple[str, ...], option: str = "--var", metavar: str = "KEY=VALUE"
) -> dict[str, str]:
    """``--var key=value`` (repeatable) into a dict: split at the first '=', so a value may
    contain '=' and a key may not."""
    parsed: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected {metavar}, got {item!r}", param_hint=option)
        parsed[key.strip()] = value
    return parsed


def var_option(func: F) -> F:
    return click.option(
        "--var",
        "var_items",
        multiple=True,
        metavar="KEY=VALUE",
        help="Template variable (repeatable) for Jinja sources and dashgen.context in Python "
        "sources; overrides the config's vars.",
    )(func)


def output_option(func: F) -> F:
    return click.option(
        "--output",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="json prints one machine-readable event per line.",
    )(func)


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    from dashgen.cli.output import verbose

    # The group always sets the level (DASHGEN_LOG); a command's -v only turns debug on.
    if value or ctx.parent is None:
        ctx.call_on_close(verbose(value))
    return value


def verbose_option(func: F) -> F:
    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_verbose,
        help="Show each request to Grafana (method, path, status, time; never a header or a "
        "body); env DASHGEN_LOG=debug does the same.",
    )(func)


def grafana_url_origin(config: Config | None = None, *, from_config: bool = False) -> str:
    """Where the Grafana URL came from, for messages: --grafana-url, env, or the config."""
    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source("grafana_url") if ctx is not None else None
    if not from_config and source is ParameterSource.ENVIRONMENT:
        return "env GRAFANA_URL"
    if not from_config and source is not None:
        return "--grafana-url"
    where = config.config_file if config is not None and config.config_file else "the config"
    return f"grafana_url in {where}"


def grafana_url_from(
    grafana_url: str | None,
    config_url: str | None,
    *,
    config: Config | None = None,
    credentials: Credentials = "refuse",
) -> str:
    """The Grafana URL (option, env GRAFANA_URL, then config), checked: ``UsageError``
    (exit 2) naming its origin, before any token lookup or request."""
    url = grafana_url or config_url
    if not url:
        raise UsageError(
            "no Grafana URL: pass --grafana-url, set GRAFANA_URL, or set grafana_url in the config"
        )
    origin = grafana_url_origin(config, from_config=not grafana_url)
    return checked_grafana_url(url, origin=origin, credentials=credentials)


def grafana_connection_options(func: F) -> F:
    """--grafana-url, TLS and plain-http switches, shared by every command that talks to Grafana."""
    decorators = [
        verbose_option,
        click.option(
            "--grafana-url",
            envvar="GRAFANA_URL",
            help="Grafana base URL (env GRAFANA_URL; default: grafana_url in the config).",
        ),
        click.option(
            "--ca-cert",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="CA bundle to verify Grafana's TLS certificate.",
        ),
        click.option(
            "--insecure",
            is_flag=True,
            help="Do not verify Grafana's TLS certificate (prints a warning).",
        ),
        click.option(
            "--allow-insecure-http",
            is_flag=True,
            help="Allow sending credentials over plain http to a host that is not loopback.",
        ),
        click.option(
            "--timeout",
            "timeout_s",
            type=click.FloatRange(min=0, min_open=True, max=3600),
            callback=_finite_seconds,
            metavar="SECONDS",
            help="Seconds to wait for each answer from Grafana (default: [grafana] timeout_s "
            "in the config, else 30).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _finite_seconds(ctx: click.Context, param: click.Parameter, value: float | None) -> Any:
    """``nan`` passes every range check (no comparison with it is true): refuse it here."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds", ctx, param)
    return value


API_META_KEY = "dashgen.api"


def _remember_api(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta[API_META_KEY] = value


def api_option(func: F) -> F:
    """``--api auto|classic|k8s``: which dashboard API publishes (read by
    ``publish_connection``, after it env DASHGEN_API, then ``[grafana] api``)."""
    return click.option(
        "--api",
        type=click.Choice(["auto", "classic", "k8s"]),
        expose_value=False,
        callback=_remember_api,
        help="Dashboard API: classic /api, k8s /apis/dashboard.grafana.app, or auto (the "
        "default: /apis when Grafana serves a stable version, else classic); env DASHGEN_API, "
        "[grafana] api in the config.",
    )(func)


def only_with(options: list[str]) -> str:
    """``--a only applies with`` / ``--a, --b only apply with`` (the caller adds the option)."""
    return f"{', '.join(options)} only {'applies' if len(options) == 1 else 'apply'} with"


DEADLINE_META_KEY = "dashgen.deadline"


def _remember_deadline(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    from dashgen.durations import parse_duration

    try:
        ctx.meta[DEADLINE_META_KEY] = None if value is None else parse_duration(value) or 0.0
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param) from None


def deadline_option(func: F) -> F:
    """``--deadline DURATION``: the bound on the command's whole time with Grafana (read by
    ``command_deadline``, after it ``[grafana] deadline``, else 15 minutes)."""
    return click.option(
        "--deadline",
        expose_value=False,
        callback=_remember_deadline,
        metavar="DURATION",
        help="Bound on the whole command's time with Grafana, from its start: 300, 90s, 15m, "
        "1h; 0 or none: no bound (default: [grafana] deadline in the config, else 15m). Once "
        "it passes no request starts and no retry waits past it; the report says what was "
        "written, what was not sent and what is unknown (exit 1).",
    )(func)


def command_deadline(config: Config | None) -> Deadline | None:
    """The running command's deadline, started now: None for a command without
    ``--deadline`` (watch); an endless one when it is 0/none (an interrupt still ends it:
    ``dashgen.cli.interrupt``)."""
    from dashgen.durations import DEFAULT_DEADLINE_S
    from dashgen.grafana.deadline import Deadline

    ctx = click.get_current_context(silent=True)
    if ctx is None or DEADLINE_META_KEY not in ctx.meta:
        return None
    seconds = ctx.meta[DEADLINE_META_KEY]
    if seconds is None and config is not None:
        seconds = config.grafana.deadline_s
    if seconds is None:
        seconds = DEFAULT_DEADLINE_S
    names, level = [], ctx
    while level.parent is not None:  # "org create": the command's words, not the program's
        names.insert(0, level.info_name or "")
        level = level.parent
    return Deadline(seconds or math.inf, " ".join(names) or "command")


def tls_verify(ca_cert: Path | None, insecure: bool) -> bool | str:
    """What the Grafana client verifies TLS against: --insecure (warned), a CA bundle, or the
    system store; not both (which one would hold?)."""
    if insecure and ca_cert:
        raise UsageError("use either --insecure or --ca-cert FILE, not both")
    if insecure:
        click.echo("Warning: TLS certificate verification is off (--insecure).", err=True)
        return False
    return str(ca_cert) if ca_cert else True


def publish_connection(
    config: Config,
    grafana_url: str | None,
    ca_cert: Path | None,
    insecure: bool,
    allow_insecure_http: bool,
    timeout_s: float | None = None,
) -> Connection:
    """Grafana URL (option, env GRAFANA_URL, then config), TLS rules and the answer timeout
    (option, then ``[grafana] timeout_s``) for publish/diff/watch."""
    from dashgen.grafana.client import (
        DEFAULT_TIMEOUT_S,
        Connection,
    )  # only commands that talk to Grafana
    from dashgen.grafana.discovery import api_choice

    url = grafana_url_from(grafana_url, config.grafana_url, config=config)
    ctx = click.get_current_context(silent=True)
    option = ctx.meta.get(API_META_KEY) if ctx is not None else None
    return Connection(
        url=url,
        verify=tls_verify(ca_cert, insecure),
        allow_insecure_http=allow_insecure_http,
        timeout_s=timeout_s or config.grafana.timeout_s or DEFAULT_TIMEOUT_S,
        api=api_choice(option, os.environ, config),
        deadline=command_deadline(config),
    )


def fresh_build(
    config: Config,
    orgs: list[str] | None,
    extra_vars: dict[str, str],
    *,
    nothing: str = "nothing was published",
) -> list[BuiltDashboard]:
    """Build (incrementally: only what is stale is compiled) and return the dashboards;
    warnings go to stderr, errors too and then a ``BuildError`` ending in ``nothing``."""
    from dashgen.build import build
    from dashgen.errors import BuildError

    result = build(config, orgs=orgs, extra_vars=extra_vars or None)
    for problem in result.warnings:
        click.echo(f"warning: {problem}", err=True)
    if not result.ok:
        for problem in result.errors:
            click.echo(str(problem), err=True)
        raise BuildError(f"the build has {len(result.errors)} error(s); {nothing}", result.errors)
    return list(result.dashboards)

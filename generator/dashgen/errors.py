"""The exception tree of dashgen.

Library code raises these (never prints, never calls ``sys.exit``); the CLI lets
click show them. Every class is a ``click.ClickException``, so a command needs no
try/except to turn one into a message and an exit code::

    DashgenError (click.ClickException)            exit 1
    ├── ConfigError                                exit 2: every problem of dashgen.toml at once
    ├── UsageError                                 exit 2: options that do not fit together
    ├── SourceError                                one source could not be loaded (path, line)
    │   └── ExportFormatError                      a Share > Export file where View JSON is needed
    ├── BuildError                                 a build ended with errors (carries problems)
    ├── TokenError                                 no token for an org, an expired stored token
    │   ├── InvalidTokenError                      exit 2: a token that cannot go in a header
    │   └── TokenStoreError                        the store file (mode, owner, unreadable)
    │       └── MalformedTokenStoreError           exit 2: not JSON, unknown layout, a bad entry
    ├── GrafanaError                               talking to Grafana went wrong
    │   ├── GrafanaConnectionError                 no HTTP answer (refused, DNS, TLS, timeout)
    │   ├── GrafanaRequestError                    the request could not be sent (not retried)
    │   ├── UnexpectedResponseError                an answer not from Grafana's API (HTML, bad JSON)
    │   ├── InsecureTransportError                 a token would go over plain http to a remote host
    │   └── GrafanaAPIError                        Grafana answered with an error status
    │       ├── AuthenticationError                401
    │       ├── PermissionDeniedError              403
    │       ├── NotFoundError                      404
    │       ├── ConflictError                      409
    │       ├── PreconditionFailedError            412
    │       ├── VersionConflictError               a write lost a version race (412/409)
    │       ├── GoneError                          410 (removed endpoint, e.g. /api/auth/keys)
    │       ├── RateLimitedError                   429 (carries Retry-After)
    │       └── ServerError                        5xx
    ├── PublishError                               a publish run ended with failed dashboards
    ├── BootstrapError                             bootstrap stopped half-way (says what ran)
    ├── ExportError                                `dashgen export` cannot lay out or write a file
    └── WatchError                                 the file watcher itself failed

Messages never contain a token or a password: callers pass ``Secret`` values and
redacted URLs, and every message goes through ``dashgen.secrets.redact`` on the way in
and on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dashgen.secrets import redact


class DashgenError(click.ClickException):
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    def format_message(self) -> str:
        return redact(self.message)

    def __str__(self) -> str:
        return self.format_message()

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", file=file, err=True)


class ConfigError(DashgenError):
    exit_code = 2

    def __init__(self, problems: Sequence[str], path: Path | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        if len(self.problems) == 1:
            message = f"{where}{self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{where}{len(self.problems)} configuration problems:\n{lines}"
        super().__init__(message)


class UsageError(DashgenError):
    exit_code = 2


class SourceError(DashgenError):
    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.detail = message
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")


class ExportFormatError(SourceError):
    pass


class BuildError(DashgenError):
    def __init__(self, message: str, problems: Sequence[Any] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message)


class TokenError(DashgenError):
    pass


class InvalidTokenError(TokenError):
    """A token with a control character, a space or a non-ASCII character: refused
    before any request (the message names where it came from, never its value)."""

    exit_code = 2


class TokenStoreError(TokenError):
    pass


class MalformedTokenStoreError(TokenStoreError):
    """The store's content is wrong (names the file and the entry, never a token)."""

    exit_code = 2


class GrafanaError(DashgenError):
    # How many times the request was sent before this error (``grafana.retries``).
    attempts = 1


class GrafanaConnectionError(GrafanaError):
    """No HTTP answer. ``retryable`` is False where trying again cannot help (a TLS
    certificate that is not trusted, a server that does not speak TLS)."""

    def __init__(self, message: str, url: str | None = None, *, retryable: bool = True) -> None:
        self.url = url
        self.retryable = retryable
        super().__init__(message)


class GrafanaRequestError(GrafanaError):
    """The request could not be sent at all (a header or URL httpx refuses); not retried."""


class DeadlineError(GrafanaError):
    """The command's deadline (``--deadline``) stopped a request. ``sent`` False: it never
    started; True: it was sent and its answer did not come back in time, or (``cause``) a
    retry it needed would have waited past the deadline. Never retried."""

    def __init__(self, message: str, *, sent: bool, cause: BaseException | None = None) -> None:
        self.sent = sent
        self.cause = cause
        super().__init__(message)


class UnexpectedResponseError(GrafanaError):
    """An answer that is not what Grafana's API gives there: an HTML page (a proxy's login
    page, a wrong sub-path, Grafana's own web app), a redirect, an empty body, or JSON of
    another shape. The message says what was expected at which URL and what came back
    (status, content type, the first characters, redacted)."""

    def __init__(
        self,
        method: str,
        url: str,
        *,
        expected: str,
        status: int,
        content_type: str,
        excerpt: str,
        problem: str = "",
        hint: str = "",
        kind: str = "shape",
    ) -> None:
        self.method = method
        # html, not-json, redirect, empty (nothing of this server is Grafana's API), or
        # shape (JSON of another shape: maybe only this one answer)
        self.kind = kind
        self.url = url
        self.expected = expected
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        self.problem = problem
        self.hint = hint
        got = f"{status} {content_type or 'without a content type'}"
        if problem:
            got += f" ({problem})"
        if excerpt:
            got += f": {excerpt!r}"
        message = f"{method} {url}: expected {expected}, got {got}"
        if hint:
            message += f"; {hint}"
        super().__init__(message)


class InsecureTransportError(GrafanaError):
    exit_code = 2


class GrafanaAPIError(GrafanaError):
    """Grafana answered with an error status.

    ``grafana_message`` is Grafana's own ``message``; ``status_text`` is the
    dashboard error ``status`` field (``version-mismatch``, ``name-exists`` ...)
    and ``message_id`` the errutil ``messageId`` (``api-key.invalid`` ...).
    """

    def __init__(
        self,
        status: int,
        method: str,
        url: str,
        grafana_message: str = "",
        *,
        status_text: str | None = None,
        message_id: str | None = None,
        body: Any = None,
        answer: str = "",
    ) -> None:
        self.status = status
        self.method = method
        self.url = url
        self.grafana_message = redact(grafana_message)
        self.status_text = status_text
        self.message_id = message_id
        self.body = body
        # an answer that is not Grafana's JSON (a proxy's HTML 502): content type and excerpt
        self.answer = redact(answer)
        text = f"{method} {url} answered {status}"
        if grafana_message:
            text += f": {self.grafana_message}"
        elif answer:
            text += f" ({self.answer})"
        super().__init__(text)


class AuthenticationError(GrafanaAPIError):
    pass


class PermissionDeniedError(GrafanaAPIError):
    pass


class NotFoundError(GrafanaAPIError):
    pass


class ConflictError(GrafanaAPIError):
    pass


class PreconditionFailedError(GrafanaAPIError):
    pass


class VersionConflictError(GrafanaAPIError):
    """A write based on a version that is no longer the live one (the classic API's 412
    version-mismatch, 409 on Grafana 13): someone else wrote in between."""

    @classmethod
    def of(cls, error: GrafanaAPIError) -> VersionConflictError:
        return cls(
            error.status,
            error.method,
            error.url,
            error.grafana_message,
            status_text=error.status_text,
            message_id=error.message_id,
            body=error.body,
            answer=error.answer,
        )


class GoneError(GrafanaAPIError):
    pass


class ServerError(GrafanaAPIError):
    pass


class PublishError(DashgenError):
    pass


class BootstrapError(DashgenError):
    pass


class WatchError(DashgenError):
    pass


class ExportError(DashgenError):
    pass


_API_ERRORS_BY_STATUS: dict[int, type[GrafanaAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    412: PreconditionFailedError,
}


def api_error_class(status: int) -> type[GrafanaAPIError]:
    if status >= 500:
        return ServerError
    return _API_ERRORS_BY_STATUS.get(status, GrafanaAPIError)


class RateLimitedError(GrafanaAPIError):
    """429; ``retry_after`` holds the server's Retry-After in seconds, when given."""

    retry_after: float | None = None


_API_ERRORS_BY_STATUS[429] = RateLimitedError


def may_have_landed(error: BaseException) -> bool:
    """Whether a request (retried or not) that ended in ``error`` may have been stored all
    the same: its answer was lost (no answer, a 5xx), or a deadline or an interrupt stopped
    it, or its retry, after an answer was lost."""
    if isinstance(error, DeadlineError):
        return may_have_landed(error.cause) if error.cause is not None else error.sent
    if isinstance(error, GrafanaConnectionError):
        return error.retryable  # (a TLS failure never sent the request)
    return isinstance(error, ServerError)

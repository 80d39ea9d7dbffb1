"""Secret values (tokens, passwords) and redaction of anything that may hold one.

A ``Secret`` never shows its value through ``str``/``repr``/f-strings/logging, so it
cannot leak into messages, tracebacks or ``--output json`` by accident. The value
is taken out with ``reveal()`` at the single place that needs it (the HTTP auth).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        return mask(self._value)

    def __str__(self) -> str:
        return "********"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> None:  # never pickled into caches or files
        raise TypeError("Secret values cannot be pickled")


def mask(value: str) -> str:
    """Show at most the first 4 and last 4 characters, and only for long values."""
    if len(value) < 16:
        return "****"
    return f"{value[:4]}…{value[-4:]}"


def redact_url(url: str) -> str:
    """Drop the password (and keep the user) of credentials embedded in a URL."""
    parts = urlsplit(url)
    if parts.password is None and "@" not in parts.netloc:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    netloc = f"{user}:***@{host}" if parts.password is not None else f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def strip_credentials(url: str) -> tuple[str, str | None, Secret | None]:
    """Split ``http://user:pass@host`` into (url without credentials, user, password)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    password = Secret(parts.password) if parts.password is not None else None
    return clean, parts.username, password

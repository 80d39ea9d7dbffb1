"""Secret values (tokens, passwords) and the one redaction of anything that may hold one.

A ``Secret`` never shows its value through ``str``/``repr``/f-strings/logging, so it
cannot leak into messages, tracebacks or ``--output json`` by accident. The value
is taken out with ``reveal()`` at the single place that needs it (the HTTP auth).

Every ``Secret`` also registers its value (and the forms a lower library may print it in:
escaped as in ``repr`` or JSON, URL-quoted, the pieces between control characters, the
Basic-auth header) in a process-wide registry. ``redact(text)`` scrubs every registered
value from a text, as well as credential shapes it does not know (``Bearer …``, Grafana
token formats, ``user:password@`` in URLs). Error translation (``grafana/client.py``),
``DashgenError`` messages, ``messages.explain``, the log handler and the CLI's output
streams all pass text through it: one redaction for every error path.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import unicodedata
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MASK = "********"
# Shorter values are not scrubbed from arbitrary text (a 5-letter password such as
# "admin" would blank every ordinary word "admin"); their escaped and Basic-auth forms,
# which are longer, still are.
MIN_REDACTED_LENGTH = 6

_registry_lock = threading.Lock()
_registered: set[str] = set()
_registered_pattern: re.Pattern[str] | None = None

# Credentials whose value dashgen may never have seen (a server echoing some header).
# Compiled (and kept by re's cache) the first time a text may hold one: ~1.7 ms at import.
_CREDENTIAL_SHAPES = (
    r"(?P<scheme>\b(?:bearer|basic)\s+)(?=[A-Za-z0-9._~+/=-]*[0-9+/=])[A-Za-z0-9._~+/=-]{8,}"
    # Grafana's own formats, from their first character past the prefix: an answer cut
    # short a few characters into a key still shows none of it.
    r"|\bglsa_[A-Za-z0-9_]+"  # service-account tokens
    r"|\bglc_[A-Za-z0-9+/=_-]+"  # Grafana Cloud access-policy tokens
    r"|\beyJrIjoi[A-Za-z0-9+/=]+"  # legacy API keys (base64 of {"k":…)
)
# A cheap first look (a superset of the shapes' literal parts, with the same flag): most
# text holds none, and the full pattern costs far more per character than this one.
_MAYBE_CREDENTIAL = re.compile(r"[bge](?:earer|asic|lsa_|lc_|yJrIjoi)", re.IGNORECASE)
_URL_PASSWORD = r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@"  # compiled as needed
# Runs of control characters, space, DEL and every non-ASCII character: written as the
# complement of printable ASCII, which compiles in ~0.1 ms (the ranges took ~3 ms).
_SPLITTERS = re.compile(r"[^\x21-\x7e]+")


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register(value)

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        return mask(self._value)

    def __str__(self) -> str:
        return MASK

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


# -- the registry and redact() ------------------------------------------------------------


def _forms(value: str) -> set[str]:
    """The ways a library may print ``value``: as is, escaped, quoted, in pieces."""
    forms = {value}
    forms.add(repr(value)[1:-1])
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    forms.add(repr(value.encode("utf-8", "surrogatepass"))[2:-1])
    forms.add(quote(value, safe=""))
    forms.update(_SPLITTERS.split(value))
    return {form for form in forms if len(form) >= MIN_REDACTED_LENGTH}


def register(value: str) -> None:
    """Scrub ``value`` (in every form it may be printed in) from all redacted text."""
    global _registered_pattern
    if not value:
        return
    forms = _forms(value)
    with _registry_lock:
        if forms <= _registered:
            return
        _registered.update(forms)
        _registered_pattern = None


def register_basic_auth(user: str, password: str) -> None:
    """The ``Authorization: Basic …`` value of (user, password), as a server may echo it."""
    pair = f"{user}:{password}".encode()
    register(base64.b64encode(pair).decode("ascii"))
    register(f"{user}:{password}")
    register(password)


def _pattern() -> re.Pattern[str] | None:
    global _registered_pattern
    with _registry_lock:
        if _registered_pattern is None and _registered:
            # longest first, so a piece never leaves the rest of a longer form behind
            ordered = sorted(_registered, key=len, reverse=True)
            _registered_pattern = re.compile("|".join(re.escape(form) for form in ordered))
        return _registered_pattern


def _credential(match: re.Match[str]) -> str:
    return f"{match.group('scheme') or ''}{MASK}"


def redact(text: str) -> str:
    """``text`` without any registered secret or anything shaped like a credential."""
    if not text:
        return text
    pattern = _pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if _MAYBE_CREDENTIAL.search(text):
        text = re.compile(_CREDENTIAL_SHAPES, re.IGNORECASE).sub(_credential, text)
    if "://" in text and "@" in text:  # literal parts of _URL_PASSWORD
        text = re.compile(_URL_PASSWORD, re.IGNORECASE).sub(r"\g<head>:***@", text)
    return text


def redact_exception(error: BaseException) -> str:
    """``Type: message`` of a lower library's exception, redacted (never its arguments)."""
    text = str(error) or type(error).__name__
    return redact(f"{type(error).__name__}: {text}")


# -- values that can go in an HTTP header -----------------------------------------------


def unsafe_character(value: str) -> str | None:
    """What makes ``value`` unusable as a token in an HTTP header, without showing it:
    the first control character, space or non-ASCII character and where it is."""
    names = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", " ": "a space"}
    for index, char in enumerate(value, start=1):
        where = f"character {index} of {len(value)}"
        if char in names:
            return f"{names[char]} ({where})"
        code = ord(char)
        if code < 0x20 or code == 0x7F:
            return f"a control character U+{code:04X} ({where})"
        if code > 0x7E:
            name = unicodedata.name(char, "")
            described = f"U+{code:04X} {name}".rstrip()
            return f"a non-ASCII character {described} ({where})"
    return None


# -- URLs ---------------------------------------------------------------------------------


_USERINFO = re.compile(r"^(?P<head>[^:/?#]*://[^:@/?#]*):[^/?#]*@")


def redact_url(url: str) -> str:
    """Drop the password (and keep the user) of credentials embedded in a URL; never raises
    (a URL too broken to parse, "http://u:p@[::1" or a bad port, loses its password by
    pattern: this runs on error paths)."""
    try:
        parts = urlsplit(url)
        if parts.password is None and "@" not in parts.netloc:
            return url
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return _USERINFO.sub(r"\g<head>:***@", url)
    if port:
        host = f"{host}:{port}"
    user = parts.username or ""
    netloc = f"{user}:***@{host}" if parts.password is not None else f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def strip_credentials(url: str) -> tuple[str, str | None, Secret | None]:
    """Split ``http://user:pass@host`` into (url without credentials, user, password).

    The user and password are percent-decoded, as curl does: RFC 3986 has a password with
    ``@ : / # ?`` written ``%40 %3A %2F %23 %3F`` in a URL (the written form is a secret too).
    """
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    password = None
    if parts.password is not None:
        register(parts.password)
        password = Secret(unquote(parts.password))
    user = unquote(parts.username) if parts.username is not None else None
    return clean, user, password

"""The Grafana base URL: checked once, before any token lookup or request.

``grafana_url_problem`` says what is wrong with a URL in words a person can act on (a
scheme typo, no scheme, one slash after the scheme, no host, a bad port, credentials,
a query, the address of a Grafana page rather than of Grafana); ``checked_grafana_url``
raises ``UsageError`` (exit 2) naming where the URL came from. A path is kept: a Grafana
served under a sub-path (``https://example.com/grafana``) is reached with that path as
the base of every API call.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from dashgen.errors import UsageError
from dashgen.secrets import redact_url

SCHEMES = ("http", "https")
Credentials = Literal["refuse", "allow"]
# Path segments that are Grafana's own routes: a base URL never contains them.
_PAGE_ROUTES = re.compile(r"/(?:api|d|d-solo|login)(?:/|$)")
_SCHEME_PREFIX = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?P<slashes>/*)(?P<rest>.*)$")
_LOOPBACK_HOSTS = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$", re.IGNORECASE)


def _suggest_scheme(host_and_path: str) -> str:
    """``https://`` for a remote host, ``http://`` for a local one (Grafana's default)."""
    host = host_and_path.split("/", 1)[0]
    scheme = "http" if _LOOPBACK_HOSTS.match(host) else "https"
    return f"{scheme}://{host_and_path}"


def grafana_url_problem(url: str, *, credentials: Credentials = "refuse") -> str | None:
    """What is wrong with ``url`` as Grafana's base URL (a phrase), or None when it is fine."""
    text = url.strip()
    shown = redact_url(text) if "://" in text else text
    if not text:
        return "is empty"
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        return f"{shown!r} contains a space or a control character"
    match = _SCHEME_PREFIX.match(text)
    if match is None or (
        # "localhost:3000", "grafana.example.com:3000": a host and port, not a scheme
        match["scheme"].lower() not in SCHEMES
        and match["slashes"] == ""
        and (match["rest"] == "" or match["rest"][:1].isdigit())
    ):
        # "grafana.example.com", "localhost:3000", "//host"
        return f"{shown!r} has no scheme: write {_suggest_scheme(text.lstrip('/'))}"
    scheme, slashes, rest = match["scheme"], match["slashes"], match["rest"]
    lowered = scheme.lower()
    if lowered not in SCHEMES:
        import difflib  # only for this sentence: every command checks a URL

        close = difflib.get_close_matches(lowered, SCHEMES, n=1, cutoff=0.5)
        guess = f" (did you mean {close[0]}://{rest}?)" if close else ""
        return f"{shown!r} has the scheme {scheme!r}: use http:// or https://{guess}"
    if len(slashes) != 2:
        if len(slashes) > 2 or not rest:
            return f"{shown!r} has no host after {scheme}://"
        count = "a single slash" if slashes == "/" else "no slashes"
        return f"{shown!r} has {count} after '{scheme}:': write {lowered}://{rest}"
    try:
        parts = urlsplit(text)
    except ValueError:  # "http://[::1": an IPv6 address without its closing bracket
        return f"{shown!r} has an invalid host (an IPv6 address is written in [brackets])"
    if not parts.hostname:
        return f"{shown!r} has no host"
    try:
        port = parts.port  # (urlsplit checks the port when it is read)
    except ValueError:
        port = 0
    if port == 0:
        return f"{shown!r} has an invalid port (a number from 1 to 65535 after the host)"
    has_credentials = parts.username is not None or parts.password is not None
    if credentials == "refuse" and (has_credentials or "@" in parts.netloc):
        return (
            f"{shown!r} holds credentials: publish, diff and watch send each org's own "
            "token (env DASHGEN_TOKEN_<ORG> or the token store), so remove "
            "'user:password@' from the URL"
        )
    page = _PAGE_ROUTES.search(parts.path)
    if page is not None:
        base = f"{lowered}://{parts.netloc}{parts.path[: page.start()]}"
        return (
            f"{redact_url(shown)!r} is the address of a Grafana page or API route, not of Grafana "
            f"itself: use {redact_url(base)}"
        )
    if parts.query or parts.fragment:
        base = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
        return f"{shown!r} has a query or fragment: give Grafana's base URL, e.g. {base}"
    return None


def clean_grafana_url(url: str) -> str:
    """A checked URL as the client uses it: no surrounding space or trailing slash, the
    scheme in lower case."""
    text = url.strip().rstrip("/")
    scheme, sep, rest = text.partition("://")
    return f"{scheme.lower()}{sep}{rest}"


def checked_grafana_url(url: str, *, origin: str, credentials: Credentials = "refuse") -> str:
    """``url`` cleaned, or ``UsageError`` naming ``origin`` (``--grafana-url``, ``env
    GRAFANA_URL``, ``grafana_url in dashgen.toml``) and what is wrong."""
    problem = grafana_url_problem(url, credentials=credentials)
    if problem is not None:
        raise UsageError(f"the Grafana URL from {origin} {problem}")
    return clean_grafana_url(url)

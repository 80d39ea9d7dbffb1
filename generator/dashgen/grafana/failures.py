"""Exceptions of httpx (and ssl, socket, h11 beneath it) → ``dashgen.errors``, redacted.

The one place such an exception becomes text: only its type and its message pass, and
only through ``dashgen.secrets.redact`` (httpx's "Illegal header value" holds the whole
header, a proxy error may hold the URL). What cannot get better by trying again (a
request httpx refuses to send, a certificate that is not trusted, a server that does not
speak TLS) is marked so and never retried.
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import httpx

from dashgen.errors import (
    GrafanaConnectionError,
    GrafanaError,
    GrafanaRequestError,
    UsageError,
)
from dashgen.secrets import redact, redact_exception, redact_url

_TLS_CA_HINT = "pass --ca-cert FILE with the CA that signed it, or --insecure on a trusted network"


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _tls_problem(error: BaseException) -> str | None:
    """The TLS failure behind ``error`` in words, or None when it is not one."""
    for cause in _chain(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = redact(cause.verify_message or cause.reason or "not trusted")
            return f"Grafana's TLS certificate is not trusted ({reason}): {_TLS_CA_HINT}"
        if isinstance(cause, ssl.SSLError):
            reason = str(cause.reason or "").upper()
            if "WRONG_VERSION_NUMBER" in reason or "HTTP_REQUEST" in reason:
                return (
                    "the server does not speak TLS on this port: use http:// if it is "
                    "plain HTTP, or the port where Grafana serves https"
                )
            return f"the TLS handshake failed ({redact_exception(cause)})"
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return f"Grafana's TLS certificate is not trusted: {_TLS_CA_HINT}"
    if "WRONG_VERSION_NUMBER" in text:
        return "the server does not speak TLS on this port: use http:// if it is plain HTTP"
    return None


def translate(error: Exception, method: str, where: str) -> GrafanaError:
    """The typed, redacted error for an exception raised while sending ``method where``."""
    if isinstance(error, httpx.TimeoutException):
        reason = f"Grafana did not answer in time ({type(error).__name__})"
        return GrafanaConnectionError(f"{method} {where}: {reason}", url=where)
    if isinstance(error, httpx.LocalProtocolError | httpx.UnsupportedProtocol):
        return GrafanaRequestError(
            f"{method} {where}: dashgen could not send the request ({redact_exception(error)})"
        )
    if isinstance(error, httpx.ProxyError):
        return GrafanaConnectionError(
            f"{method} {where}: the HTTP proxy failed ({redact_exception(error)}); check "
            "HTTPS_PROXY/HTTP_PROXY/NO_PROXY",
            url=where,
        )
    if isinstance(error, httpx.TransportError):
        tls = _tls_problem(error)
        if tls is not None:
            return GrafanaConnectionError(f"{method} {where}: {tls}", url=where, retryable=False)
        reason = f"could not reach Grafana ({redact_exception(error)})"
        proxy = proxy_for(where)
        if proxy is not None:  # it was the proxy that could not be reached, most likely
            reason = (
                f"could not reach Grafana through the proxy {proxy} "
                f"({redact_exception(error)}); check {PROXY_VARIABLES} and NO_PROXY"
            )
        return GrafanaConnectionError(f"{method} {where}: {reason}", url=where)
    if isinstance(error, httpx.TooManyRedirects):
        return GrafanaRequestError(f"{method} {where}: too many redirects")
    # httpx.InvalidURL, httpx.DecodingError, a UnicodeEncodeError for a header that is not
    # ASCII, an OSError of the TLS set-up ...: not a network problem, never retried.
    return GrafanaRequestError(
        f"{method} {where}: dashgen could not send the request ({redact_exception(error)})"
    )


PROXY_VARIABLES = "HTTPS_PROXY, HTTP_PROXY or ALL_PROXY"


def proxy_for(url: str) -> str | None:
    """The proxy the environment sends ``url`` through (as httpx reads it: the scheme's
    variable, else ALL_PROXY, unless NO_PROXY lists the host), named with its variable and
    without credentials; None when it goes direct."""
    from urllib.request import getproxies, proxy_bypass

    parts = urlsplit(url)
    proxies = getproxies()
    for scheme in (parts.scheme, "all"):
        value = proxies.get(scheme)
        if value:
            if parts.hostname and proxy_bypass(parts.hostname):
                return None
            return f"{redact_url(value)} (env {scheme.upper()}_PROXY)"
    return None


def proxy_setting_error(error: Exception) -> UsageError:
    """httpx could not set up the proxy the environment names (it reads the proxy variables
    when the client is made): a malformed proxy URL, or a SOCKS proxy, which needs a package
    dashgen does not install. A setting to fix, so exit 2."""
    if isinstance(error, ImportError):
        reason = "names a SOCKS proxy, which dashgen cannot use: use an HTTP(S) proxy"
    else:
        reason = f"is not a proxy URL ({redact_exception(error)}): write http://host:port"
    return UsageError(f"env {PROXY_VARIABLES} {reason} (or unset it; NO_PROXY lists exceptions)")

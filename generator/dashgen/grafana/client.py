"""The one HTTP client for Grafana: auth, org scoping, TLS, retries and typed errors.

Lower-level errors (httpx, ssl, h11) are translated here, at one boundary, into the
``dashgen.errors`` tree (``grafana/failures.py``), and every answer is checked against
the ``Shape`` its caller expects (``grafana/answers.py``). Credentials are ``Secret``
values and never reach a message: URLs in errors are redacted, exception texts pass
through ``secrets.redact``, and requests carry the token only in the Authorization header.

Each request is logged at DEBUG on the ``dashgen.grafana.client`` logger (method, path,
status, time in ms; never a header or a body): ``dashgen -v`` or ``DASHGEN_LOG=debug``.
"""

from __future__ import annotations

import base64
import ipaddress
import json as stdlib_json
import logging
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import orjson

from dashgen import __version__
from dashgen.errors import (
    GrafanaConnectionError,
    InsecureTransportError,
    InvalidTokenError,
    UsageError,
)
from dashgen.grafana import answers
from dashgen.grafana.answers import ANY_JSON, Shape
from dashgen.grafana.api_errors import api_error
from dashgen.grafana.failures import proxy_setting_error, translate
from dashgen.grafana.read_ahead import ReadAhead
from dashgen.grafana.retries import DEFAULT_RETRY, NO_RETRY, RetryPolicy, with_retries
from dashgen.grafana.sender import Sender
from dashgen.grafana.transport import StdlibTransport
from dashgen.secrets import (
    Secret,
    redact,
    redact_exception,
    redact_url,
    register_basic_auth,
    unsafe_character,
)
from dashgen.urls import grafana_url_problem

if TYPE_CHECKING:
    from dashgen.grafana.deadline import Deadline
    from dashgen.grafana.discovery import ApiChoice

log = logging.getLogger(__name__)
__all__ = ["DEFAULT_RETRY", "NO_RETRY", "Connection", "GrafanaClient", "RetryPolicy"]
DEFAULT_TIMEOUT_S = 30.0


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class GrafanaClient:
    """A pooled, thread-safe client for one Grafana and one set of credentials.

    ``token`` is a service-account token or API key (Bearer); ``basic`` a
    (user, password) pair for admin bootstrap. ``org_id``, when set, is sent as
    ``X-Grafana-Org-Id`` on every request (a token is bound to its own org anyway).
    ``transport`` is the test seam: pass ``dashgen.testing`` emulator's transport.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: Secret | None = None,
        basic: tuple[str, Secret] | None = None,
        org_id: int | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retry: RetryPolicy = DEFAULT_RETRY,
        max_connections: int = 8,
        allow_insecure_http: bool = False,
        deadline: Deadline | None = None,
    ) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.deadline = deadline  # the command's bound on its time with Grafana, if any
        self.timeout_s = timeout_s
        self.display_url = redact_url(self.base_url)
        self.org_id = org_id
        # The Date header of the latest answer: Grafana's clock, to compare with the times
        # Grafana reports (a dashboard's meta.updated), whatever the local clock says.
        self.server_date: str | None = None
        self.retry = retry
        problem = grafana_url_problem(self.base_url)
        if problem is not None:  # the CLI checks first; this guards library callers
            raise UsageError(f"the Grafana URL {problem}")
        parts = urlsplit(self.base_url)
        if token is not None and (unsafe := unsafe_character(token.reveal())):
            raise InvalidTokenError(f"the token contains {unsafe}; it was not sent")
        credential = "a token" if token is not None else "the admin password" if basic else None
        if (
            credential is not None
            and parts.scheme == "http"
            and not is_loopback(parts.hostname or "")
            and not allow_insecure_http
        ):
            raise InsecureTransportError(
                f"refusing to send {credential} over plain http to {self.display_url}: use "
                "https, or pass --allow-insecure-http if this network is trusted"
            )
        headers = {"User-Agent": f"dashgen/{__version__}", "Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.reveal()}"
        elif basic is not None:
            register_basic_auth(basic[0], basic[1].reveal())
            headers["Authorization"] = _basic_header(basic[0], basic[1].reveal())
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        tls = _tls_verification(verify)
        if transport is None and not _proxies_from_environment():
            # Direct to Grafana: over dashgen.grafana.transport (one thread). With a proxy
            # in the environment httpx keeps its own transports (it mounts the proxies only
            # when it is not given a transport), exactly as before.
            transport = StdlibTransport(
                ssl_context=partial(_ssl_context, tls), max_connections=max_connections
            )
            if deadline is not None:  # an interrupt cuts what is in flight after its grace
                deadline.attach(transport)
        try:
            self._http = httpx.Client(
                base_url=self.base_url,
                headers=headers,
                transport=transport,
                verify=tls,
                timeout=timeout_s,
                limits=limits,
            )
        except (httpx.InvalidURL, ValueError, ImportError) as error:  # the proxy variables
            raise proxy_setting_error(error) from None
        self._sender = Sender(self._http, self.base_url)

    def __enter__(self) -> GrafanaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        org_id: int | None = None,
        retry: RetryPolicy | None = None,
        expect: Shape = ANY_JSON,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request (retrying per policy) and return the decoded JSON body.

        Raises a ``GrafanaAPIError`` subclass for any status >= 400,
        ``GrafanaConnectionError`` when no answer came back, ``GrafanaRequestError`` when
        the request could not be sent, and ``UnexpectedResponseError`` when the answer
        is not ``expect`` (any JSON or no body, by default).
        """
        return with_retries(
            retry or self.retry,
            method,
            path,
            lambda: self._send_once(method, path, json, params, org_id, expect, headers),
            self.deadline,
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def _send_once(
        self,
        method: str,
        path: str,
        json: Any,
        params: Any,
        org_id: int | None,
        expect: Shape,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Any:
        headers = {**(extra_headers or {}), **self.org_header(org_id)}
        where = f"{self.display_url}{path}"
        deadline, cut, limit = self.deadline, False, None
        if deadline is not None:  # not sent once it passed; else at most the time left
            limit, cut = deadline.cut(self.timeout_s)
        started, sent_at = time.perf_counter(), time.monotonic()
        try:
            content = None
            if json is not None:
                content = _encoded(json)
                headers["Content-Type"] = "application/json"
            request = self._sender.request(
                method,
                path,
                content=content,
                params=params,
                headers=headers,
                timeout_s=limit if cut else None,
            )
            response = self._sender.send(request)
        except Exception as exc:  # httpx, h11, ssl, codecs ...: translated and redacted
            stopped = deadline.in_flight_failure(exc, cut, sent_at) if deadline else None
            error = stopped or translate(exc, method, where)
            log.debug("%s %s failed after %s: %s", method, path, _ms(started), error.message)
            raise error from None
        return self.answered(method, path, response, expect, started)

    def org_header(self, org_id: int | None = None) -> dict[str, str]:
        """``X-Grafana-Org-Id`` for ``org_id``, else for the client's org, if it has one."""
        effective_org = org_id if org_id is not None else self.org_id
        return {} if effective_org is None else {"X-Grafana-Org-Id": str(effective_org)}

    @property
    def sender(self) -> Sender:
        return self._sender

    def read_ahead(self, paths: Sequence[str], *, expect: Shape = ANY_JSON) -> ReadAhead | None:
        """``GET`` each of ``paths`` now, all together (``dashgen.grafana.read_ahead``);
        None when they cannot go out that way."""
        return ReadAhead.start(self, paths, expect)

    def answered(
        self, method: str, path: str, response: httpx.Response, expect: Shape, started: float
    ) -> Any:
        """What an answer says: logged, its Date kept, checked against ``expect``; a
        status of 400 or more raised as its typed error."""
        where = f"{self.display_url}{path}"
        if log.isEnabledFor(logging.DEBUG):  # (redacting the path costs every request)
            log.debug(
                "%s %s -> %d in %s",
                method,
                _logged_path(response),
                response.status_code,
                _ms(started),
            )
        self.server_date = response.headers.get("date") or self.server_date
        if response.status_code >= 400:
            raise api_error(method, where, response, expect)
        return answers.checked_answer(method, where, response, expect)


@dataclass(frozen=True)
class Connection:
    """How to reach one Grafana, whatever the credentials: the only such type.

    ``url`` carries no credentials; ``transport`` is the test seam (an httpx transport,
    such as the emulator's ``transport()``). ``api``: which dashboard API to publish through
    (``dashgen.grafana.discovery``); None: the project's ``[grafana] api``, else auto.
    """

    url: str
    verify: bool | str = True
    allow_insecure_http: bool = False
    retry: RetryPolicy = DEFAULT_RETRY
    timeout_s: float = DEFAULT_TIMEOUT_S
    transport: httpx.BaseTransport | None = None
    api: ApiChoice | None = None
    deadline: Deadline | None = None  # the command's (``dashgen.grafana.deadline``)

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    def token_client(self, token: Secret, *, max_connections: int = 8) -> GrafanaClient:
        """A client that sends ``token`` as a Bearer token (it acts in the token's org)."""
        return self._client(token=token, max_connections=max_connections)

    def basic_client(self, user: str, password: Secret) -> GrafanaClient:
        """A client for a Grafana user (server-admin bootstrap)."""
        return self._client(basic=(user, password))

    def _client(self, **credentials: Any) -> GrafanaClient:
        return GrafanaClient(
            self.url,
            transport=self.transport,
            verify=self.verify,
            timeout_s=self.timeout_s,
            retry=self.retry,
            allow_insecure_http=self.allow_insecure_http,
            deadline=self.deadline,
            **credentials,
        )


def _encoded(body: Any) -> bytes:
    """``body`` as httpx's ``json=`` sends it, encoded by orjson (~8x faster on a
    dashboard). What orjson refuses (non-string keys, integers beyond 64 bits, lone
    surrogates, other types) goes through httpx's own stdlib settings, unchanged. NaN and
    infinities, which the stdlib refuses here and orjson would write as null, cannot reach
    a request: the build writes dashboards with orjson (no NaN) and reads them back with
    it, and Grafana's answers come from Go's encoder, which never writes them."""
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        text = stdlib_json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8")


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def _logged_path(response: httpx.Response) -> str:
    """The path and query that were requested (a token never goes in a URL)."""
    url = response.request.url
    query = f"?{url.query.decode('ascii', 'replace')}" if url.query else ""
    return redact(f"{url.path}{query}")


def _tls_verification(verify: bool | str) -> bool | ssl.SSLContext:
    """``verify`` is True/False or a CA bundle path (``--ca-cert``); httpx wants a context."""
    if isinstance(verify, str):
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise GrafanaConnectionError(
                f"cannot use CA bundle {verify}: {redact_exception(exc)}", retryable=False
            ) from None
    return verify


def _proxies_from_environment() -> bool:
    """Whether ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` (any case) name a proxy: what
    httpx reads through ``urllib.request.getproxies``."""
    from urllib.request import getproxies

    proxies = getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


def _basic_header(user: str, password: str) -> str:
    """What ``httpx.BasicAuth`` sends (UTF-8 ``user:password``, base64)."""
    userpass = f"{user}:{password}".encode()
    return f"Basic {base64.b64encode(userpass).decode('ascii')}"


def _ssl_context(verify: bool | ssl.SSLContext) -> ssl.SSLContext:
    """The context httpx's own transport would use (``SSL_CERT_FILE``/``SSL_CERT_DIR`` and
    certifi for True), made on the first https request: an http:// Grafana never pays for
    loading the CA bundle."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    return httpx.create_ssl_context(verify=verify, trust_env=True)

"""Whether ``/apis`` really works for this token and path before an org is published through
it, and what ``--api auto`` says when it falls back to the classic API (``discovery``).

A Grafana may list ``dashboard.grafana.app`` in ``GET /apis`` (or say it is 12 or later)
while ``/apis`` does not work for this token or URL: a reverse proxy that forwards only
``/api`` answers its own 404 there; an authorizer denies the dashboard group (403, the k8s
``Forbidden`` of grafana-apis.md §0); the dashboards resource is not registered (a feature
flag off: the k8s 404 "the server could not find the requested resource"). So the choice
reads the org's dashboards once (``GET …/dashboards?limit=1``) before the first request
that could write: ``auto`` then falls back to the classic API with one warning naming the
status and the path, before anything was written on ``/apis`` in this run; ``k8s`` fails
the org with a sentence. A 401 is the token's problem, never a fallback (the client's
``AuthenticationError``); 429 and 5xx are the server's (raised as they are).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from dashgen.errors import (
    AuthenticationError,
    GrafanaAPIError,
    RateLimitedError,
    UnexpectedResponseError,
)
from dashgen.grafana.client import GrafanaClient
from dashgen.grafana.k8s_shapes import LIST
from dashgen.grafana.server import ServerInfo

logger = logging.getLogger(__name__)

FIRST_APIS_MAJOR = 12  # grafana-apis.md §1.3: 12.0.1 serves dashboard.grafana.app v1beta1


@dataclass(frozen=True)
class Refusal:
    """``/apis`` did not work: ``status`` (0: not an HTTP error, e.g. an HTML page) on
    ``path``, and the sentence saying so."""

    status: int
    path: str
    text: str


def probe_dashboards(client: GrafanaClient, path: str) -> Refusal | None:
    """One ``GET path?limit=1`` (the org's dashboards on /apis): None when it answers a list.
    Raises ``AuthenticationError`` (401), ``RateLimitedError`` and 5xx errors."""
    try:
        client.get(path, params={"limit": 1}, expect=LIST)
    except AuthenticationError:
        raise  # the token: the classic API would answer the same
    except GrafanaAPIError as error:
        if isinstance(error, RateLimitedError) or error.status >= 500:
            raise
        return refusal(error, path)
    except UnexpectedResponseError as error:
        return refusal(error, path)
    return None


def refusal(error: GrafanaAPIError | UnexpectedResponseError, path: str) -> Refusal:
    """What ``error`` (on ``GET path``) says, in one clause: status, path, and Grafana's
    message or what came back instead."""
    if isinstance(error, UnexpectedResponseError):
        what = error.problem or error.content_type or "something else"
        return Refusal(error.status, path, f"GET {path} answered {error.status} ({what})")
    said = error.grafana_message or error.answer
    text = f"GET {path} answered {error.status}" + (f" ({said})" if said else "")
    return Refusal(error.status, path, text)


def says_apis(info: ServerInfo) -> bool:
    """Whether the version Grafana says (``read_server_info``) serves /apis: 12 or later."""
    match = re.match(r"v?(\d+)\.", info.version or "")
    return bool(match) and int(match.group(1)) >= FIRST_APIS_MAJOR


def warn_fallback(org: str, said: str, why: str) -> None:
    """The one warning line of a fallback (``why`` names the status and the path)."""
    who = f"org {org!r}" if org else "this org"
    logger.warning(
        "%s: dashboards go through the classic API (/api), not /apis: %s; nothing was "
        'written through /apis (%s); set [grafana] api = "classic" to choose it, or give '
        "this token and URL access to /apis",
        who,
        why,
        said,
    )

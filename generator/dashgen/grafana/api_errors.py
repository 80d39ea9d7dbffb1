"""The typed error for an answer of status 400 or more (``dashgen.errors``' tree), from its
status and the message Grafana put in its body."""

from __future__ import annotations

from typing import Any

import httpx

from dashgen.errors import GrafanaAPIError, RateLimitedError, api_error_class
from dashgen.grafana import answers
from dashgen.grafana.answers import Shape

# Statuses whose meaning does not depend on the body (a proxy's HTML 502 is still a 502).
_STATUS_SPEAKS_FOR_ITSELF = frozenset({413, 429})


def api_error(method: str, where: str, response: httpx.Response, expect: Shape) -> GrafanaAPIError:
    status = response.status_code
    body: Any = None
    message = answer = ""
    status_text = message_id = None
    try:
        body = answers.decode(response) if response.content.strip() else None
    except answers.NotJson:
        if status < 500 and status not in _STATUS_SPEAKS_FOR_ITSELF:
            # Grafana's API answers errors in JSON: an HTML 404 is not "not found"
            raise answers.not_json(method, where, response, expect) from None
        kind = "an HTML page" if answers.is_html(response) else answers.content_type(response)
        answer = f"{kind or 'a body that is not JSON'}: {answers.excerpt(response)!r}"
    if isinstance(body, dict):
        message = answers.shortened(str(body.get("message") or ""))
        status_text = body.get("status") if isinstance(body.get("status"), str) else None
        if body.get("kind") == "Status":  # /apis (grafana-apis.md §0): the reason says it
            reason = body.get("reason")
            status_text = reason if isinstance(reason, str) and reason else None
        message_id = body.get("messageId") if isinstance(body.get("messageId"), str) else None
    elif isinstance(body, str):
        message = answers.shortened(body)
    error = api_error_class(status)(
        response.status_code,
        method,
        where,
        message,
        status_text=status_text,
        message_id=message_id,
        body=body,
        answer=answer,
    )
    if isinstance(error, RateLimitedError):
        error.retry_after = _parse_retry_after(response.headers.get("Retry-After"))
    return error


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff

"""Requests, responses and Grafana's error body shapes (contract §0), free of any HTTP server."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from dashgen.testing import gojson

_GO_INT = re.compile(r"[+-]?[0-9]+\Z")  # strconv.ParseInt(s, 10, 64): no spaces, no "_"
_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # what strconv.ParseBool reads as true


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # keys lower-cased
    body: bytes = b""

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        query_string: str = "",
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Request:
        return cls(
            method=method,  # Go's methods are case-sensitive: `get` is not GET
            path=path,
            query=parse_query(query_string),
            headers={k.lower(): v for k, v in (headers or {}).items()},
            body=body,
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def query_text(self) -> str:
        """The query as ``key=value`` pairs joined by ``&`` (decoded: for messages and logs)."""
        return "&".join(f"{k}={v}" for k, values in self.query.items() for v in values)

    def uri(self) -> str:
        """The path and query, as Go's ``Request.RequestURI`` names them (decoded)."""
        query = self.query_text()
        return self.path + (f"?{query}" if query else "")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def int_arg(self, name: str) -> int:
        """Grafana's ``c.QueryInt``/``QueryInt64``: strconv.ParseInt of the parameter, 0 when
        it is missing or no integer."""
        raw = self.arg(name) or ""
        return int(raw) if _GO_INT.match(raw) else 0

    def bool_arg(self, name: str) -> bool:
        """Grafana's ``c.QueryBool``: strconv.ParseBool of the parameter, false otherwise."""
        return self.arg(name) in _GO_TRUE

    def json_body(self) -> Any:
        """The decoded body (None when empty), as Go's decoder reads it; 400 when invalid.
        Routes with a typed command use ``dashgen.testing.binding`` instead."""
        try:
            return gojson.loads(self.body)[1]
        except gojson.GoJSONError:
            raise ApiError(400, {"message": "bad request data"}) from None


def parse_query(query_string: str) -> dict[str, list[str]]:
    """The query's values by name, blank ones kept (most requests have no query at all)."""
    return parse_qs(query_string, keep_blank_values=True) if query_string else {}


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able; None sends no body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a body that is not JSON (HTML, text); its type in ``headers``

    def encoded(self) -> bytes:
        if self.status == 304:
            return b""
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else gojson.dumps(self.body)

    def header_items(self) -> list[tuple[str, str]]:
        items = dict(self.headers)
        if self.body is not None and self.raw is None and self.status != 304:
            items.setdefault("Content-Type", "application/json")
        return list(items.items())


class ApiError(Exception):
    """Raised by routes to answer with a Grafana error body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.response = Response(status, body, headers or {})


def message(status: int, text: str) -> ApiError:
    """``response.Error``: ``{"message": ...}``."""
    return ApiError(status, {"message": text})


def dashboard_error(status: int, status_text: str, text: str) -> ApiError:
    """``DashboardErr.Body()``: ``{"status": ..., "message": ...}``."""
    return ApiError(status, {"status": status_text, "message": text})


def errutil(status: int, message_id: str, text: str) -> ApiError:
    """errutil public payload: ``{"statusCode", "messageId", "message"}``."""
    return ApiError(status, {"statusCode": status, "messageId": message_id, "message": text})


def rbac_denied(evaluator: str, access_error_id: str) -> ApiError:
    return ApiError(
        403,
        {
            "title": "Access denied",
            "message": "You'll need additional permissions to perform this action. "
            f"Permissions needed: {evaluator}",
            "accessErrorId": access_error_id,
        },
    )

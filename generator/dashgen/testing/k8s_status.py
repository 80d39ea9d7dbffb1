"""Kubernetes ``Status`` error bodies, as every ``/apis`` handler answers them (grafana-apis.md §0).

Raise the ``ApiError`` these build; ``Status`` bodies carry ``kind``, ``apiVersion``,
``metadata``, ``status: "Failure"``, ``message``, ``reason``, ``details`` and ``code``.
Wordings the contract marks UNCONFIRMED are the standard k8s templates (NotFound,
AlreadyExists, Invalid); clients must branch on ``code`` and ``reason`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashgen.testing.wire import ApiError, Response


@dataclass(frozen=True)
class Kind:
    """The resource an error is about: ``dashboards`` of ``dashboard.grafana.app``."""

    resource: str
    group: str
    kind: str

    @property
    def qualified(self) -> str:
        return f"{self.resource}.{self.group}"


DASHBOARD_KIND = Kind("dashboards", "dashboard.grafana.app", "Dashboard")
FOLDER_KIND = Kind("folders", "folder.grafana.app", "Folder")


def status_body(
    code: int,
    reason: str,
    text: str,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": text,
        "reason": reason,
    }
    if details is not None:  # (an empty one is sent as {}, as Go's non-nil pointer is)
        body["details"] = details
    body["code"] = code
    return body


def status_error(
    code: int, reason: str, text: str, details: dict[str, Any] | None = None
) -> ApiError:
    return ApiError(code, status_body(code, reason, text, details))


def _details(kind: Kind, name: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {"group": kind.group, "kind": kind.resource}
    if name:
        details = {"name": name, **details}
    return details


def not_found(kind: Kind, name: str) -> ApiError:
    return status_error(
        404, "NotFound", f'{kind.qualified} "{name}" not found', _details(kind, name)
    )


def already_exists(kind: Kind, name: str) -> ApiError:
    return status_error(
        409, "AlreadyExists", f'{kind.qualified} "{name}" already exists', _details(kind, name)
    )


def conflict(kind: Kind, name: str) -> ApiError:
    text = (
        f'Operation cannot be fulfilled on {kind.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    return status_error(409, "Conflict", text, _details(kind, name))


def bad_request(text: str) -> ApiError:
    return status_error(400, "BadRequest", text)


def forbidden(kind: Kind, name: str | None, reason: str) -> ApiError:
    """``apierrors.NewForbidden``: ``<resource>.<group> "<name>" is forbidden: <reason>``."""
    subject = f'{kind.qualified} "{name}"' if name else kind.qualified
    return status_error(403, "Forbidden", f"{subject} is forbidden: {reason}", _details(kind, name))


def denied(
    kind: Kind, name: str | None, login: str, verb: str, namespace: str, why: str
) -> ApiError:
    """An authorizer's deny (``responsewriters.Forbidden``), ``why`` its reason ("" for none)."""
    reason = (
        f'User "{login}" cannot {verb} resource "{kind.resource}" in API group '
        f'"{kind.group}" in the namespace "{namespace}"'
    )
    return forbidden(kind, name, f"{reason}: {why}" if why else reason)


def invalid(kind: Kind, name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """``apierrors.NewInvalid``: 422 with one cause per ``(field, type, detail)``."""
    shown = ", ".join(f"{field}: {kind_}: {detail}" for field, kind_, detail in causes)
    text = f'{kind.kind}.{kind.group} "{name}" is invalid: {shown}'
    if len(causes) > 1:
        text = f'{kind.kind}.{kind.group} "{name}" is invalid: [{shown}]'
    details = {
        "name": name,
        "group": kind.group,
        "kind": kind.kind,
        "causes": [
            {
                "reason": _CAUSE_REASONS.get(kind_, "FieldValueInvalid"),
                "message": f"{kind_}: {detail}",
                "field": field,
            }
            for field, kind_, detail in causes
        ],
    }
    return status_error(422, "Invalid", text, details)


_CAUSE_REASONS = {
    "Required value": "FieldValueRequired",
    "Invalid value": "FieldValueInvalid",
    "Unsupported value": "FieldValueNotSupported",
    "Forbidden": "FieldValueForbidden",
    "Too long": "FieldValueTooLong",
}


def internal_error(text: str) -> ApiError:
    return status_error(500, "InternalError", f"Internal error occurred: {text}")


def internal_error_text(uri: str, text: str) -> ApiError:
    """``responsewriters.InternalError`` for an authorizer error: text/plain, not a Status."""
    error = ApiError(500, None)
    error.response = Response(
        500,
        raw=f'Internal Server Error: "{uri}": {text}'.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    return error


def unauthorized(text: str) -> ApiError:
    """401 on ``/apis`` (body shape UNCONFIRMED, §2.2): a Status carrying authn's message."""
    return status_error(401, "Unauthorized", text)


def as_status(error: ApiError) -> ApiError:
    """A classic error body (``{"message": …}``) raised by shared code, as a Status."""
    response = error.response
    if isinstance(response.body, dict) and response.body.get("kind") == "Status":
        return error
    if response.raw is not None:
        return error
    text = response.body.get("message", "") if isinstance(response.body, dict) else ""
    reason = _REASONS.get(response.status, "")
    return status_error(response.status, reason, text)


_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
}

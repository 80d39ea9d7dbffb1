"""LIST requests: label and field selectors, ``limit``/``continue`` paging (grafana-apis.md
§4.2, §6).

- ``labelSelector``: parsed as k8s does (``k8s_selectors``: ``k=v``, ``k!=v``, ``k in (a,b)``,
  ``k>1``, ``k``, ``!k``…, with its errors), matched on the resource's labels. The
  special ``grafana.app/get-history=true`` turns the LIST into a history query (§6); no
  other label is special here (``grafana.app/get-trash`` matches nothing: trash is not
  emulated).
- ``fieldSelector``: ``fields.ParseSelector``'s syntax (``k8s_selectors``: ``=``, ``==``,
  ``!=``, ``\\,`` escapes, nothing trimmed); only ``metadata.name`` and
  ``metadata.namespace``; any other field is 400 ``field label not supported: <field>``
  (k8s wording, UNCONFIRMED for Grafana).
- Paging: items in name order (history: newest first); ``continue`` is an opaque base64
  token of the offset and the list's ``resourceVersion``; the last page has no
  ``continue``; a page with more after it carries ``remainingItemCount``. A token that does
  not decode is 400. A ``limit`` below 1 (absent, 0, negative) is a page of 50: the unified
  storage server's default (``pkg/storage/unified/resource/server.go`` ``List``: "default
  max 50 items in a page", the same at three commits read, the newest @``resourcepb``), so a
  client that does not follow ``continue`` sees only the first 50. A page of dashboards (or
  of history) also ends at the item that brings it to 2 MiB (``maxPageBytes``), with a
  ``continue``: a short page is not the last one.
- ``resourceVersionMatch`` and ``sendInitialEvents`` are validated as k8s does
  (``validate_options``: 422); a ``resourceVersion`` does not change what a LIST answers
  (UNCONFIRMED what Grafana's unified storage does with an old or future one).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from dashgen.testing import k8s_selectors, k8s_status
from dashgen.testing.k8s_selectors import Requirement
from dashgen.testing.k8s_status import Kind
from dashgen.testing.wire import Request

HISTORY_LABEL = "grafana.app/get-history"
TRASH_LABEL = "grafana.app/get-trash"
FIELDS = ("metadata.name", "metadata.namespace")

T = TypeVar("T")


def parse_labels(selector: str) -> list[Requirement]:
    return k8s_selectors.parse_labels(selector)


def parse_fields(selector: str) -> list[Requirement]:
    return k8s_selectors.parse_fields(selector, FIELDS)


def matches(requirements: Sequence[Requirement], labels: dict[str, str]) -> bool:
    return all(r.matches(labels) for r in requirements)


DEFAULT_PAGE = 50


def limit(raw: str | None) -> int:
    """The page size: ``limit`` (an int64 in k8s's ``ListOptions``), ``DEFAULT_PAGE`` below 1."""
    if raw in (None, ""):
        return DEFAULT_PAGE
    if not re.fullmatch(r"[+-]?[0-9]+", raw):
        raise k8s_status.bad_request(f'limit: Invalid value: "{raw}": must be an integer')
    return int(raw) if int(raw) >= 1 else DEFAULT_PAGE


def _token(offset: int, resource_version: str) -> str:
    payload = json.dumps({"o": offset, "v": int(resource_version or 0), "s": False})
    return base64.b64encode(payload.encode()).decode()


def _offset(token: str) -> int:
    try:
        payload = json.loads(base64.b64decode(token, validate=True))
        offset = payload["o"]
    except (ValueError, KeyError, TypeError):
        raise k8s_status.bad_request("continue key is not valid: invalid continue token") from None
    if not isinstance(offset, int) or offset < 0:
        raise k8s_status.bad_request("continue key is not valid: invalid continue token")
    return offset


PAGE_BYTES = 2 * 1024 * 1024  # the storage server's maxPageBytes


def page(
    items: Sequence[T],
    page_size: int,
    token: str | None,
    resource_version: str,
    weigh: Callable[[T], int] | None = None,
) -> tuple[list[T], dict[str, Any]]:
    """One page of ``items`` and the list ``metadata`` to answer with. ``weigh``: an item's
    stored bytes; as the storage server does, a page also ends with the item that brings it
    to ``PAGE_BYTES``."""
    start = _offset(token) if token else 0
    last = len(items) if page_size == 0 else min(len(items), start + page_size)
    end, weight = start, 0
    while end < last:
        weight += weigh(items[end]) if weigh is not None else 0
        end += 1
        if weight >= PAGE_BYTES:
            break
    chosen = list(items[start:end])
    metadata: dict[str, Any] = {"resourceVersion": resource_version}
    if end < len(items):
        metadata["continue"] = _token(end, resource_version)
        metadata["remainingItemCount"] = len(items) - end
    return chosen, metadata


LIST_OPTIONS = Kind("", "meta.k8s.io", "ListOptions")


def validate_options(request: Request) -> None:
    """``ValidateListOptions`` of a LIST (not a watch), after the query is decoded (the
    selectors' 400s come first): 422 ``ListOptions.meta.k8s.io "" is invalid``
    (apimachinery ``apis/meta/internalversion/validation/validation.go``)."""
    match = request.arg("resourceVersionMatch") or ""
    resource_version = request.arg("resourceVersion") or ""
    causes = []
    if match:
        field, forbidden = "resourceVersionMatch", "Forbidden"
        if not resource_version:
            causes.append(
                (field, forbidden, f"{field} is forbidden unless resourceVersion is provided")
            )
        if request.arg("continue"):
            causes.append((field, forbidden, f"{field} is forbidden when continue is provided"))
        if match not in ("Exact", "NotOlderThan"):
            supported = 'supported values: "Exact", "NotOlderThan", ""'
            causes.append((field, "Unsupported value", f'"{match}": {supported}'))
        if match == "Exact" and resource_version == "0":
            detail = f'{field} "exact" is forbidden for resourceVersion "0"'
            causes.append((field, forbidden, detail))
    if request.arg("sendInitialEvents"):
        causes.append(("sendInitialEvents", "Forbidden", "sendInitialEvents is forbidden for list"))
    if causes:
        raise k8s_status.invalid(LIST_OPTIONS, "", causes)

"""Content negotiation of a LIST (``Accept``), as k8s.io/apiserver's generic handlers do it,
and the metadata-only answer (``PartialObjectMetadataList``).

The contract (grafana-apis.md §4.2) is silent on it. Kubernetes apiservers transform a LIST
when the client asks with ``Accept: application/json;as=PartialObjectMetadataList;
g=meta.k8s.io;v=v1`` (``staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go``,
``doTransformObject`` → ``asPartialObjectMetadataList``; ``targetEncodingForTransform``
accepts the kinds ``PartialObjectMetadata``, ``PartialObjectMetadataList`` and ``Table``
in ``meta.k8s.io`` ``v1`` and ``v1beta1``). Grafana's /apis is built on those handlers, but
that it serves this transform for dashboards is **UNCONFIRMED for Grafana** (no Grafana test
or doc read shows it; grafana/grafanactl#252, an open PR, adds a ``get-meta`` command on it):
dashgen sends plain ``application/json`` as a fallback in the same header and checks the
answer's ``kind``.

Rules emulated (in 12.0 and 13.0 modes, the modes that serve /apis), for every LIST the
emulator serves (dashboards, their history, folders), as the generic handlers do:

- the clauses of ``Accept`` are tried in order (``q`` ignored); a clause of ``application/
  json``, ``application/*`` or ``*/*`` without ``as`` is the full ``DashboardList``;
- ``as=PartialObjectMetadataList`` with ``g=meta.k8s.io`` and ``v=v1`` or ``v1beta1``: the
  metadata list, items ``{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/<v>",
  "metadata":{…}}`` (no ``spec``, no ``status``), the list ``metadata`` (``resourceVersion``,
  ``continue``, ``remainingItemCount``) as for the full list;
- any other ``as`` (``Table`` included: not emulated) or media type is skipped; when no
  clause is served: 406 ``NotAcceptable`` Status, k8s's ``NewNotAcceptableError`` wording;
- no ``Accept`` at all: the full list.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing import gojson
from dashgen.testing.k8s_status import status_error
from dashgen.testing.wire import ApiError, Response

FULL = "full"
META_GROUP = "meta.k8s.io"
META_VERSIONS = ("v1", "v1beta1")
PARTIAL_LIST = "PartialObjectMetadataList"
# negotiation.MediaTypesForSerializer(metainternalversionscheme.Codecs), as k8s lists them
ACCEPTED = "application/json, application/yaml, application/vnd.kubernetes.protobuf"
_JSON_TYPES = ("application/json", "application/*", "*/*")


def not_acceptable() -> ApiError:
    return status_error(
        406, "NotAcceptable", f"only the following media types are accepted: {ACCEPTED}"
    )


def negotiated(accept: str | None, mode: str = "served") -> str:
    """``FULL`` or the ``meta.k8s.io`` version of the metadata list asked for; raises the
    406 ``ApiError`` when no clause of ``accept`` is served. ``mode``: the profile's
    ``apis_metadata_lists`` ("ignored": ``as=`` is not looked at; "refused": an ``as=`` in
    any clause is 406, even with a plain clause after it)."""
    if not accept or not accept.strip() or mode == "ignored":
        return FULL
    if mode == "refused" and "as=" in accept.replace(" ", ""):
        raise not_acceptable()
    for clause in accept.split(","):
        parts = [part.strip() for part in clause.split(";")]
        media = parts[0].lower()
        params = {}
        for part in parts[1:]:
            key, _, value = part.partition("=")
            params[key.strip().lower()] = value.strip()
        if media not in _JSON_TYPES:
            continue
        wanted = params.get("as")
        if wanted is None:
            return FULL
        if (
            wanted == PARTIAL_LIST
            and params.get("g") == META_GROUP
            and params.get("v") in META_VERSIONS
        ):
            return params["v"]
    raise not_acceptable()


def partial_list(meta_version: str, metadata: dict[str, Any], items: list[bytes]) -> Response:
    """The ``PartialObjectMetadataList`` of ``items`` (each ``{"metadata": …}`` encoded,
    ``apis_objects.encoded_metadata``) with the list's ``metadata``."""
    head = f'{{"kind":"{PARTIAL_LIST}","apiVersion":"{META_GROUP}/{meta_version}"'.encode()
    item_head = f'{{"kind":"PartialObjectMetadata","apiVersion":"{META_GROUP}/{meta_version}",'
    prefix = item_head.encode()
    raw = b"".join(
        (
            head,
            b',"metadata":',
            gojson.dumps(metadata),
            b',"items":[',
            b",".join(prefix + item[1:] for item in items),
            b"]}",
        )
    )
    return Response(200, headers={"Content-Type": "application/json"}, raw=raw)

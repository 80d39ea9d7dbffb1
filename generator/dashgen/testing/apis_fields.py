"""Unknown fields in a write's body and ``?fieldValidation=`` (the k8s decoder's side of it;
Grafana's own use of the directive, for migration errors, is ``apis_validate``).

Sources (k8s.io/apiserver ``endpoints/handlers/rest.go``, ``create.go``/``update.go``;
apimachinery ``runtime/error.go``, ``util/net/http.go``):

- ``fieldValidation("")`` is ``Warn``: the body is decoded strictly (sigs.k8s.io/json, case
  sensitive), each unknown field is a warning, ``unknown field "<path>"``, sent as a
  ``Warning: 299 - "<text>"`` header (``NewWarningHeader``; ``"`` and ``\\`` escaped) and the
  write goes on;
- ``Strict``: 400 ``BadRequest`` from ``transformDecodeError``: ``<Kind> in version "<v>"
  cannot be handled as a <Kind>: strict decoding error: unknown field "a", unknown field "b"``,
  before any admission;
- ``Ignore``: unknown fields are dropped silently.

What is "unknown" follows the Go types: the top level (``TypeMeta``, ``metadata``, ``spec``,
``status``) and ``metadata`` (``ObjectMeta``) of dashboards and folders, and a folder's
``spec`` (``title``, ``description``). A v0/v1 dashboard ``spec`` is ``common.Unstructured``
(anything goes); unknown fields in a v2 spec (a typed struct) are UNCONFIRMED and not
reported; duplicate fields (``duplicate field "<path>"``) are not detected.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing import k8s_status
from dashgen.testing.k8s_status import Kind
from dashgen.testing.router import Context

TOP_LEVEL = ("apiVersion", "kind", "metadata", "spec", "status")
OBJECT_META = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
FOLDER_SPEC = ("title", "description")


def unknown_fields(body: dict[str, Any], kind: Kind) -> list[str]:
    """The paths of ``body``'s unknown fields, in the body's order."""
    found = [key for key in body if key not in TOP_LEVEL]
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        found += [f"metadata.{key}" for key in metadata if key not in OBJECT_META]
    spec = body.get("spec")
    if kind.kind == "Folder" and isinstance(spec, dict):
        found += [f"spec.{key}" for key in spec if key not in FOLDER_SPEC]
    return found


def check(ctx: Context, body: dict[str, Any], kind: Kind, version: str) -> None:
    """Warn about, reject or ignore ``body``'s unknown fields, as ``fieldValidation`` says."""
    unknown = unknown_fields(body, kind)
    if not unknown:
        return
    directive = ctx.request.arg("fieldValidation") or "Warn"
    texts = [f'unknown field "{path}"' for path in unknown]
    if directive == "Strict":
        sent = body.get("apiVersion")
        shown = sent.rsplit("/", 1)[-1] if isinstance(sent, str) and sent else version
        raise k8s_status.bad_request(
            f'{kind.kind} in version "{shown}" cannot be handled as a {kind.kind}: '
            f"strict decoding error: {', '.join(texts)}"
        )
    if directive == "Warn":
        ctx.warnings.extend(texts)

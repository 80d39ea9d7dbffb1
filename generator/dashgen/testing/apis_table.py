"""The ``Table`` answer (``Accept: application/json;as=Table;g=meta.k8s.io;v=v1``, kubectl's
default) of a dashboard or folder GET or LIST, negotiated by ``apis_partial``.

Sources (grafana/grafana and k8s.io/apiserver; UNCONFIRMED at runtime, as the whole
transform is, see ``apis_partial``):

- the columns are each resource's ``utils.TableColumns`` (``DashboardResourceInfo`` in
  ``apps/dashboard/pkg/apis/dashboard/<v>/register.go`` for v0alpha1, v1alpha1, v2 and
  v2beta1: ``Name``, ``Title`` ("The dashboard name"), ``Created At``; ``FolderResourceInfo``
  in the folder app's ``v1/register.go``: ``Name``, ``Title`` ("The display name"),
  ``Parent`` ("Parent folder UID", the ``grafana.app/folder`` annotation));
- Grafana's ``customTableConvertor`` (``pkg/apimachinery/utils/table_convertor.go``) gives
  the ``Name`` and ``Created At`` columns ObjectMeta's swagger text as description, one row per
  item (``cells``, ``object``), the list's ``resourceVersion``, ``continue`` and
  ``remainingItemCount`` (an object's ``resourceVersion`` for a GET), and no rows for an
  empty list (Go's nil slice: ``"rows":null``);
- k8s's ``asTable`` (``handlers/response.go``) then sets each row's ``object`` by
  ``?includeObject=``: ``Metadata`` (the default) a ``PartialObjectMetadata``, ``Object`` the
  full object, ``None`` null (a ``RawExtension`` with nothing marshals as ``null``: UNCONFIRMED
  at runtime); another value is 400 ``Unable to convert to Table as requested:
  includeObject: Invalid value: "x": must be 'Metadata', 'Object', 'None', or empty``
  (``optionsForTransform``, ``ValidateTableOptions``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dashgen.testing import gojson
from dashgen.testing.apis_partial import (
    META_GROUP,
    PARTIAL,
    PARTIAL_LIST,
    TABLE,
    Target,
    check_fits,
    partial_list,
    partial_object,
)
from dashgen.testing.k8s_meta import FOLDER as FOLDER_ANNOTATION
from dashgen.testing.k8s_status import bad_request
from dashgen.testing.wire import Request, Response

# metav1.ObjectMeta{}.SwaggerDoc() (types_swagger_doc_generated.go), for "Name" and "Created At"
NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of a name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. "
    "Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATED_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
INCLUDE_OBJECT = ("Metadata", "Object", "None")


def _column(name: str, kind: str, format_: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "format": format_,
        "description": description,
        "priority": 0,
    }


DASHBOARD_COLUMNS = [
    _column("Name", "string", "name", NAME_DESCRIPTION),
    _column("Title", "string", "string", "The dashboard name"),
    _column("Created At", "date", "", CREATED_DESCRIPTION),
]
FOLDER_COLUMNS = [
    _column("Name", "string", "name", NAME_DESCRIPTION),
    _column("Title", "string", "string", "The display name"),
    _column("Parent", "string", "string", "Parent folder UID"),
]


def dashboard_cells(item: dict[str, Any]) -> list[Any]:
    spec = item.get("spec") or {}
    title = spec.get("title") if isinstance(spec, dict) else None
    metadata = item["metadata"]
    return [
        metadata["name"],
        title if isinstance(title, str) else "",
        metadata.get("creationTimestamp", ""),
    ]


def folder_cells(item: dict[str, Any]) -> list[Any]:
    metadata = item["metadata"]
    parent = (metadata.get("annotations") or {}).get(FOLDER_ANNOTATION, "")
    return [metadata["name"], (item.get("spec") or {}).get("title", ""), parent]


def include_object(raw: str | None) -> str:
    """``TableOptions.IncludeObject``; raises ``optionsForTransform``'s 400 for an unknown
    value (``ValidateTableOptions``, before asTable's own check)."""
    value = raw or "Metadata"
    if value not in INCLUDE_OBJECT:
        raise bad_request(
            f'Unable to convert to Table as requested: includeObject: Invalid value: "{raw}": '
            "must be 'Metadata', 'Object', 'None', or empty"
        )
    return value


def table(
    target: Target,
    items: list[dict[str, Any]],
    list_metadata: dict[str, Any] | None,
    columns: list[dict[str, Any]],
    cells: Callable[[dict[str, Any]], list[Any]],
    include: str,
) -> Response:
    """The Table of ``items`` (a LIST's page when ``list_metadata`` is given, else the one
    object of a GET)."""
    rows = []
    for item in items:
        row: dict[str, Any] = {"cells": cells(item)}
        if include == "Object":
            row["object"] = item
        elif include == "None":
            row["object"] = None
        else:
            row["object"] = partial_object(target.version, item["metadata"])
        rows.append(row)
    if list_metadata is not None:
        metadata = dict(list_metadata)
    else:
        metadata = {"resourceVersion": items[0]["metadata"].get("resourceVersion", "")}
    body = {
        "kind": TABLE,
        "apiVersion": f"{META_GROUP}/{target.version}",
        "metadata": metadata,
        "columnDefinitions": columns,
        "rows": rows or None,
    }
    return Response(200, body)


def answer_object(
    request: Request,
    target: Target,
    item: dict[str, Any],
    columns: list[dict[str, Any]],
    cells: Callable[[dict[str, Any]], list[Any]],
    go_type: str,
) -> Response:
    """A GET's transformed answer (``target`` is not the full object)."""
    check_fits(target, go_type, listing=False)
    if target.kind == PARTIAL:
        return Response(200, partial_object(target.version, item["metadata"]))
    include = include_object(request.arg("includeObject"))
    return table(target, [item], None, columns, cells, include)


def answer_list(
    request: Request,
    target: Target,
    items: Callable[[], list[dict[str, Any]]],
    metadata: dict[str, Any],
    columns: list[dict[str, Any]],
    cells: Callable[[dict[str, Any]], list[Any]],
    go_type: str,
) -> Response:
    """A LIST's Table (or the 406 of ``PartialObjectMetadata``); ``items`` builds the page."""
    check_fits(target, go_type, listing=True)
    include = include_object(request.arg("includeObject"))
    return table(target, items(), metadata, columns, cells, include)


def transformed_list(
    request: Request,
    target: Target,
    items: list[dict[str, Any]],
    metadata: dict[str, Any],
    columns: list[dict[str, Any]],
    cells: Callable[[dict[str, Any]], list[Any]],
    go_type: str,
) -> Response | None:
    """A LIST page of built objects as ``target`` asks when it is not the full list
    (metadata only, or a Table); None for the full list."""
    if target.kind == PARTIAL_LIST:
        partial = [gojson.dumps({"metadata": item["metadata"]}) for item in items]
        return partial_list(target.version, metadata, partial)
    if not target.full:
        return answer_list(request, target, lambda: items, metadata, columns, cells, go_type)
    return None

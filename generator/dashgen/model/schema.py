"""The form step of a build: any loaded document → the model it builds, and its schema.

One step for every source kind (View JSON, Jinja output, Python values):

- a resource file (``apiVersion``/``kind``, ``dashgen.model.resources``): a v1 one is its
  spec as a classic dashboard, uid ``metadata.name``; a v2 one is its spec as a v2
  dashboard; both take their folder uid from the ``grafana.app/folder`` annotation;
- a bare v2 spec (``elements`` + ``layout``, ``dashgen.model.v2``): a v2 dashboard whose uid
  is derived from its source path, the rule for a classic dashboard without a uid;
- anything else: ``dashgen.model.forms.dashboard_model`` (View JSON, the API envelope,
  Share > Export conversion, refusals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashgen.model.forms import FormError, dashboard_model, unwrap
from dashgen.model.problem import JsonPath
from dashgen.model.resources import (
    FolderResource,
    ResourceError,
    is_resource,
    open_resource,
    v1_spec,
)
from dashgen.model.v2 import SCHEMA_V1, SCHEMA_V2, is_v2_spec

__all__ = ["FolderResource", "ResourceError", "SourceModel", "source_model"]


class V2FormError(FormError):
    def __init__(self, message: str, pointer: JsonPath) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.anchor = pointer[0] if pointer and isinstance(pointer[0], str) else None


@dataclass(frozen=True)
class SourceModel:
    dashboard: dict[str, Any]  # the classic model, or the v2 spec
    schema: str  # "v1", or the v2 version ("v2", "v2beta1", "v2alpha1")
    prefix: JsonPath  # where ``dashboard`` sits in the document: (), ("dashboard",), ("spec",)
    uid: str | None = None  # a resource's metadata.name (v2: the uid, outside the spec)
    folder_uid: str | None = None  # a resource's grafana.app/folder annotation

    @property
    def is_v2(self) -> bool:
        return self.schema != SCHEMA_V1


def source_model(
    doc: Any, values: Mapping[str, str] | None, *, lenient: bool = False
) -> SourceModel:
    """The model ``doc`` builds. Raises ``FolderResource`` for a folder (nothing to build),
    ``ResourceError`` or another ``FormError`` (with the JSON path it is about) otherwise."""
    if is_resource(doc):
        resource = open_resource(doc)
        if resource.is_v2:
            _no_uid_field(resource.spec, ("spec",))
            return SourceModel(
                resource.spec,
                resource.schema,
                ("spec",),
                resource.name,
                resource.folder_uid,
            )
        model = dashboard_model(v1_spec(resource), values, lenient=True)
        return SourceModel(
            model.dashboard,
            SCHEMA_V1,
            ("spec",),
            resource.name,
            resource.folder_uid,
        )
    _, body = unwrap(doc)
    prefix: JsonPath = ("dashboard",) if body is not doc else ()
    if is_v2_spec(body):
        _no_uid_field(body, prefix)
        return SourceModel(body, SCHEMA_V2, prefix)
    model = dashboard_model(doc, values, lenient=lenient)
    return SourceModel(model.dashboard, SCHEMA_V1, prefix)


def _no_uid_field(spec: dict[str, Any], prefix: JsonPath) -> None:
    """A v2 spec has no uid (Grafana's schema has none): one written there would be dropped
    silently, so it is refused with the place a v2 uid goes."""
    if "uid" in spec:
        raise V2FormError(
            f"a schema v2 spec has no uid field (found uid {spec['uid']!r}): the uid of a v2 "
            "dashboard is the metadata.name of its resource envelope; wrap the spec as "
            '{"apiVersion": "dashboard.grafana.app/v2", "kind": "Dashboard", "metadata": '
            '{"name": "<uid>"}, "spec": {...}} (or leave the uid out: it is then derived from '
            "the file's path)",
            (*prefix, "uid"),
        )

"""Kubernetes-style resource files (``apiVersion``/``kind``/``metadata``/``spec``) as sources.

What ``gcx resources pull`` writes and what Git Sync reads (grafana-apis.md §3.1, §8): a
``kind: Dashboard`` of ``dashboard.grafana.app``, whose version says which model its spec
is. ``v0alpha1``, ``v1beta1``, ``v1`` (any version that is not ``v2…``) carry the classic
dashboard model; ``v2alpha1``, ``v2beta1``, ``v2`` the schema v2 spec (elements + layout).

Only three things are read from the envelope: ``metadata.name`` (the dashboard's uid),
the ``grafana.app/folder`` annotation (its folder uid) and ``spec``. Everything the server
owns (``status``, ``resourceVersion``, ``generation``, ``creationTimestamp``,
``managedFields``, the createdBy/updatedBy/updatedTimestamp annotations, labels such as
``grafana.app/deprecatedInternalID``) is ignored, so a pulled file and the same dashboard
written by hand build the same bytes.

A ``kind: Folder`` file (``folders.v1.folder.grafana.app/<uid>.json``, Git Sync's
``_folder.json``) is not a dashboard: it is skipped without a word (``FolderResource``).
Any other kind is an error naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashgen.config import FOLDER_UID
from dashgen.model.forms import FormError
from dashgen.model.problem import JsonPath
from dashgen.model.v2 import SCHEMA_V1

DASHBOARD_GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
FOLDER_ANNOTATION = "grafana.app/folder"


class ResourceError(FormError):
    """A resource file that cannot be built; ``pointer`` is the JSON path it is about."""

    def __init__(self, message: str, pointer: JsonPath = ()) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.anchor = pointer[0] if pointer and isinstance(pointer[0], str) else None


class FolderResource(ResourceError):
    """A ``kind: Folder`` resource: no dashboard in it, and nothing wrong with it."""


@dataclass(frozen=True)
class DashboardResource:
    api_version: str
    version: str  # "v1", "v1beta1", "v2beta1", ...
    name: str | None  # metadata.name: the dashboard uid
    folder_uid: str | None  # the grafana.app/folder annotation ("" and absent: General)
    spec: dict[str, Any]

    @property
    def is_v2(self) -> bool:
        return self.version.startswith("v2")

    @property
    def schema(self) -> str:
        """``v1`` for the classic model, else the version (``v2``, ``v2beta1`` ...)."""
        return self.version if self.is_v2 else SCHEMA_V1


def is_resource(doc: Any) -> bool:
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def open_resource(doc: dict[str, Any]) -> DashboardResource:
    """The dashboard in a resource document; ``FolderResource`` for a folder, else
    ``ResourceError`` (with the JSON path it is about) for what cannot be built."""
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or "/" not in api_version:
        raise ResourceError(
            f"apiVersion {api_version!r} is not group/version (a dashboard's is "
            f"{DASHBOARD_GROUP}/v1 or {DASHBOARD_GROUP}/v2)",
            ("apiVersion",),
        )
    group, _, version = api_version.partition("/")
    if kind == "Folder" and group == FOLDER_GROUP:
        raise FolderResource("a Folder resource holds no dashboard", ("kind",))
    if kind != "Dashboard" or group != DASHBOARD_GROUP:
        raise ResourceError(
            f"this is a {kind!r} resource ({api_version}), not a dashboard: dashgen builds "
            f"kind Dashboard of {DASHBOARD_GROUP} (and skips folders); move this file out of "
            "the sources folder",
            ("kind",),
        )
    if not version:
        raise ResourceError(f"apiVersion {api_version!r} names no version", ("apiVersion",))
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        raise ResourceError(
            f"spec must be an object (the dashboard), got {_kind_of(spec)}",
            ("spec",) if "spec" in doc else (),
        )
    resource = DashboardResource(api_version, version, _name(doc), folder_annotation(doc), spec)
    _check_shape(resource)
    return resource


def v1_spec(resource: DashboardResource) -> dict[str, Any]:
    """The classic dashboard of a v1 resource, with ``metadata.name`` as its uid (the server
    drops ``spec.uid`` on write, so pulled files rarely carry one)."""
    spec = resource.spec
    uid = spec.get("uid")
    if resource.name is None:
        return spec
    if uid not in (None, "") and (not isinstance(uid, str) or uid.strip() != resource.name):
        raise ResourceError(
            f"spec.uid {uid!r} disagrees with metadata.name {resource.name!r} (the uid of a "
            "resource is its metadata.name): make them equal, or remove spec.uid",
            ("spec", "uid"),
        )
    return {**spec, "uid": resource.name}


def _name(doc: dict[str, Any]) -> str | None:
    metadata = doc.get("metadata")
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise ResourceError(f"metadata must be an object, got {_kind_of(metadata)}", ("metadata",))
    name = metadata.get("name")
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        raise ResourceError(
            f"metadata.name must be the dashboard's uid (a non-empty string), got {name!r}",
            ("metadata", "name"),
        )
    return name.strip()


def folder_annotation(doc: dict[str, Any]) -> str | None:
    """The folder uid of the ``grafana.app/folder`` annotation (None: absent or "", the
    General folder); ``ResourceError`` when it is no string."""
    metadata = doc.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if annotations is None:
        return None
    if not isinstance(annotations, dict):
        raise ResourceError(
            f"metadata.annotations must be an object, got {_kind_of(annotations)}",
            ("metadata", "annotations"),
        )
    folder = annotations.get(FOLDER_ANNOTATION)
    if folder is None or folder == "":
        return None
    if not isinstance(folder, str):
        raise ResourceError(
            f"the {FOLDER_ANNOTATION} annotation must be a folder uid (a string), got {folder!r}",
            ("metadata", "annotations", FOLDER_ANNOTATION),
        )
    if not FOLDER_UID.match(folder):  # the rule of [orgs.X] folder_uid: Grafana refuses others
        raise ResourceError(
            f"the {FOLDER_ANNOTATION} annotation {folder!r} is not a folder uid: at most 40 "
            "letters, digits, '-' and '_'",
            ("metadata", "annotations", FOLDER_ANNOTATION),
        )
    return folder


def _check_shape(resource: DashboardResource) -> None:
    """A spec of the other model than the apiVersion says is refused: no conversion here."""
    spec = resource.spec
    v2_shaped = "elements" in spec and "layout" in spec
    if resource.is_v2 and not v2_shaped and ("panels" in spec or "rows" in spec):
        raise ResourceError(
            f"apiVersion {resource.api_version} says schema v2, but spec is a classic "
            "dashboard (panels/rows, no elements and layout); use apiVersion "
            f"{DASHBOARD_GROUP}/v1 (dashgen does not convert between v1 and v2)",
            ("apiVersion",),
        )
    if not resource.is_v2 and v2_shaped and "panels" not in spec:
        raise ResourceError(
            f"apiVersion {resource.api_version} says the classic model, but spec is a "
            f"schema v2 dashboard (elements and layout); use apiVersion {DASHBOARD_GROUP}/v2 "
            "(dashgen does not convert between v1 and v2)",
            ("apiVersion",),
        )


def _kind_of(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__

"""Stored dashboards and folders as ``/apis`` objects (grafana-apis.md §3.1, §3.3, §5, §6, §7.1).

One record serves both APIs: a dashboard's classic ``version`` is its ``generation``; its
``data`` minus ``id``/``uid``/``version`` is the v1 ``spec`` (for a dashboard stored in a
``v2…`` version, ``data`` is the v2 spec as written). Reading in another version than the
stored one converts (``apis_convert``) and reports ``status.conversion``; reading in the
stored version answers ``status: {}`` (the docs' example).

Not emulated: ``managedFields``, the ``grafana.app/blob`` split of large objects, trash.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing import apis_convert, gojson, k8s_meta
from dashgen.testing.model import Dashboard, Folder, VersionRecord
from dashgen.testing.state import State

DASHBOARD_GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
CLASSIC_KEYS = ("id", "uid", "version")


def is_v2(version: str) -> bool:
    return version.startswith("v2")


def classic_spec(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in CLASSIC_KEYS}


def _annotations(
    record: Dashboard | Folder,
    folder_uid: str | None,
    message: str,
    updated: str,
    updated_by: str,
    extra: dict[str, str],
) -> dict[str, str]:
    annotations = dict(extra)
    if folder_uid:
        annotations[k8s_meta.FOLDER] = folder_uid
    if message:
        annotations[k8s_meta.MESSAGE] = message
    if record.k8s.resource_version:  # (else a dry-run create: storage never stamped it)
        annotations[k8s_meta.CREATED_BY] = record.k8s.created_by
        annotations[k8s_meta.UPDATED_BY] = updated_by
        annotations[k8s_meta.UPDATED_TIMESTAMP] = updated  # RFC 3339, UTC
    return dict(sorted(annotations.items()))


def _system_metadata(record: Dashboard | Folder, resource_version: str) -> dict[str, Any]:
    """``resourceVersion`` and the legacy-id label, which storage writes: a dry-run create
    never reaches it (k8s ``DryRunnableStorage.Create`` only copies the object), and Go
    omits the empty ``resourceVersion``."""
    labels = dict(record.k8s.labels)
    if not resource_version:
        return {"labels": dict(sorted(labels.items()))}
    labels[k8s_meta.INTERNAL_ID_LABEL] = str(record.id)
    return {"resourceVersion": resource_version, "labels": dict(sorted(labels.items()))}


def _provisioning_annotations(dashboard: Dashboard) -> dict[str, str]:
    """A file-provisioned dashboard's manager annotations (``ManagerKindClassicFP``)."""
    if dashboard.provisioned_external_id is None:
        return {}
    return {
        k8s_meta.MANAGED_BY: k8s_meta.MANAGER_CLASSIC_FILE,
        k8s_meta.MANAGER_ID: "default",  # the provisioner's name (UNCONFIRMED)
        k8s_meta.SOURCE_PATH: dashboard.provisioned_external_id,
    }


def _current_annotations(dashboard: Dashboard) -> dict[str, str]:
    """The annotations of ``dashboard``'s current revision."""
    extra = {**dashboard.k8s.annotations, **_provisioning_annotations(dashboard)}
    return _annotations(
        dashboard,
        dashboard.folder_uid,
        dashboard.message,
        dashboard.updated,
        dashboard.k8s.updated_by,
        extra,
    )


def dashboard_object(
    state: State, dashboard: Dashboard, version: str, namespace: str, *, copied: bool = True
) -> dict[str, Any]:
    """The current state of ``dashboard``, read through ``version`` (``copied`` False: the
    spec is the stored data itself, for an answer encoded at once and never changed)."""
    annotations = _current_annotations(dashboard)
    return _envelope(
        dashboard,
        version=version,
        namespace=namespace,
        resource_version=dashboard.k8s.resource_version,
        generation=dashboard.version,
        created=dashboard.created,
        annotations=annotations,
        data=dashboard.data,
        stored_version=dashboard.api_version,
        copied=copied,
    )


def _revision_cache(dashboard: Dashboard, version: str, namespace: str) -> dict[Any, Any]:
    """The per-revision cache of ``dashboard``'s encodings read through ``version``: every
    write through either API stamps a new resourceVersion; the other fields are in the key
    in case a seeding helper changes them without one."""
    key = (
        version,
        namespace,
        dashboard.k8s.resource_version,
        dashboard.version,
        dashboard.folder_uid,
        dashboard.message,
        dashboard.provisioned_external_id,
        dashboard.api_version,
        dashboard.id,
        dashboard.updated,
        dashboard.created,
        dashboard.k8s.updated_by,
        tuple(dashboard.k8s.annotations.items()),
        tuple(dashboard.k8s.labels.items()),
        id(dashboard.data),
    )
    cache = dashboard.k8s.encoded
    if cache.get("key") != key:
        cache.clear()
        cache["key"] = key
    return cache


def encoded_dashboard(state: State, dashboard: Dashboard, version: str, namespace: str) -> bytes:
    """``dashboard_object`` encoded, cached per revision."""
    cache = _revision_cache(dashboard, version, namespace)
    if "bytes" not in cache:
        # Encoded straight from the stored data: a copy would only be thrown away (and
        # copying a page of dashboards was most of a LIST's time).
        answer = dashboard_object(state, dashboard, version, namespace, copied=False)
        cache["bytes"] = gojson.dumps(answer)
    return cache["bytes"]


def encoded_metadata(dashboard: Dashboard, version: str, namespace: str) -> bytes:
    """``{"metadata": …}`` of ``dashboard_object`` encoded (a metadata-only LIST item,
    ``apis_partial``), cached per revision."""
    cache = _revision_cache(dashboard, version, namespace)
    if "metadata" not in cache:
        cache["metadata"] = gojson.dumps({"metadata": dashboard_metadata(dashboard, namespace)})
    return cache["metadata"]


def dashboard_metadata(dashboard: Dashboard, namespace: str) -> dict[str, Any]:
    """The ``metadata`` of ``dashboard_object`` (the current revision)."""
    annotations = _current_annotations(dashboard)
    return _metadata(
        dashboard,
        namespace,
        dashboard.k8s.resource_version,
        dashboard.version,
        dashboard.created,
        annotations,
    )


def _metadata(
    dashboard: Dashboard,
    namespace: str,
    resource_version: str,
    generation: int,
    created: str,
    annotations: dict[str, str],
) -> dict[str, Any]:
    system = _system_metadata(dashboard, resource_version)
    metadata = {"name": dashboard.uid, "namespace": namespace, "uid": dashboard.k8s.uid}
    if "resourceVersion" in system:
        metadata["resourceVersion"] = system["resourceVersion"]
    metadata |= {"generation": generation, "creationTimestamp": created}
    if system["labels"]:
        metadata["labels"] = system["labels"]
    return metadata | ({"annotations": annotations} if annotations else {})


def history_object(
    dashboard: Dashboard, record: VersionRecord, version: str, namespace: str
) -> dict[str, Any]:
    """One saved version of ``dashboard`` (§6): ``creationTimestamp`` is when it was saved."""
    annotations = _annotations(
        dashboard,
        record.folder_uid,
        record.message,
        record.created,
        record.created_by_ref,
        dict(record.annotations),
    )
    return _envelope(
        dashboard,
        version=version,
        namespace=namespace,
        resource_version=record.resource_version,
        generation=record.version,
        created=record.created,
        annotations=annotations,
        data=record.data,
        stored_version=record.api_version,
    )


def _envelope(
    dashboard: Dashboard,
    *,
    version: str,
    namespace: str,
    resource_version: str,
    generation: int,
    created: str,
    annotations: dict[str, str],
    data: dict[str, Any],
    stored_version: str,
    copied: bool = True,
) -> dict[str, Any]:
    spec_of = data if is_v2(stored_version) else classic_spec(data)
    stored = gojson.clone(spec_of) if copied else spec_of
    spec, status = apis_convert.read_as(stored, stored_version, version)
    metadata = _metadata(dashboard, namespace, resource_version, generation, created, annotations)
    return {
        "kind": "Dashboard",
        "apiVersion": f"{DASHBOARD_GROUP}/{version}",
        "metadata": metadata,
        "spec": spec,
        "status": status,
    }


def folder_object(state: State, folder: Folder, version: str, namespace: str) -> dict[str, Any]:
    annotations = _annotations(
        folder, folder.parent_uid, "", folder.updated, folder.k8s.updated_by, folder.k8s.annotations
    )
    spec: dict[str, Any] = {"title": folder.title}
    if folder.description:
        spec["description"] = folder.description
    system = _system_metadata(folder, folder.k8s.resource_version)
    metadata = {"name": folder.uid, "namespace": namespace, "uid": folder.k8s.uid}
    if "resourceVersion" in system:
        metadata["resourceVersion"] = system["resourceVersion"]
    metadata |= {"generation": folder.version, "creationTimestamp": folder.created}
    if system["labels"]:
        metadata["labels"] = system["labels"]
    if annotations:
        metadata["annotations"] = annotations
    return {
        "kind": "Folder",
        "apiVersion": f"{FOLDER_GROUP}/{version}",
        "metadata": metadata,
        "spec": spec,
        "status": {},
    }

"""Resource envelopes (grafana-apis.md §3, §5, §8): what a gcx or Git Sync file holds.

Only what a client may set: ``apiVersion``, ``kind``, ``metadata`` (``name`` and the
annotations dashgen decides) and ``spec``. Never a server-owned field (``uid``,
``resourceVersion``, ``generation``, ``creationTimestamp``, ``managedFields``, ``status``,
the createdBy/updatedBy/updatedTimestamp annotations, labels), never manager annotations
(gcx and Git Sync stamp their own) and never a ``namespace``: the namespace names one org
(or stack), and gcx takes it from its context when it pushes, so the same file serves
whichever org it is pushed to.
"""

from __future__ import annotations

from typing import Any

DASHBOARD_GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
FOLDER_VERSION = "v1"
FOLDER_ANNOTATION = "grafana.app/folder"
MESSAGE_ANNOTATION = "grafana.app/message"


def dashboard_envelope(
    uid: str,
    spec: dict[str, Any],
    version: str,
    *,
    folder_uid: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """A ``Dashboard`` resource: ``spec`` is the build's output file as it is."""
    annotations: dict[str, str] = {}
    if folder_uid:
        annotations[FOLDER_ANNOTATION] = folder_uid
    if message:
        annotations[MESSAGE_ANNOTATION] = message
    return _envelope(f"{DASHBOARD_GROUP}/{version}", "Dashboard", uid, annotations, spec)


def folder_envelope(
    uid: str, title: str | None, *, parent_uid: str | None = None
) -> dict[str, Any]:
    """A ``Folder`` resource; its parent (nested folders) is the folder annotation (§5)."""
    annotations = {FOLDER_ANNOTATION: parent_uid} if parent_uid else {}
    spec = {"title": title} if title else {}
    return _envelope(f"{FOLDER_GROUP}/{FOLDER_VERSION}", "Folder", uid, annotations, spec)


def _envelope(
    api_version: str,
    kind: str,
    name: str,
    annotations: dict[str, str],
    spec: dict[str, Any],
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec}

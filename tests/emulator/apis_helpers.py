"""Helpers for the /apis conformance tests (imported by name: keep it unique)."""

from __future__ import annotations

from typing import Any

import httpx
from emulator_api import Api

DASHBOARD_GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
# The classic-model write version each mode serves (grafana-apis.md §1.3, §9).
V1 = {"12.0": "v1beta1", "13.0": "v1"}
FOLDER_V = {"12.0": "v1beta1", "13.0": "v1"}


class K8s:
    """Raw calls to /apis on one emulator; ``version`` defaults to the mode's v1 version."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.mode = api.emulator.version
        self.v1 = V1[self.mode]
        self.folder_v = FOLDER_V[self.mode]

    def dashboards(self, namespace: str = "default", version: str | None = None) -> str:
        return f"/apis/{DASHBOARD_GROUP}/{version or self.v1}/namespaces/{namespace}/dashboards"

    def dashboard(self, name: str, namespace: str = "default", version: str | None = None) -> str:
        return f"{self.dashboards(namespace, version)}/{name}"

    def folders(self, namespace: str = "default") -> str:
        return f"/apis/{FOLDER_GROUP}/{self.folder_v}/namespaces/{namespace}/folders"

    def create(self, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.api.post(self.dashboards(**_where(kwargs)), json=body, **kwargs)

    def get(self, name: str, **kwargs: Any) -> httpx.Response:
        return self.api.get(self.dashboard(name, **_where(kwargs)), **kwargs)

    def put(self, name: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.api.put(self.dashboard(name, **_where(kwargs)), json=body, **kwargs)

    def delete(self, name: str, **kwargs: Any) -> httpx.Response:
        return self.api.delete(self.dashboard(name, **_where(kwargs)), **kwargs)

    def list(self, **kwargs: Any) -> httpx.Response:
        return self.api.get(self.dashboards(**_where(kwargs)), **kwargs)


def _where(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {key: kwargs.pop(key) for key in ("namespace", "version") if key in kwargs}


def resource(
    name: str | None,
    title: str = "CPU",
    *,
    folder: str | None = None,
    message: str | None = None,
    api_version: str | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A v1 Dashboard body; ``schemaVersion`` 41 unless given (the migrator needs one)."""
    annotations = {}
    if folder is not None:
        annotations["grafana.app/folder"] = folder
    if message is not None:
        annotations["grafana.app/message"] = message
    metadata: dict[str, Any] = {"annotations": annotations}
    if name is not None:
        metadata["name"] = name
    body: dict[str, Any] = {
        "kind": "Dashboard",
        "metadata": metadata,
        "spec": {"title": title, "schemaVersion": 41, "panels": [], **spec},
    }
    if api_version:
        body["apiVersion"] = api_version
    return body


def status_of(response: httpx.Response) -> tuple[int, str, str]:
    """``(code, reason, message)`` of a k8s Status answer, checking its shape (§0)."""
    body = response.json()
    assert body["kind"] == "Status" and body["apiVersion"] == "v1", body
    assert body["status"] == "Failure" and body["metadata"] == {}, body
    assert body["code"] == response.status_code, body
    assert response.headers["content-type"].startswith("application/json")
    return body["code"], body["reason"], body["message"]

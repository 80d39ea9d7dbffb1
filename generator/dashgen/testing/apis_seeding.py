"""Seeding ``/apis`` state for tests: Git Sync managed dashboards, resources in any version.

Callers hold ``state.lock``. Nothing here is logged or subject to faults.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing import gojson, k8s_meta
from dashgen.testing.apis_access import namespace_for
from dashgen.testing.auth import USER, Identity
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.router import Context
from dashgen.testing.routes import apis_dashboards
from dashgen.testing.state import State
from dashgen.testing.wire import Request


def manage_by_repository(
    state: State, org_id: int, uid: str, repository: str, source_path: str | None
) -> None:
    """``grafana.app/managedBy: repo``, ``managerId: <repository>``, ``sourcePath`` (§8.2) on
    the dashboard ``uid``, else on the folder ``uid`` (Git Sync keeps both)."""
    record = state.dashboard(org_id, uid) or state.folder(org_id, uid)
    if record is None:
        raise LookupError(f"no dashboard or folder {uid!r} in org {org_id}")
    default_path = f"{uid}.json" if state.dashboard(org_id, uid) else f"{uid}/_folder.json"
    record.k8s.annotations.update(
        {
            k8s_meta.MANAGED_BY: k8s_meta.MANAGER_REPO,
            k8s_meta.MANAGER_ID: repository,
            k8s_meta.SOURCE_PATH: source_path or default_path,
        }
    )
    record.k8s.resource_version = state.next_resource_version()


def save_resource(
    state: State,
    profile: GrafanaProfile,
    admin_login: str,
    org_id: int,
    name: str,
    spec: dict[str, Any],
    *,
    api_version: str,
    folder_uid: str | None,
    message: str,
    annotations: dict[str, str] | None,
) -> dict[str, Any]:
    metadata_annotations = dict(annotations or {})
    if folder_uid:
        metadata_annotations[k8s_meta.FOLDER] = folder_uid
    if message:
        metadata_annotations[k8s_meta.MESSAGE] = message
    body = {
        "apiVersion": f"dashboard.grafana.app/{api_version}",
        "kind": "Dashboard",
        "metadata": {"name": name, "annotations": metadata_annotations},
        "spec": gojson.clone(spec),
    }
    namespace = namespace_for(org_id)
    path = f"/apis/dashboard.grafana.app/{api_version}/namespaces/{namespace}/dashboards/{name}"
    request = Request.build("PUT", path, body=gojson.dumps(body))
    admin = state.user_by_login(admin_login)
    assert admin is not None
    role = state.role_in(org_id, admin.id) or "Admin"
    identity = Identity(USER, admin.id, admin.login, org_id, role, is_server_admin=True)
    ctx = Context(
        request=request,
        state=state,
        profile=profile,
        identity=identity,
        params={"version": api_version, "namespace": namespace, "name": name},
    )
    return apis_dashboards.put_dashboard(ctx).body  # raises ApiError as the route would

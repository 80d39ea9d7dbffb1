"""The App Platform metadata every write stamps, whichever API it came through
(grafana-apis.md §3.1).

One store serves ``/api`` and ``/apis``: a classic save and a resource write both give the
record a new ``resourceVersion`` and ``updatedBy`` reference, so either API sees the other's
writes. Identity references are ``<type>:<uid>`` (``user:…``, ``service-account:…``; legacy
keys ``api-key:<id>``, UNCONFIRMED). Callers hold ``state.lock``.
"""

from __future__ import annotations

from dashgen.testing.auth import API_KEY, SERVICE_ACCOUNT, USER, Identity
from dashgen.testing.model import Dashboard, Folder
from dashgen.testing.state import ADMIN_USER_ID, State

# Annotation keys (pkg/apimachinery/utils/meta.go, §3.1).
FOLDER = "grafana.app/folder"
MESSAGE = "grafana.app/message"
CREATED_BY = "grafana.app/createdBy"
UPDATED_BY = "grafana.app/updatedBy"
UPDATED_TIMESTAMP = "grafana.app/updatedTimestamp"
GRANT_PERMISSIONS = "grafana.app/grant-permissions"
MANAGED_BY = "grafana.app/managedBy"
MANAGER_ID = "grafana.app/managerId"
MANAGER_ALLOWS_EDITS = "grafana.app/managerAllowsEdits"
SOURCE_PATH = "grafana.app/sourcePath"
INTERNAL_ID_LABEL = "grafana.app/deprecatedInternalID"
# Set by the server from the record: a client's values for these are ignored.
SERVER_ANNOTATIONS = (FOLDER, MESSAGE, CREATED_BY, UPDATED_BY, UPDATED_TIMESTAMP)
MANAGER_REPO = "repo"
MANAGER_CLASSIC_FILE = "classic-file-provisioning"


def identity_ref(state: State, identity: Identity | None, login: str | None = None) -> str:
    """``<user-type>:<uid>`` of who writes; None (seeding) is the user ``login``, else the admin."""
    if identity is None:
        user = state.user_by_login(login) if login else None
        return f"user:{(user or state.users[ADMIN_USER_ID]).uid}"
    if identity.kind == USER:
        return f"user:{state.users[identity.id].uid}"
    if identity.kind == SERVICE_ACCOUNT:
        return f"service-account:{state.service_accounts[identity.id].uid}"
    assert identity.kind == API_KEY
    return f"api-key:{identity.id}"


def stamp(state: State, record: Dashboard | Folder, ref: str, resource_version: str) -> None:
    """A write of ``record`` by ``ref``: a new resourceVersion; createdBy on the first one."""
    meta = record.k8s
    if not meta.uid:
        meta.uid = state.new_k8s_uid()
    if not meta.created_by:
        meta.created_by = ref
    meta.updated_by = ref
    meta.resource_version = resource_version


def manager_kind(record: Dashboard | Folder) -> str:
    return record.k8s.annotations.get(MANAGED_BY, "")


def is_repo_managed(record: Dashboard | Folder) -> bool:
    return manager_kind(record) == MANAGER_REPO

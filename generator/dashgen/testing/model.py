"""The in-memory records behind the emulator (mutable; guarded by ``State.lock``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dashgen.testing import gojson
from dashgen.testing.slugs import slugify

BASIC_ROLES = ("Viewer", "Editor", "Admin")
ASSIGNABLE_ROLES = ("None", *BASIC_ROLES)  # "None": a member without a basic role
ROLE_RANK = {"None": 0, "Viewer": 1, "Editor": 2, "Admin": 3}
ANONYMOUS = "Anonymous"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def rfc3339(epoch_seconds: float) -> str:
    """A timestamp as Go marshals a ``time.Time`` (RFC 3339, here always UTC)."""
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class AclEntry:
    """A managed permission: a user or service account (``user_id``) or a basic ``role``."""

    user_id: int | None
    role: str | None
    permission: int  # 1 View, 2 Edit, 4 Admin
    created: str
    updated: str = ""


@dataclass
class Org:
    id: int
    name: str

    def dto(self) -> dict[str, Any]:
        address = dict.fromkeys(("address1", "address2", "city", "zipCode", "state", "country"), "")
        return {"id": self.id, "name": self.name, "address": address}


@dataclass
class User:
    id: int
    login: str
    email: str
    name: str
    password_hash: str
    is_server_admin: bool
    current_org_id: int
    is_disabled: bool = False

    @property
    def uid(self) -> str:
        """A stable uid for identity references (``user:<uid>``, grafana-apis.md §3.1)."""
        return "u" + hashlib.sha256(str(self.id).encode()).hexdigest()[:13]

    @property
    def avatar_url(self) -> str:
        """``dtos.GetGravatarUrl`` of the trimmed email."""
        return gravatar_url(self.email.strip())


def gravatar_url(email: str) -> str:
    """``dtos.GetGravatarUrl``: "" for no email, else ``/avatar/`` + the md5 of it lower-cased."""
    if not email:
        return ""
    return "/avatar/" + hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest()


@dataclass
class Token:
    """A service-account token; ``hashed`` is the sha256 of the whole ``glsa_…`` string."""

    id: int
    name: str
    hashed: str
    created: str
    expires_at: float | None  # epoch seconds (whole seconds, as Grafana's int64 `expires`)
    revoked: bool = False


@dataclass
class ServiceAccount:
    id: int
    uid: str
    org_id: int
    name: str
    login: str
    role: str
    is_disabled: bool
    tokens: list[Token] = field(default_factory=list)

    def dto(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "login": self.login,
            "orgId": self.org_id,
            "isDisabled": self.is_disabled,
            "role": self.role,
            "tokens": len(self.tokens),
            "avatarUrl": "/avatar/" + self.uid,
        }


@dataclass
class ApiKey:
    """A legacy API key; ``hashed`` is the sha256 of its random part ``k``."""

    id: int
    org_id: int
    name: str
    role: str
    hashed: str
    expires_at: float | None
    revoked: bool = False


@dataclass
class Folder:
    id: int
    uid: str
    org_id: int
    title: str
    description: str
    parent_uid: str | None
    created: str
    updated: str
    created_by: str
    updated_by: str
    version: int = 1
    acl: list[AclEntry] = field(default_factory=list)
    # App Platform metadata (grafana-apis.md §5): ``version`` is the resource's generation.
    k8s: ResourceMeta = field(default_factory=lambda: ResourceMeta())

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def url(self) -> str:
        return f"/dashboards/f/{self.uid}/{self.slug}"


@dataclass
class ResourceMeta:
    """What ``/apis`` shows of a dashboard or folder beyond the classic record (§3.1).

    ``annotations`` holds those a client or tool set (managedBy, sourcePath, …); the folder,
    message, createdBy/updatedBy and updatedTimestamp annotations are built from the record.
    ``created_by``/``updated_by`` are identity references (``user:<uid>``).
    """

    uid: str = ""  # metadata.uid: a UUID, not the dashboard uid
    resource_version: str = ""
    created_by: str = ""
    updated_by: str = ""
    annotations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    # The object's encoding for one (version, revision) key: LIST pages are built from it.
    encoded: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class VersionRecord:
    """One saved version of a dashboard, as Grafana's dashboard_version table keeps it."""

    id: int
    version: int
    parent_version: int
    message: str
    created: str
    created_by: str
    data: dict[str, Any]
    # What /apis history shows of this version (§6).
    resource_version: str = ""
    created_by_ref: str = ""
    folder_uid: str | None = None
    api_version: str = "v1"  # the version the dashboard was stored in
    annotations: dict[str, str] = field(default_factory=dict)
    restored_from: int = 0  # the version a restore copied (0: a plain save)

    @property
    def updated_by(self) -> str:
        return self.created_by


@dataclass
class Dashboard:
    id: int
    uid: str
    org_id: int
    title: str
    folder_uid: str | None
    data: dict[str, Any]
    version: int
    created: str
    updated: str
    created_by: str
    updated_by: str
    versions: list[VersionRecord] = field(default_factory=list)
    acl: list[AclEntry] = field(default_factory=list)
    # Provisioned from a file (the provisioning config's path); None: saved through the API.
    # Grafana refuses to save (UI updates off) or delete a provisioned dashboard (§2, §3).
    provisioned_external_id: str | None = None
    k8s: ResourceMeta = field(default_factory=lambda: ResourceMeta())
    # The version the dashboard is stored in (status.conversion.storedVersion, §7.1): a
    # "v2…" one holds a schema v2 spec in ``data``.
    api_version: str = "v1"
    message: str = ""  # the grafana.app/message of the current version

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def url(self) -> str:
        return f"/d/{self.uid}/{self.slug}"

    @property
    def tags(self) -> list[str]:
        """``Data.Get("tags").MustStringArray()``: all strings, or no tags at all."""
        tags = self.data.get("tags")
        if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
            return list(tags)
        return []


@dataclass(frozen=True)
class StoredDashboard:
    """A copy of a stored dashboard for tests; ``snapshot["title"]`` reads the JSON model."""

    org_id: int
    id: int
    uid: str
    title: str
    folder_uid: str | None
    version: int
    created: str
    updated: str
    created_by: str
    updated_by: str
    data: dict[str, Any]
    # /apis: the version it is stored in, its resourceVersion, its client/tool annotations
    # (managedBy, …) and the current version's message.
    api_version: str = "v1"
    resource_version: str = ""
    annotations: dict[str, str] = field(default_factory=dict)
    message: str = ""

    @classmethod
    def of(cls, dashboard: Dashboard) -> StoredDashboard:
        return cls(
            org_id=dashboard.org_id,
            id=dashboard.id,
            uid=dashboard.uid,
            title=dashboard.title,
            folder_uid=dashboard.folder_uid,
            version=dashboard.version,
            created=dashboard.created,
            updated=dashboard.updated,
            created_by=dashboard.created_by,
            updated_by=dashboard.updated_by,
            data=gojson.clone(dashboard.data),
            api_version=dashboard.api_version,
            resource_version=dashboard.k8s.resource_version,
            annotations=dict(dashboard.k8s.annotations),
            message=dashboard.message,
        )

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass
class Datasource:
    id: int
    uid: str
    org_id: int
    name: str
    type: str
    access: str = "proxy"
    url: str = ""
    user: str = ""
    database: str = ""
    basic_auth: bool = False
    basic_auth_user: str = ""
    with_credentials: bool = False
    is_default: bool = False
    json_data: dict[str, Any] = field(default_factory=dict)
    secure_json_fields: dict[str, bool] = field(default_factory=dict)
    read_only: bool = False
    version: int = 1


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it. ``identity`` is a login or token name, never a token.

    ``fault`` names the injected fault kind that shaped the answer, if any; ``status`` is
    what the client got (None when the connection was dropped).
    """

    method: str
    path: str
    query: str
    identity: str | None
    org_id: int | None
    status: int | None
    fault: str | None = None
    accept: str | None = None  # the request's Accept header
    encoding: str | None = None  # the answer's Content-Encoding (gzip: k8s_wire)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

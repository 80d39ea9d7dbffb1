"""Constants and emulator-inspection helpers shared by the org/token tests."""

from __future__ import annotations

from dashgen.grafana import Connection, GrafanaClient
from dashgen.secrets import Secret
from dashgen.testing import Emulator

CANARY_PASSWORD = "canary-admin-pw-7f3a9c1e5b"
BASE_URL = "http://127.0.0.1:3000"  # loopback, so plain http is allowed; served in-process


def org_name_for(target: Connection, token: Secret) -> str:
    """What ``GET /api/org`` answers for ``token``."""
    with GrafanaClient(target.url, token=token, transport=target.transport) as client:
        return client.get("/api/org")["name"]


def accounts_in(emu: Emulator, org_id: int) -> list[str]:
    return [sa.name for sa in emu.state.service_accounts.values() if sa.org_id == org_id]


def admin_memberships(emu: Emulator) -> dict[int, str]:
    admin = emu.state.user_by_login("admin")
    assert admin is not None
    return {org: role for (org, user), role in emu.state.memberships.items() if user == admin.id}


def admin_active_org(emu: Emulator) -> int:
    admin = emu.state.user_by_login("admin")
    assert admin is not None
    return admin.current_org_id


def writes(emu: Emulator) -> list[tuple[str, str, int | None]]:
    return [(r.method, r.path, r.status) for r in emu.request_log if r.method != "GET"]

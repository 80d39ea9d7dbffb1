"""The bootstrap flows (dashgen.orgs) against the emulator, in-process, 12.0 and 11.2."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from orgs_helpers import (
    BASE_URL,
    CANARY_PASSWORD,
    accounts_in,
    admin_active_org,
    admin_memberships,
    org_name_for,
    writes,
)

from dashgen import orgs
from dashgen.errors import BootstrapError, DashgenError, TokenError
from dashgen.grafana import Connection
from dashgen.orgs import AdminCredentials, TokenRequest
from dashgen.secrets import Secret
from dashgen.testing import Emulator, profile_for
from dashgen.tokens import StoredToken, TokenStore


def test_fresh_bootstrap(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    result = orgs.bootstrap(target, admin, TokenRequest("apiorg"), store=store)

    org_id = emu.org_id_by_name("apiorg")
    assert result.org.created and result.org.org.id == org_id == 2
    assert result.org.membership == "already an Admin member"  # Grafana adds the creator
    assert result.token.path == "service-account"
    assert result.token.service_account_created
    assert result.verified_org.name == "apiorg"
    assert accounts_in(emu, org_id) == ["dashgen"]
    assert admin_memberships(emu) == {1: "Admin", 2: "Admin"}
    assert admin_active_org(emu) == 1
    entry = store.get(BASE_URL, "apiorg")
    assert entry is not None
    assert (entry.kind, entry.org_id, entry.role, entry.name) == (
        "service-account",
        2,
        "Editor",
        "dashgen",
    )
    assert entry.token.reveal().startswith("glsa_")
    assert org_name_for(target, entry.token) == "apiorg"
    # the service-account calls named the org per request, never switching the admin
    sa_calls = [r for r in emu.request_log if r.path.startswith("/api/serviceaccounts")]
    assert sa_calls and all(r.org_id == 2 for r in sa_calls)
    assert not [r for r in emu.request_log if r.path.startswith("/api/user/using")]


def test_rerunning_every_command_is_idempotent(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    first = orgs.bootstrap(target, admin, TokenRequest("apiorg"), store=store)
    emu.clear_request_log()

    again_org = orgs.ensure_org(target, admin, "apiorg")
    again_token = orgs.create_token(target, admin, TokenRequest("apiorg"), store=store)
    again = orgs.bootstrap(target, admin, TokenRequest("apiorg"), store=store)

    assert not again_org.created and again_org.org.id == 2
    assert again_token.path == again.token.path == "kept"
    assert again.token.entry.token == first.token.entry.token
    assert sorted(o.name for o in emu.state.orgs.values()) == ["Main Org.", "apiorg"]
    assert accounts_in(emu, 2) == ["dashgen"]
    assert len(emu.state.service_accounts[first.token.entry.service_account_id].tokens) == 1
    assert admin_memberships(emu) == {1: "Admin", 2: "Admin"}
    # the re-runs created nothing: only the two idempotent POSTs that answer 409
    assert set(writes(emu)) == {("POST", "/api/orgs", 409), ("POST", "/api/orgs/2/users", 409)}


def test_membership_is_added_for_an_org_the_admin_is_not_in(
    emu: Emulator, target: Connection, admin: AdminCredentials
) -> None:
    org_id = emu.create_org("seeded")
    result = orgs.ensure_org(target, admin, "seeded")
    assert not result.created and result.org.id == org_id
    assert result.membership == "added as Admin"
    assert admin_memberships(emu)[org_id] == "Admin"


def test_rotate_mints_a_new_token_and_revokes_the_old(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    first = orgs.bootstrap(target, admin, TokenRequest("apiorg"), store=store)
    rotated = orgs.create_token(
        target, admin, TokenRequest("apiorg", rotate=True, ttl_seconds=3600), store=store
    )
    assert rotated.path == "service-account" and not rotated.service_account_created
    assert rotated.entry.token != first.token.entry.token
    assert rotated.entry.name.startswith("dashgen-")  # "dashgen" was taken on that account
    assert rotated.entry.expires_at is not None
    assert any("revoked" in note for note in rotated.notes)
    assert accounts_in(emu, 2) == ["dashgen"]
    assert org_name_for(target, rotated.entry.token) == "apiorg"
    with pytest.raises(DashgenError, match="401"):
        org_name_for(target, first.token.entry.token)
    account = emu.state.service_accounts[rotated.entry.service_account_id]
    assert [t.name for t in account.tokens] == [rotated.entry.name]
    assert account.tokens[0].expires_at is not None


def test_legacy_api_key_path_names_the_org_and_never_switches(
    admin: AdminCredentials, store: TokenStore
) -> None:
    emu = Emulator(version="11.2", admin_password=CANARY_PASSWORD)
    target = Connection(BASE_URL, transport=emu.transport())
    orgs.ensure_org(target, admin, "apiorg")
    result = orgs.create_token(
        target, admin, TokenRequest("apiorg", legacy_api_key=True), store=store
    )
    assert result.path == "api-key"
    assert result.entry.kind == "api-key" and result.entry.token_id
    assert admin_active_org(emu) == 1
    assert org_name_for(target, result.entry.token) == "apiorg"
    key_requests = [r for r in emu.request_log if "/api/user/using" in r.path or "keys" in r.path]
    assert [(r.method, r.path, r.org_id) for r in key_requests] == [("POST", "/api/auth/keys", 2)]


class IgnoresOrgHeaderForKeys(httpx.BaseTransport):
    """A Grafana whose POST /api/auth/keys ignores X-Grafana-Org-Id (keys land in the
    admin's active org): only there is the tutorial's switch needed."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/auth/keys":
            request.headers.pop("X-Grafana-Org-Id", None)
        return self.inner.handle_request(request)


def _header_ignored() -> tuple[Emulator, Connection]:
    emu = Emulator(version="11.2", admin_password=CANARY_PASSWORD)
    return emu, Connection(BASE_URL, transport=IgnoresOrgHeaderForKeys(emu.transport()))


def test_where_grafana_ignores_the_header_the_stray_key_is_deleted_and_the_switch_used(
    admin: AdminCredentials, store: TokenStore
) -> None:
    emu, target = _header_ignored()
    orgs.ensure_org(target, admin, "apiorg")

    result = orgs.create_token(
        target, admin, TokenRequest("apiorg", legacy_api_key=True), store=store
    )

    assert org_name_for(target, result.entry.token) == "apiorg"
    assert admin_active_org(emu) == 1
    assert {k.org_id for k in emu.state.api_keys.values()} == {2}  # the stray one is gone
    assert [(m, p) for m, p, _ in writes(emu) if "/api/user/using" in p or "keys" in p] == [
        ("POST", "/api/auth/keys"),  # landed in org 1: checked with the key, then deleted
        ("DELETE", f"/api/auth/keys/{min(emu.state.api_keys) - 1}"),
        ("POST", "/api/user/using/2"),
        ("POST", "/api/auth/keys"),
        ("POST", "/api/user/using/1"),
    ]
    assert any("switched to org id 2" in note for note in result.notes)


@pytest.mark.parametrize("status", [500, 403, 400])
def test_legacy_path_switches_back_even_when_key_creation_fails(
    admin: AdminCredentials, store: TokenStore, status: int
) -> None:
    emu, target = _header_ignored()
    orgs.ensure_org(target, admin, "apiorg")
    # The first key (with the header, which this Grafana ignores) is made; the one after
    # the switch is refused.
    target = dataclasses.replace(target, transport=FailKeysAfterSwitch(target.transport, status))

    with pytest.raises(DashgenError, match=str(status)):
        orgs.create_token(target, admin, TokenRequest("apiorg", legacy_api_key=True), store=store)

    assert admin_active_org(emu) == 1
    assert writes(emu)[-1] == ("POST", "/api/user/using/1", 200)
    assert store.get(BASE_URL, "apiorg") is None
    assert emu.state.api_keys == {}  # the stray key was deleted, no other was made


class FailKeysAfterSwitch(httpx.BaseTransport):
    """``POST /api/auth/keys`` answers ``status`` once the admin was switched (every time:
    a 500 is read again and sent once more, as its answer may have been lost)."""

    def __init__(self, inner: httpx.BaseTransport, status: int) -> None:
        self.inner = inner
        self.status = status
        self.switched = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/user/using/"):
            self.switched = True
        if self.switched and request.method == "POST" and request.url.path == "/api/auth/keys":
            return httpx.Response(self.status, json={"message": "refused"}, request=request)
        return self.inner.handle_request(request)


def test_failed_switch_back_is_reported_with_the_key_error(
    admin: AdminCredentials, store: TokenStore
) -> None:
    emu, target = _header_ignored()
    orgs.ensure_org(target, admin, "apiorg")
    target = dataclasses.replace(target, transport=FailKeysAfterSwitch(target.transport, 500))
    emu.faults.add(method="POST", path="/api/user/using/1", status=500, times=None)
    with pytest.raises(BootstrapError, match="could not be switched back to org id 1"):
        orgs.create_token(target, admin, TokenRequest("apiorg", legacy_api_key=True), store=store)


@pytest.mark.parametrize("status", [410, 404])
def test_gone_api_key_path_falls_back_to_service_accounts(
    emu: Emulator,
    target: Connection,
    admin: AdminCredentials,
    store: TokenStore,
    status: int,
) -> None:
    orgs.ensure_org(target, admin, "apiorg")
    emu.faults.add(method="POST", path="/api/auth/keys", status=status)
    result = orgs.create_token(
        target, admin, TokenRequest("apiorg", legacy_api_key=True), store=store
    )
    assert result.path == "service-account"
    assert any(
        "API-key path is gone on this Grafana" in n and str(status) in n for n in result.notes
    )
    assert admin_active_org(emu) == 1
    assert org_name_for(target, result.entry.token) == "apiorg"


def test_missing_service_account_api_uses_api_keys(
    admin: AdminCredentials, store: TokenStore
) -> None:
    emu = Emulator(version="11.2", admin_password=CANARY_PASSWORD)
    target = Connection(BASE_URL, transport=emu.transport())
    orgs.ensure_org(target, admin, "apiorg")
    emu.faults.add(method="GET", path="/api/serviceaccounts/search", status=404, times=None)
    result = orgs.create_token(target, admin, TokenRequest("apiorg"), store=store)
    assert result.path == "api-key"
    assert "service-account API is missing" in result.notes[0]
    assert admin_active_org(emu) == 1


def test_existing_service_account_is_reused_and_409_means_exists(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    orgs.ensure_org(target, admin, "apiorg")
    emu.state.create_service_account(2, "dashgen", "Admin")
    result = orgs.create_token(target, admin, TokenRequest("apiorg"), store=store)
    assert not result.service_account_created
    assert result.entry.role == "Admin"
    assert any("reused service account" in n for n in result.notes)
    assert accounts_in(emu, 2) == ["dashgen"]


def test_service_account_that_exists_but_is_invisible_is_a_clear_error(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    orgs.ensure_org(target, admin, "apiorg")
    emu.faults.add(method="POST", path="/api/serviceaccounts", status=409)
    with pytest.raises(BootstrapError, match="exists in org 'apiorg' but user 'admin' cannot see"):
        orgs.create_token(target, admin, TokenRequest("apiorg"), store=store)


def test_partial_bootstrap_says_what_was_done_and_how_to_finish(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    emu.faults.add(method="POST", path="/api/serviceaccounts", status=500)
    with pytest.raises(BootstrapError) as caught:
        orgs.bootstrap(target, admin, TokenRequest("apiorg"), store=store)
    message = str(caught.value)
    assert message.startswith("org 'apiorg' created (id 2); token not created:")
    assert "run `dashgen token create --org apiorg` again" in message.lower()
    result = orgs.bootstrap(target, admin, TokenRequest("apiorg"), store=store)
    assert not result.org.created and result.verified_org.name == "apiorg"
    assert len(emu.state.orgs) == 2


def test_token_for_a_missing_org_points_at_org_create(
    target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    with pytest.raises(BootstrapError, match="`dashgen org create nope`"):
        orgs.create_token(target, admin, TokenRequest("nope"), store=store)


def test_wrong_password_and_non_admin_are_clear_and_leak_nothing(
    emu: Emulator, target: Connection
) -> None:
    wrong = AdminCredentials("admin", Secret(CANARY_PASSWORD + "-wrong"))
    with pytest.raises(BootstrapError, match="rejected the admin credentials") as caught:
        orgs.ensure_org(target, wrong, "apiorg")
    assert CANARY_PASSWORD not in str(caught.value)
    emu.create_user("bob", "bob-password-canary")
    with pytest.raises(BootstrapError, match="'bob' is not a Grafana server admin") as caught:
        orgs.ensure_org(target, AdminCredentials("bob", Secret("bob-password-canary")), "x")
    assert "bob-password-canary" not in str(caught.value)
    assert emu.org_id_by_name("apiorg") is None and emu.org_id_by_name("x") is None


def test_delete_with_revoke_removes_token_everywhere(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    created = orgs.bootstrap(target, admin, TokenRequest("apiorg"), store=store)
    result = orgs.delete_token(store, "apiorg", revoke=(target, admin))
    assert result.revoked and "revoked" in result.notes[0]
    assert store.get(BASE_URL, "apiorg") is None
    with pytest.raises(DashgenError, match="401"):
        org_name_for(target, created.token.entry.token)
    with pytest.raises(TokenError, match="no token for org 'apiorg'"):
        orgs.delete_token(store, "apiorg")


def test_admin_password_refused_over_plain_http_to_a_remote_host(admin: AdminCredentials) -> None:
    with pytest.raises(DashgenError, match="plain http"):
        orgs.ensure_org(Connection("http://grafana.example.com"), admin, "apiorg")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30d", 2592000), ("12h", 43200), ("90m", 5400), ("3600", 3600), ("1h30m", 5400)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert orgs.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "5y", "-1h", "h"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(DashgenError):
        orgs.parse_duration(text)


def test_admin_credentials_precedence() -> None:
    env = {"GRAFANA_ADMIN_USER": "envuser", "GRAFANA_ADMIN_PASSWORD": "envpw"}
    url, user, password = orgs.split_admin_url("http://u:p@localhost:3000/", None, None, env)
    assert (url, user, password) == ("http://localhost:3000", "u", Secret("p"))
    url, user, password = orgs.split_admin_url("http://localhost:3000", None, None, env)
    assert (user, password) == ("envuser", Secret("envpw"))
    url, user, password = orgs.split_admin_url("http://u:p@h:1", "opt", Secret("optpw"), env)
    assert (url, user, password) == ("http://h:1", "opt", Secret("optpw"))
    assert orgs.split_admin_url("http://h:1", None, None, {})[1:] == ("admin", None)


def test_token_that_cannot_be_saved_is_revoked_and_reported(
    emu: Emulator,
    target: Connection,
    admin: AdminCredentials,
    store: TokenStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    orgs.ensure_org(target, admin, "apiorg")

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("dashgen.tokens.os.replace", crash)
    with pytest.raises(BootstrapError) as caught:
        orgs.create_token(target, admin, TokenRequest("apiorg"), store=store)
    message = str(caught.value)
    assert "could not be saved" in message and "No space left on device" in message
    assert "revoked unsaved service-account token" in message
    assert "`dashgen token create --org apiorg` again" in message
    assert [len(sa.tokens) for sa in emu.state.service_accounts.values()] == [0]


def test_org_the_admin_is_not_in_needs_org_create_first(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    emu.create_org("seeded")
    with pytest.raises(BootstrapError, match="`dashgen org create seeded`"):
        orgs.create_token(target, admin, TokenRequest("seeded"), store=store)
    orgs.ensure_org(target, admin, "seeded")
    assert orgs.create_token(target, admin, TokenRequest("seeded"), store=store).entry.org_id == 2


def test_revoked_stored_token_is_replaced_not_kept(
    emu: Emulator, target: Connection, admin: AdminCredentials, store: TokenStore
) -> None:
    first = orgs.bootstrap(target, admin, TokenRequest("apiorg"), store=store)
    emu.revoke_token(first.token.entry.token.reveal())
    again = orgs.create_token(target, admin, TokenRequest("apiorg"), store=store)
    assert again.path == "service-account"
    assert again.entry.token != first.token.entry.token
    assert org_name_for(target, again.entry.token) == "apiorg"
    assert accounts_in(emu, 2) == ["dashgen"]


def test_wrong_password_answered_with_400_is_recognised(admin: AdminCredentials) -> None:
    profile = dataclasses.replace(profile_for("12.0"), bad_password_status=400)
    emu = Emulator(profile=profile, admin_password=CANARY_PASSWORD + "-other")
    target = Connection(BASE_URL, transport=emu.transport())
    with pytest.raises(BootstrapError, match=r"rejected the admin credentials .*\(400"):
        orgs.ensure_org(target, admin, "apiorg")


@pytest.mark.parametrize("grafana_version", ["11.2", "13.0"])
def test_revoking_a_stored_api_key_says_where_the_key_endpoints_went(
    target: Connection, admin: AdminCredentials, store: TokenStore, grafana_version: str
) -> None:
    """An API key stored before an upgrade: 13.0 (like 12.1+) has no /api/auth/keys at all,
    its router's 404 is not "already gone"; on 11.2 a key that is not there is."""
    orgs.ensure_org(target, admin, "apiorg")
    entry = StoredToken(
        BASE_URL, "apiorg", Secret("a-stored-api-key"), "api-key", 2, "dashgen", "Editor",
        "2026-01-01T00:00:00Z", token_id=99,
    )  # fmt: skip
    store.put(entry)

    result = orgs.delete_token(store, "apiorg", revoke=(target, admin))

    if grafana_version == "13.0":
        assert "no longer has the API-key endpoints" in result.notes[0]
    else:
        assert result.notes[0].endswith("was already gone in Grafana")
    assert store.get(BASE_URL, "apiorg") is None

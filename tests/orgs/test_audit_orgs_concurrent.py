"""Two runs minting a token for the same org into one token store at once (a retried CI
job, two terminals): the store keeps one token, and the other run's token is revoked, not
left live in Grafana with its key in no store.

The second run is real: it runs, against the same emulator and store, while the first
one's token create is on its way (a transport that starts it just before that request).
"""

from __future__ import annotations

import httpx
from orgs_helpers import BASE_URL

from dashgen import orgs
from dashgen.grafana import Connection
from dashgen.orgs import AdminCredentials, TokenRequest
from dashgen.testing import Emulator
from dashgen.tokens import TokenStore


class AnotherRunMeanwhile(httpx.BaseTransport):
    """Before the first token-create request goes on, another whole `token create` runs."""

    def __init__(self, inner: httpx.BaseTransport, run: object) -> None:
        self.inner = inner
        self.run = run
        self.started = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        creates = request.method == "POST" and request.url.path in (
            "/api/auth/keys",
            "/api/serviceaccounts/2/tokens",
        )
        if creates and not self.started:
            self.started = True
            self.run()  # type: ignore[operator]
        return self.inner.handle_request(request)


def live_tokens(emu: Emulator) -> list[str]:
    tokens = [t.name for sa in emu.state.service_accounts.values() for t in sa.tokens]
    return tokens + [k.name for k in emu.state.api_keys.values() if not k.revoked]


def test_a_token_stored_by_a_concurrent_run_is_kept_and_ours_revoked(
    emu: Emulator, admin: AdminCredentials, store: TokenStore
) -> None:
    plain = Connection(BASE_URL, transport=emu.transport())
    orgs.ensure_org(plain, admin, "apiorg")
    others: list[orgs.TokenResult] = []

    def other_run() -> None:
        others.append(orgs.create_token(plain, admin, TokenRequest("apiorg"), store=store))

    racing = Connection(BASE_URL, transport=AnotherRunMeanwhile(emu.transport(), other_run))
    result = orgs.create_token(racing, admin, TokenRequest("apiorg"), store=store)

    stored = store.get(BASE_URL, "apiorg")
    assert stored is not None and stored == others[0].entry  # the first stored one stays
    assert result.path == "kept" and result.entry == stored
    assert any("another run stored a token for org 'apiorg' meanwhile" in n for n in result.notes)
    assert live_tokens(emu) == [stored.name]  # ours was revoked: no token outside the store

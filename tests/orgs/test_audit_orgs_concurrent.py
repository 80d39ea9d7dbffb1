"""Two runs minting a token for the same org into one token store at once (a retried CI
job, two terminals): the store keeps one token, and the other run's token is revoked, not
left live in Grafana with its key in no store.

The second run is real: it runs, against the same emulator and store, while the first
one's token create is on its way (a transport that starts it just before that request).
Also here: a token-create answer that arrives garbled (its key unreadable) is a lost
answer too.
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


class CutsTheFirstTokenAnswer(httpx.BaseTransport):
    """The first token-create answer arrives cut in half (a proxy that dropped the rest):
    Grafana made the token, but its key is not readable."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.cut = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        creates = request.method == "POST" and request.url.path.endswith(("/tokens", "/keys"))
        if creates and not self.cut:
            self.cut = True
            body = response.read()
            headers = {"content-type": "application/json"}
            return httpx.Response(200, content=body[: len(body) // 2], headers=headers)
        return response


def test_a_token_whose_answer_came_garbled_is_deleted_and_minted_again(
    emu: Emulator, admin: AdminCredentials, store: TokenStore
) -> None:
    target = Connection(BASE_URL, transport=CutsTheFirstTokenAnswer(emu.transport()))
    orgs.ensure_org(target, admin, "apiorg")

    result = orgs.create_token(target, admin, TokenRequest("apiorg"), store=store)

    assert live_tokens(emu) == [result.entry.name]  # the one with the unreadable key is gone
    assert store.get(BASE_URL, "apiorg") == result.entry

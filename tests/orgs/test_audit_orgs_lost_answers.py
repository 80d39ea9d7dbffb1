"""Bootstrap creates whose answer is lost (a 5xx after the write, a dropped connection):
the real CLI against the emulator on 127.0.0.1, one fault at a time.

Grafana shows a new token's key only in the answer to its create, so a token made by a
POST whose answer was lost is a live credential nobody holds: it is deleted, and the token
is minted again in the same run. An org or a service account whose create lost its answer
is found by a re-read, and the bootstrap goes on.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from orgs_helpers import CANARY_PASSWORD

from dashgen.cli import main
from dashgen.grafana import GrafanaClient
from dashgen.testing import Emulator, EmulatorServer
from dashgen.tokens import TokenStore

MakeServer = Callable[..., EmulatorServer]
ORG = "teamorg"
LOST = ["commit_then_fail", "commit_then_drop"]
# (version, extra options, the token's create route)
TOKEN_PATHS = [
    pytest.param("12.0", [], "/api/serviceaccounts/*/tokens", id="service-account"),
    pytest.param("11.2", ["--legacy-api-key"], "/api/auth/keys", id="api-key"),
]


def bootstrap(server: EmulatorServer, *extra: str) -> Result:
    env = {"GRAFANA_URL": server.url, "GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
    result = CliRunner().invoke(main, ["bootstrap", ORG, *extra], env=env)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert CANARY_PASSWORD not in result.output + result.stderr
    return result


def live_tokens(emu: Emulator) -> list[str]:
    """Names of the tokens and API keys that still authenticate, in every org."""
    tokens = [t.name for sa in emu.state.service_accounts.values() for t in sa.tokens]
    keys = [k.name for k in emu.state.api_keys.values() if not k.revoked]
    return tokens + keys


def assert_stored_token_works(server: EmulatorServer) -> None:
    entry = TokenStore().get(server.url, ORG)
    assert entry is not None
    with GrafanaClient(server.url, token=entry.token) as client:
        assert client.get("/api/org")["name"] == ORG


@pytest.mark.parametrize("kind", LOST)
@pytest.mark.parametrize(("version", "extra", "path"), TOKEN_PATHS)
def test_a_token_whose_answer_was_lost_is_deleted_and_minted_again(
    make_grafana_server: MakeServer, version: str, extra: list[str], path: str, kind: str
) -> None:
    server = make_grafana_server(version=version, admin_password=CANARY_PASSWORD)
    server.emulator.faults.add(method="POST", path=path, kind=kind)

    result = bootstrap(server, *extra)

    assert result.exit_code == 0, result.output
    assert live_tokens(server.emulator) == ["dashgen"]  # not also a "dashgen" nobody holds
    assert_stored_token_works(server)


@pytest.mark.parametrize(("version", "extra", "path"), TOKEN_PATHS)
def test_a_token_create_that_keeps_losing_its_answer_leaves_no_token_and_says_so(
    make_grafana_server: MakeServer, version: str, extra: list[str], path: str
) -> None:
    server = make_grafana_server(version=version, admin_password=CANARY_PASSWORD)
    server.emulator.faults.add(method="POST", path=path, kind="commit_then_fail", times=None)

    failed = bootstrap(server, *extra)

    assert failed.exit_code == 1
    assert "(its key was in the lost answer), so it was deleted; nothing was stored" in (
        failed.output
    )
    assert live_tokens(server.emulator) == []
    server.emulator.faults.clear()
    again = bootstrap(server, *extra)
    assert again.exit_code == 0, again.output
    assert live_tokens(server.emulator) == ["dashgen"]  # the re-run takes the same name
    assert_stored_token_works(server)


def test_a_lost_token_that_cannot_be_checked_is_named_for_deleting_by_hand(
    make_grafana_server: MakeServer,
) -> None:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    faults = server.emulator.faults
    faults.add(method="POST", path="/api/serviceaccounts/*/tokens", kind="commit_then_fail")
    faults.add(method="GET", path="/api/serviceaccounts/*/tokens", status=503, times=None)

    result = bootstrap(server)

    assert result.exit_code == 1
    assert (
        "Grafana may have created token 'dashgen' of service account 'dashgen' in org "
        "'teamorg', which nobody can use"
    ) in result.output
    assert "delete it there in Grafana" in result.output
    assert TokenStore().get(server.url, ORG) is None


@pytest.mark.parametrize("kind", LOST)
def test_an_org_whose_create_lost_its_answer_is_found_and_the_bootstrap_finishes(
    make_grafana_server: MakeServer, kind: str
) -> None:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    server.emulator.faults.add(method="POST", path="/api/orgs", kind=kind)

    result = bootstrap(server)

    assert result.exit_code == 0, result.output  # not "nothing was changed" with the org made
    assert f"Org {ORG!r} created" in result.output
    assert_stored_token_works(server)


def test_an_org_create_refused_before_it_ran_says_nothing_was_changed(
    make_grafana_server: MakeServer,
) -> None:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    server.emulator.faults.add(method="POST", path="/api/orgs", status=503, times=None)

    result = bootstrap(server)

    assert result.exit_code == 1
    assert "a re-read shows no such org: nothing was changed" in result.output
    assert [org.name for org in server.emulator.state.orgs.values()] == ["Main Org."]


@pytest.mark.parametrize("kind", LOST)
def test_a_service_account_whose_create_lost_its_answer_is_reused_at_once(
    make_grafana_server: MakeServer, kind: str
) -> None:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    server.emulator.faults.add(method="POST", path="/api/serviceaccounts", kind=kind)

    result = bootstrap(server)

    assert result.exit_code == 0, result.output
    assert [sa.name for sa in server.emulator.state.service_accounts.values()] == ["dashgen"]
    assert_stored_token_works(server)


@pytest.mark.parametrize(("version", "extra", "path"), TOKEN_PATHS)
def test_a_token_create_cut_by_the_deadline_is_deleted_after_it(
    make_grafana_server: MakeServer, version: str, extra: list[str], path: str
) -> None:
    server = make_grafana_server(version=version, admin_password=CANARY_PASSWORD)
    server.emulator.faults.add(method="POST", path=path, kind="commit_then_hang", hang_s=30)

    result = bootstrap(server, "--deadline", "1s", *extra)

    assert result.exit_code == 1
    assert "the bootstrap deadline (1s) passed before Grafana answered" in result.output
    assert "(its key was in the lost answer), so it was deleted; nothing was stored" in (
        result.output
    )
    assert live_tokens(server.emulator) == []
    assert TokenStore().get(server.url, ORG) is None

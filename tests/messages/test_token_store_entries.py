"""Malformed token store entries: one sentence naming the store file and the entry (never
its token), exit 2, for publish, diff and the token commands; `--rotate` (bootstrap, token
create) replaces such an entry."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from messages_support import (
    CANARY_PASSWORD,
    CANARY_TOKEN,
    ORG,
    Cli,
    Grafana,
    Home,
    assert_one_sentence,
)

from dashgen.tokens import TokenStore

ENTRIES: dict[str, tuple[Any, str]] = {
    "no token": ({"kind": "service-account", "org_id": 2}, "has no 'token'"),
    "a plain string": (CANARY_TOKEN, "is a string, not an object"),
    "a list": ([CANARY_TOKEN], "is a JSON list"),
    "token not a string": ({"token": 12345678}, "not a non-empty string"),
    "empty token": ({"token": "  "}, "not a non-empty string"),
    "bad expires_at": ({"token": CANARY_TOKEN, "expires_at": "next tuesday"}, "'next tuesday'"),
    "expires_at a number": ({"token": CANARY_TOKEN, "expires_at": 1700000000}, "expires_at"),
    "org_id a string": ({"token": CANARY_TOKEN, "org_id": "2"}, "'org_id' that is not an integer"),
    "org_id a boolean": ({"token": CANARY_TOKEN, "org_id": True}, "'org_id'"),
    "unknown kind": ({"token": CANARY_TOKEN, "kind": "password"}, "'kind' 'password'"),
    "name a list": ({"token": CANARY_TOKEN, "name": ["x"]}, "'name' that is not a string"),
    "token with a tab": ({"token": CANARY_TOKEN[:10] + "\t" + CANARY_TOKEN[10:]}, "a tab"),
}


def _write_store(home: Home, grafana_section: Any, **top: Any) -> None:
    home.store_path.parent.mkdir(mode=0o700, exist_ok=True)
    home.store_path.write_text(json.dumps({"version": 1, "grafana": grafana_section, **top}))
    os.chmod(home.store_path, 0o600)


@pytest.mark.parametrize("case", sorted(ENTRIES))
def test_malformed_entry_is_named_with_the_store_file(
    cli: Cli, grafana: Grafana, home: Home, case: str
) -> None:
    entry, words = ENTRIES[case]
    _write_store(home, {grafana.url: {"orgs": {ORG: entry}}})
    runs = {
        "publish": cli("publish", "--org", ORG, "--grafana-url", grafana.url),
        "diff": cli("diff", "--org", ORG, "--grafana-url", grafana.url),
        "token list": cli("token", "list"),
    }
    for name, run in runs.items():
        assert_one_sentence(run, code=2, contains=("tokens.json", f"org {ORG!r}", words))
        assert CANARY_TOKEN[:12] not in run.output and CANARY_TOKEN[-12:] not in run.output
        assert run.output.count("tokens.json") == 1, (name, run.output)
    assert grafana.emulator.request_log == []


@pytest.mark.parametrize(
    ("store", "words"),
    [
        ({"version": 1, "grafana": []}, "unknown layout"),
        ({"version": 1, "grafana": {"http://127.0.0.1:3000": "x"}}, "is not an object"),
        ({"version": 1, "grafana": {"http://127.0.0.1:3000": {"orgs": []}}}, "'orgs'"),
        ({"version": 99, "grafana": {}}, "format version 99"),
        ([], "unknown layout"),
    ],
)
def test_malformed_store_layout_exit_2(cli: Cli, home: Home, store: Any, words: str) -> None:
    home.store_path.parent.mkdir(mode=0o700)
    home.store_path.write_text(json.dumps(store))
    os.chmod(home.store_path, 0o600)
    run = cli("publish", "--org", ORG, "--grafana-url", "http://127.0.0.1:3000")
    assert_one_sentence(run, code=2, contains=("tokens.json", words))


def test_other_orgs_entries_do_not_matter_and_rotate_replaces_a_bad_one(
    cli: Cli, grafana: Grafana, home: Home
) -> None:
    good = {"token": grafana.tokens[ORG], "kind": "service-account", "org_id": grafana.org_id}
    _write_store(home, {grafana.url: {"orgs": {ORG: good, "otherorg": "garbage"}}})
    assert cli("publish", "--org", ORG, "--grafana-url", grafana.url).code == 0

    _write_store(home, {grafana.url: {"orgs": {ORG: {"expires_at": "soon"}}}})
    env = {"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
    rotated = cli("bootstrap", ORG, "--rotate", "--grafana-url", grafana.url, env=env)
    assert rotated.code == 0, rotated.output
    entry = TokenStore(home.store_path).get(grafana.url, ORG)
    assert entry is not None and entry.token.reveal().startswith("glsa_")
    assert cli("publish", "--org", ORG, "--grafana-url", grafana.url).code == 0


def test_expiry_without_time_zone_is_utc_and_an_expired_one_is_said(
    cli: Cli, grafana: Grafana, home: Home
) -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).replace(tzinfo=None).isoformat()
    entry = {"token": grafana.tokens[ORG], "org_id": grafana.org_id, "expires_at": future}
    _write_store(home, {grafana.url: {"orgs": {ORG: entry}}})
    assert cli("publish", "--org", ORG, "--grafana-url", grafana.url).code == 0

    entry["expires_at"] = "2001-01-01T00:00:00Z"
    _write_store(home, {grafana.url: {"orgs": {ORG: entry}}})
    expired = cli("diff", "--org", ORG, "--grafana-url", grafana.url)
    assert expired.code == 1 and "expired at 2001-01-01" in expired.stderr
    assert "--rotate" in expired.stderr


def _folder(path: Any) -> None:
    path.mkdir()


def _fifo(path: Any) -> None:
    os.mkfifo(path)


def _deep(path: Any) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000)
    os.chmod(path, 0o600)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_folder, "is a folder"),
        (_fifo, "is no regular file"),  # (reading it would wait for a writer forever)
        (_deep, "is not valid JSON"),
    ],
)
def test_a_store_that_is_no_json_file_is_one_sentence(
    cli: Cli, grafana: Grafana, home: Home, make: Any, words: str
) -> None:
    home.store_path.parent.mkdir(mode=0o700, exist_ok=True)
    make(home.store_path)
    for run in (
        cli("publish", "--org", ORG, "--grafana-url", grafana.url),
        cli("token", "list"),
    ):
        assert_one_sentence(run, code=2, contains=("tokens.json", words))
        assert "internal error" not in run.output

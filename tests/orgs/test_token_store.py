"""The token store file: location, permissions, atomic writes, locking, resolution."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from dashgen.errors import TokenError, TokenStoreError
from dashgen.secrets import Secret
from dashgen.tokens import (
    StoredToken,
    TokenStore,
    default_store_path,
    normalize_grafana_url,
    resolve_token,
)

URL = "http://127.0.0.1:3000"


def entry(org: str, token: str = "glsa_secretvalue_abcdef12", **changes: object) -> StoredToken:
    fields: dict[str, object] = {
        "grafana_url": URL,
        "org": org,
        "token": Secret(token),
        "kind": "service-account",
        "org_id": 2,
        "name": "dashgen",
        "role": "Editor",
        "created_at": "2026-11-28T20:00:00+00:00",
        "service_account_id": 5,
        "token_id": 7,
    }
    fields.update(changes)
    return StoredToken(**fields)  # type: ignore[arg-type]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_default_path_follows_xdg_then_home(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert default_store_path() == isolated_env / "dashgen" / "tokens.json"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert default_store_path() == tmp_path / "home" / ".config" / "dashgen" / "tokens.json"
    monkeypatch.setenv("DASHGEN_TOKEN_STORE", str(tmp_path / "elsewhere.json"))
    assert default_store_path() == tmp_path / "elsewhere.json"
    assert TokenStore().path == tmp_path / "elsewhere.json"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
        ("HTTP://Admin:pw@LocalHost:3000/grafana/", "http://localhost:3000/grafana"),
        ("https://grafana.example.com:443", "https://grafana.example.com"),
        ("https://grafana.example.com:8443/?x=1", "https://grafana.example.com:8443"),
    ],
)
def test_urls_are_normalised_to_one_key(raw: str, normalised: str) -> None:
    assert normalize_grafana_url(raw) == normalised


def test_put_creates_private_folder_and_file(store: TokenStore, store_path: Path) -> None:
    os.umask(0o022)
    store.put(entry("apiorg"))
    assert mode(store_path.parent) == 0o700
    assert mode(store_path) == 0o600
    stored = store.get(URL + "/", "apiorg")
    assert stored is not None
    assert stored.token.reveal() == "glsa_secretvalue_abcdef12"
    assert (stored.kind, stored.org_id, stored.service_account_id, stored.token_id) == (
        "service-account",
        2,
        5,
        7,
    )
    data = json.loads(store_path.read_text())
    assert list(data["grafana"]) == [URL]
    assert set(data["grafana"][URL]["orgs"]["apiorg"]) >= {
        "token",
        "kind",
        "org_id",
        "service_account_id",
        "token_id",
        "name",
        "role",
        "created_at",
        "expires_at",
    }


def test_replace_and_remove_keep_other_entries(store: TokenStore) -> None:
    store.put(entry("a", token="token-a-0123456789"))
    store.put(entry("b", token="token-b-0123456789"))
    store.put(entry("a", token="token-a-replaced-01"))
    assert [e.org for e in store.entries()] == ["a", "b"]
    assert store.get(URL, "a").token.reveal() == "token-a-replaced-01"  # type: ignore[union-attr]
    removed = store.remove(URL, "a")
    assert removed is not None and removed.org == "a"
    assert store.remove(URL, "a") is None
    assert [e.org for e in store.entries()] == ["b"]


@pytest.mark.parametrize("bad_mode", [0o644, 0o640, 0o604, 0o660])
def test_store_readable_by_others_is_refused_like_ssh(
    store: TokenStore, store_path: Path, bad_mode: int
) -> None:
    store.put(entry("apiorg"))
    store_path.chmod(bad_mode)
    with pytest.raises(TokenStoreError) as caught:
        store.get(URL, "apiorg")
    message = str(caught.value)
    assert str(store_path) in message
    assert f"chmod 600 {store_path}" in message
    assert "glsa_" not in message
    with pytest.raises(TokenStoreError):
        resolve_token("apiorg", URL)
    with pytest.raises(TokenStoreError):  # and never written to either
        store.put(entry("other"))


def test_crash_between_write_and_replace_leaves_old_store(
    store: TokenStore, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put(entry("old", token="token-old-0123456789"))
    before = store_path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError("simulated crash before rename")

    monkeypatch.setattr("dashgen.tokens.os.replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        store.put(entry("new", token="token-new-0123456789"))
    monkeypatch.undo()
    assert store_path.read_bytes() == before
    assert [e.org for e in TokenStore(store_path).entries()] == ["old"]
    assert sorted(p.name for p in store_path.parent.iterdir()) == [
        "tokens.json",
        "tokens.json.lock",
    ]


def test_corrupt_store_is_reported_without_content(store: TokenStore, store_path: Path) -> None:
    store.put(entry("apiorg"))
    store_path.write_text('{"grafana": {"http://x": {"orgs": {"a": {"token": "glsa_leak')
    with pytest.raises(TokenStoreError) as caught:
        store.entries()
    assert str(store_path.name) in str(caught.value)
    assert "leak" not in str(caught.value)


def _put_many(path: str, prefix: str, count: int) -> None:
    store = TokenStore(Path(path))
    for index in range(count):
        store.put(entry(f"{prefix}{index}", token=f"token-{prefix}-{index:04d}-padding"))


def test_concurrent_writers_lose_no_entry(store_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_put_many, args=(str(store_path), prefix, 25)) for prefix in "abc"
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert [w.exitcode for w in writers] == [0, 0, 0]
    orgs = {e.org for e in TokenStore(store_path).entries()}
    assert orgs == {f"{p}{i}" for p in "abc" for i in range(25)}


def test_resolve_token_env_first_then_store(
    store: TokenStore, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_token("api-org", URL) is None
    store.put(entry("api-org", token="token-from-store-0123"))
    resolved = resolve_token("api-org", URL + "/")
    assert resolved is not None
    assert resolved.secret.reveal() == "token-from-store-0123"
    assert resolved.origin == f"token store {store_path}"
    assert resolve_token("api-org", "http://127.0.0.1:3001") is None
    monkeypatch.setenv("DASHGEN_TOKEN_API_ORG", " token-from-env-0123 ")
    resolved = resolve_token("api-org", URL)
    assert resolved is not None
    assert resolved.secret.reveal() == "token-from-env-0123"
    assert resolved.origin == "env DASHGEN_TOKEN_API_ORG"


def test_expired_stored_token_is_an_error(store: TokenStore) -> None:
    store.put(entry("apiorg", expires_at="2020-01-01T00:00:00+00:00"))
    with pytest.raises(TokenError, match="expired") as caught:
        resolve_token("apiorg", URL)
    assert "token create --org apiorg" in str(caught.value)

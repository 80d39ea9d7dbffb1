"""The one redaction (dashgen.secrets.redact) and the boundary that uses it: every form a
lower library may print a secret in is scrubbed, credentials dashgen never saw are
scrubbed by their shape, ordinary words are left alone; timeouts, errors and the CLI's
streams go through it."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from messages_support import (
    ORG,
    FakeServer,
    SeenRequest,
    as_json,
    fake_api_key,
    fake_cloud_token,
    fake_token,
    write_project,
)

from dashgen import secrets
from dashgen.cli.output import RedactingStream
from dashgen.config import load_config
from dashgen.errors import DashgenError, GrafanaConnectionError
from dashgen.grafana.client import NO_RETRY, Connection
from dashgen.messages import Doing, explain
from dashgen.publish import publish
from dashgen.secrets import MASK, Secret, redact, unsafe_character


@pytest.fixture(autouse=True)
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_registered", set())
    monkeypatch.setattr(secrets, "_registered_pattern", None)


def test_every_printed_form_of_a_secret_is_scrubbed() -> None:
    value = "tok3n-with\nline-break-and-é-inside"
    Secret(value)
    forms = [
        value,
        repr(value),
        json.dumps(value),
        repr(value.encode()),
        quote(value, safe=""),
        "tok3n-with",  # the pieces between the characters a header cannot hold
        "line-break-and-",
    ]
    for form in forms:
        text = f"Illegal header value b'Bearer {form}' (in {form!r})"
        assert "tok3n" not in redact(text) and "line-break-and" not in redact(text), form


def test_basic_auth_header_echoed_back_is_scrubbed() -> None:
    secrets.register_basic_auth("admin", "hunter22")
    header = base64.b64encode(b"admin:hunter22").decode()
    assert header not in redact(f"Authorization: Basic {header}")
    assert "hunter22" not in redact("password=hunter22")


# A legacy API key and a Grafana Cloud token, encoded at run time (no literal to flag).
API_KEY = fake_api_key("OKSpmiRV6FuJe1Uh1l4VWtOYZck2FXn")
CLOUD_TOKEN = fake_cloud_token("123456", "stack-123456-hm-write")


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc123def456ghi789",
        "bearer 0123456789abcdef",
        "Basic YWRtaW46c2VjcmV0cGFzcw==",
        "token " + fake_token("AbCdEfGhIjKlMnOpQrStUvWxYz012345", "1a2b3c4d") + " leaked",
        "key " + API_KEY,
        CLOUD_TOKEN,
        # the shapes ignore case (redact looks for their literal parts first, ignoring it too)
        "AUTHORIZATION: BEARER ABC123DEF456GHI789",
        "bAsIc YWRtaW46c2VjcmV0cGFzcw==",
        "key " + API_KEY.upper(),
        CLOUD_TOKEN.upper(),
    ],
)
def test_credentials_never_registered_are_scrubbed_by_shape(text: str) -> None:
    redacted = redact(text)
    assert MASK in redacted
    secret_part = text.split()[-1] if "leaked" not in text else text.split()[1]
    assert secret_part not in redacted


@pytest.mark.parametrize(
    "whole",
    [
        fake_token("AbCdEfGhIjKlMnOpQrStUvWxYz012345", "1a2b3c4d"),
        API_KEY,
        CLOUD_TOKEN,
    ],
)
@pytest.mark.parametrize("kept", [1, 3, 7])
def test_a_cut_off_credential_loses_even_its_first_characters(whole: str, kept: int) -> None:
    """An answer cut short (a token create's body, excerpted in an error) may end a few
    characters into the key: what follows the public prefix is the secret."""
    prefix = whole[: whole.index("_") + 1] if "_" in whole[:5] else whole[:8]
    fragment = whole[: len(prefix) + kept]
    redacted = redact(f'{{"id":3,"name":"ci","key":"{fragment}')
    assert fragment not in redacted
    assert MASK in redacted


def test_urls_keep_the_user_but_lose_the_password() -> None:
    text = "connecting via http://proxyuser:s3cret-pass@proxy.local:3128 failed"
    assert redact(text) == "connecting via http://proxyuser:***@proxy.local:3128 failed"
    shouting = "CONNECTING VIA HTTPS://PROXYUSER:S3CRET-PASS@PROXY.LOCAL:3128"
    assert redact(shouting) == "CONNECTING VIA HTTPS://PROXYUSER:***@PROXY.LOCAL:3128"


def test_ordinary_words_are_left_alone() -> None:
    Secret("admin")  # shorter than MIN_REDACTED_LENGTH: not scrubbed from ordinary text
    text = "the admin user needs Bearer tokens; see http://localhost:3000/api/org"
    assert redact(text) == text


def test_unsafe_characters_are_described_without_the_value() -> None:
    assert unsafe_character("glsa_fine-token_0123") is None
    described = unsafe_character("abc\u200bdef")
    assert described == "a non-ASCII character U+200B ZERO WIDTH SPACE (character 4 of 7)"
    assert unsafe_character("a\x7fb") == "a control character U+007F (character 2 of 3)"
    assert unsafe_character("ab cd") == "a space (character 3 of 5)"


def test_messages_and_streams_are_redacted() -> None:
    Secret("SuperSecretValue-42")
    assert "SuperSecret" not in str(DashgenError("failed with SuperSecretValue-42"))
    error = GrafanaConnectionError("GET /api/org: ReadError SuperSecretValue-42")
    assert "SuperSecret" not in explain(error, Doing(org=ORG, what="checking"))
    sink = io.StringIO()
    RedactingStream(sink).write("echo SuperSecretValue-42\n")
    assert sink.getvalue() == f"echo {MASK}\n"


def test_a_grafana_that_never_answers_times_out_once_for_the_org(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = fake_token("TimeoutCanaryToken0123456789abcd", "0badf00d")
    monkeypatch.setenv("DASHGEN_TOKEN_APIORG", token)
    monkeypatch.setenv("DASHGEN_TOKEN_STORE", str(tmp_path / "store.json"))
    config = load_config(write_project(tmp_path / "project"))
    from dashgen.build import build

    dashboards = build(config, orgs=[ORG]).dashboards

    def hang(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        server.release.wait(timeout=30)
        return as_json({})

    with FakeServer(hang) as server:
        connection = Connection(server.url, retry=NO_RETRY, timeout_s=0.2)
        report = publish(config, [ORG], connection=connection, dashboards=dashboards)

    assert list(report.org_errors) == [ORG]
    assert "did not answer in time (ReadTimeout)" in report.org_errors[ORG]
    assert all(event.org_failed for event in report.events) and len(report.events) == 3
    assert token not in json.dumps([event.to_dict() for event in report.events])
    assert len(server.requests) == 1  # the org check only: nothing else was tried

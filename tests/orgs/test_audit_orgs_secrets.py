"""Admin credentials in the Grafana URL (`http://admin:pass@host`, as Grafana's tutorial
writes them): percent-decoded as curl decodes them, and never shown in any form.

RFC 3986 has a password with ``@ : / # ? %`` or a space written percent-encoded in a URL;
what Grafana must get is the decoded password.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner, Result

from dashgen.cli import main
from dashgen.grafana import GrafanaClient
from dashgen.testing import EmulatorServer
from dashgen.tokens import TokenStore

MakeServer = Callable[..., EmulatorServer]
PASSWORDS = ["p@ss:w/rd#1?x-canary", "pass word%41-canary", "pässwörd-canary"]


def forms(password: str, user: str = "admin") -> list[str]:
    """The ways a password can be printed: as is, URL-encoded, and in a Basic header."""
    encoded = quote(password, safe="")
    return [
        password,
        encoded,
        quote(password),
        base64.b64encode(f"{user}:{password}".encode()).decode(),
        base64.b64encode(f"{user}:{encoded}".encode()).decode(),
    ]


def bootstrap_with_url_password(server: EmulatorServer, password: str) -> Result:
    url = server.url.replace("http://", f"http://admin:{quote(password, safe='')}@")
    return CliRunner().invoke(
        main, ["-v", "bootstrap", "teamorg", "--grafana-url", url], catch_exceptions=False
    )


def files_holding(root: Path, texts: list[str]) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes().decode("utf-8", "replace")
            if any(text in content for text in texts):
                found.append(path)
    return found


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_percent_encoded_password_in_the_url_is_decoded_and_never_shown(
    make_grafana_server: MakeServer, password: str, tmp_path: Path
) -> None:
    server = make_grafana_server(version="12.0", admin_password=password)

    result = bootstrap_with_url_password(server, password)

    assert result.exit_code == 0, result.output
    for form in forms(password):
        assert form not in result.output + result.stderr
    assert files_holding(tmp_path, forms(password)) == []  # the store holds the token only
    entry = TokenStore().get(server.url, "teamorg")
    assert entry is not None
    with GrafanaClient(server.url, token=entry.token) as client:
        assert client.get("/api/org")["name"] == "teamorg"


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_wrong_url_password_is_rejected_without_showing_it(
    make_grafana_server: MakeServer, password: str
) -> None:
    server = make_grafana_server(version="12.0", admin_password="the-right-one-canary")

    result = bootstrap_with_url_password(server, password)

    assert result.exit_code == 1
    assert "Grafana rejected the admin credentials of user 'admin'" in result.output
    for form in forms(password):
        assert form not in result.output + result.stderr

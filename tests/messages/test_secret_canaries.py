"""No token or password in any output, whatever the error: canary secrets are fed through
every error path that can be reached (header values httpx refuses, TLS failures,
connection errors, servers echoing the request and its Authorization header back, proxy
pages, a proxy that is down), each run is the real CLI in its own process with -v, and
everything printed plus every file written under the project, HOME and XDG_CONFIG_HOME
(except the token store) is scanned for the secrets and for pieces of them."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from messages_support import (
    CANARY_PASSWORD,
    CANARY_TOKEN,
    CERT_FILE,
    LOGIN_PAGE,
    ORG,
    Cli,
    FakeServer,
    Grafana,
    Home,
    SeenRequest,
    as_json,
    echo_headers,
    html,
    leaked,
    scanned_texts,
    self_signed_tls,
)

from dashgen.tokens import env_var_name

TOKEN_ENV = env_var_name(ORG)
PROXY_PASSWORD = "Canary-Proxy-Secret-5e7d"
BROKEN_TOKENS = {
    "line break": CANARY_TOKEN[:20] + "\n" + CANARY_TOKEN[20:],
    "carriage return": CANARY_TOKEN[:20] + "\r\n" + CANARY_TOKEN[20:],
    "tab": CANARY_TOKEN[:20] + "\t" + CANARY_TOKEN[20:],
    "control character": CANARY_TOKEN[:20] + "\x01" + CANARY_TOKEN[20:],  # env cannot hold NUL
    "DEL": CANARY_TOKEN[:20] + "\x7f" + CANARY_TOKEN[20:],
    "escape": CANARY_TOKEN[:20] + "\x1b[2J" + CANARY_TOKEN[20:],
    "non-ASCII": CANARY_TOKEN[:20] + "é" + CANARY_TOKEN[20:],
    "zero-width space": CANARY_TOKEN[:20] + "\u200b" + CANARY_TOKEN[20:],
}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _echo_answers() -> dict[str, FakeServer]:
    """Servers that put the request (with its Authorization header) into their answer."""

    def json_400(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        return as_json({"message": f"bad request: {echo_headers(seen)}"}, 400)

    def json_401(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        return as_json({"message": "invalid", "request": echo_headers(seen)}, 401)

    def html_502(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        # retried (a proxy's 502 is transient): the retries must not leak either
        return html(f"<html><body><pre>{echo_headers(seen)}</pre></body></html>", 502)

    def login_200(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        return html(LOGIN_PAGE.replace("<body>", f"<body><!-- {echo_headers(seen)} -->"))

    def text_404(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        return 404, {"Content-Type": "text/plain"}, echo_headers(seen).encode()

    def org_then_echo(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        if seen.path == "/api/org":
            return as_json({"id": 2, "name": ORG})
        return as_json({"message": echo_headers(seen), "status": "error"}, 403)

    answers = [json_400, json_401, html_502, login_200, text_404, org_then_echo]
    return {answer.__name__: FakeServer(answer) for answer in answers}


def test_canaries_never_reach_output_or_files(
    cli: Cli, grafana: Grafana, home: Home, project: Path, fresh_secrets: None
) -> None:
    publish = ("-v", "publish", "--org", ORG)
    diff = ("-v", "diff", "--org", ORG)
    token_env = {TOKEN_ENV: CANARY_TOKEN}
    admin_env = {"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
    servers = _echo_answers()
    with FakeServer(lambda seen: as_json({}), tls=self_signed_tls()) as tls_server:
        for server in servers.values():
            server.__enter__()
        try:
            # in a process of its own, as CI runs it: a token httpx would refuse (its
            # "Illegal header value" error holds the whole header), and admin credentials
            # echoed back by the server
            newline = {TOKEN_ENV: BROKEN_TOKENS["line break"]}
            refused = cli.subprocess(*publish, "--grafana-url", grafana.url, env=newline)
            assert refused.code == 2 and grafana.emulator.request_log == []
            echoing = servers["json_400"]
            cli.subprocess("-v", "bootstrap", ORG, "--grafana-url", echoing.url, env=admin_env)
            # the same and every other path in-process (each run with a fresh registry)
            for args in (publish, (*publish, "--output", "json"), (*diff, "--output", "json")):
                assert cli(*args, "--grafana-url", grafana.url, env=newline).code == 2
            https_url = grafana.url.replace("http://", "https://")
            cli(*publish, "--grafana-url", https_url, env=token_env)
            untrusted = cli(*publish, "--grafana-url", tls_server.url, env=token_env)
            assert "not trusted" in untrusted.stderr and "--ca-cert" in untrusted.stderr
            closed = f"http://127.0.0.1:{_closed_port()}"
            cli(*diff, "--grafana-url", closed, env=token_env)
            proxy = {"HTTP_PROXY": f"http://proxyuser:{PROXY_PASSWORD}@127.0.0.1:{_closed_port()}"}
            cli(*diff, "--grafana-url", grafana.url, env=token_env | proxy)
            for server in servers.values():
                cli(*publish, "--grafana-url", server.url, env=token_env)
            cli(*diff, "--output", "json", "--grafana-url", echoing.url, env=token_env)
            login_url = servers["login_200"].url
            cli("-v", "org", "create", ORG, "--grafana-url", login_url, env=admin_env)
            with_password = echoing.url.replace("://", f"://admin:{CANARY_PASSWORD}@")
            cli("-v", "token", "create", "--org", ORG, "--grafana-url", with_password)
            refused = cli(*publish, "--grafana-url", with_password, env=token_env)
            assert refused.code == 2 and "holds credentials" in refused.stderr
        finally:
            for server in servers.values():
                server.__exit__()
    # the canaries did go out (in the Authorization header) and came back in the answers
    echoed = [r for r in servers["json_400"].requests if CANARY_TOKEN in str(r.headers)]
    assert echoed and any("Basic " in str(r.headers) for r in servers["json_400"].requests)

    texts = scanned_texts(
        [text for run in cli.runs for text in (run.stdout, run.stderr)],
        project,
        home.home,
        home.config_home,
        skip=(home.store_path, home.store_path.with_name("tokens.json.lock")),
    )
    for secret in (CANARY_TOKEN, CANARY_PASSWORD, PROXY_PASSWORD):
        assert leaked(secret, texts) == [], f"{secret[:8]}… leaked"
    assert all(run.code in (1, 2) for run in cli.runs), [run.output for run in cli.runs]


@pytest.mark.parametrize("kind", sorted(BROKEN_TOKENS))
def test_unsendable_env_token_is_refused_before_any_request(
    cli: Cli, grafana: Grafana, kind: str
) -> None:
    env = {TOKEN_ENV: BROKEN_TOKENS[kind]}

    text = cli("publish", "--org", ORG, "--grafana-url", grafana.url, env=env)
    as_json_run = cli(
        "diff", "--org", ORG, "--output", "json", "--grafana-url", grafana.url, env=env
    )

    assert text.code == 2 and as_json_run.code == 2
    assert grafana.emulator.request_log == []
    assert f"env {TOKEN_ENV}" in text.stderr
    expected_word = {"non-ASCII": "non-ASCII", "zero-width space": "ZERO WIDTH SPACE"}
    assert expected_word.get(kind, "").lower() in text.stderr.lower()
    # said once for the org, not once per dashboard, never retried, never "drifted"
    assert text.output.count(f"env {TOKEN_ENV}") == 1
    assert "drifted" not in text.output
    assert "Check --grafana-url and the network" not in text.output
    records = as_json_run.json_lines()
    per_dashboard = [r for r in records if "uid" in r]
    assert len(per_dashboard) == 3 and all(r["status"] == "failed" for r in per_dashboard)
    assert all(r["org_failed"] for r in per_dashboard)
    for run in (text, as_json_run):
        assert leaked(CANARY_TOKEN, [run.output]) == []


def test_unsendable_stored_token_names_the_store_and_entry(
    cli: Cli, grafana: Grafana, home: Home
) -> None:
    home.store_path.parent.mkdir(mode=0o700)
    entry = {"token": CANARY_TOKEN[:9] + "\x00\n" + CANARY_TOKEN[9:], "org_id": 2}
    store = {"version": 1, "grafana": {grafana.url: {"orgs": {ORG: entry}}}}
    home.store_path.write_text(json.dumps(store))
    os.chmod(home.store_path, 0o600)

    run = cli("publish", "--org", ORG, "--output", "json", "--grafana-url", grafana.url)

    assert run.code == 2
    summary = run.json_lines()[-1]
    error = summary["org_errors"][ORG]
    assert str(home.store_path) in error or "~/" in error
    assert f"org {ORG!r}" in error and "U+0000" in error
    assert grafana.emulator.request_log == []
    assert leaked(CANARY_TOKEN, [run.output]) == []


def test_tls_with_the_right_ca_works_and_without_it_is_not_retried(cli: Cli) -> None:
    def answer(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        if seen.path == "/api/org":
            return as_json({"id": 2, "name": ORG})
        return as_json({"message": "Not found"}, 404)  # no folder, no dashboard yet

    with FakeServer(answer, tls=self_signed_tls()) as server:
        env = {TOKEN_ENV: CANARY_TOKEN}
        untrusted = cli("diff", "--org", ORG, "--grafana-url", server.url, env=env)
        handshakes = len(server.requests)
        trusted = cli(
            "diff", "--org", ORG, "--grafana-url", server.url, "--ca-cert", str(CERT_FILE), env=env
        )

    assert untrusted.code == 1 and "TLS certificate is not trusted" in untrusted.stderr
    assert handshakes == 0  # no request got through, and no retry of a hopeless handshake
    assert "/api/org" in [r.path for r in server.requests]
    assert trusted.code == 1  # the dashboards are new: diff exits 1, but it connected
    assert "not trusted" not in trusted.output and "new" in trusted.stdout

"""What the environment says about the way to Grafana still holds over dashgen's own HTTP
transport (``dashgen.grafana.transport``): a proxy from ``HTTP_PROXY`` carries the requests
(httpx's proxy transport, as before), and ``SSL_CERT_FILE`` names the CA to trust."""

from __future__ import annotations

import socket

from messages_support import (
    CANARY_TOKEN,
    CERT_FILE,
    ORG,
    Cli,
    FakeServer,
    SeenRequest,
    as_json,
    self_signed_tls,
)

from dashgen.tokens import env_var_name

TOKEN_ENV = env_var_name(ORG)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _grafana(seen: SeenRequest) -> tuple[int, dict[str, str], bytes]:
    if seen.path.endswith("/api/org"):
        return as_json({"id": 2, "name": ORG})
    return as_json({"message": "Not found"}, 404)  # no folder, no dashboard yet


def test_a_proxy_from_the_environment_carries_every_request(cli: Cli) -> None:
    unreachable = f"http://127.0.0.1:{_closed_port()}"  # only the proxy can answer for it
    with FakeServer(_grafana) as proxy:
        env = {TOKEN_ENV: CANARY_TOKEN, "HTTP_PROXY": proxy.url}
        run = cli("diff", "--org", ORG, "--grafana-url", unreachable, "--api", "classic", env=env)

    assert run.code == 1 and "new" in run.stdout, run.output  # connected: new dashboards
    assert f"{unreachable}/api/org" in [seen.path for seen in proxy.requests]  # absolute form


def test_ssl_cert_file_names_the_ca_to_trust(cli: Cli) -> None:
    with FakeServer(_grafana, tls=self_signed_tls()) as server:
        env = {TOKEN_ENV: CANARY_TOKEN, "SSL_CERT_FILE": str(CERT_FILE)}
        run = cli("diff", "--org", ORG, "--grafana-url", server.url, "--api", "classic", env=env)

    assert run.code == 1 and "new" in run.stdout, run.output
    assert "not trusted" not in run.output
    assert "/api/org" in [seen.path for seen in server.requests]


def test_a_proxy_variable_that_cannot_be_used_is_one_sentence_and_exit_2(cli: Cli) -> None:
    from messages_support import assert_one_sentence

    grafana = f"http://127.0.0.1:{_closed_port()}"
    for env, words in (
        ({"HTTP_PROXY": "::::"}, "is not a proxy URL"),
        ({"ALL_PROXY": "socks5://127.0.0.1:1"}, "names a SOCKS proxy"),
        ({"HTTPS_PROXY": "http://proxy-user:Proxy-Passw0rd@[::1"}, "is not a proxy URL"),
    ):
        run = cli(
            "diff", "--org", ORG, "--grafana-url", grafana, env={TOKEN_ENV: CANARY_TOKEN, **env}
        )
        assert_one_sentence(run, code=2, contains=("HTTPS_PROXY, HTTP_PROXY or ALL_PROXY", words))
        assert "internal error" not in run.output and "Proxy-Passw0rd" not in run.output


def test_a_timeout_that_is_not_a_number_of_seconds_is_a_usage_error(cli: Cli) -> None:
    for value in ("nan", "-nan", "inf"):
        run = cli("diff", "--org", ORG, "--grafana-url", "http://127.0.0.1:1", "--timeout", value)
        assert run.code == 2, run.output
        assert "--timeout" in run.output and "could not send" not in run.output


def test_a_proxy_that_cannot_be_reached_is_named_not_just_grafana(cli: Cli) -> None:
    # Grafana is fine; the proxy from HTTP_PROXY is not there: the message names it (and
    # not the password of its URL), not only "could not reach Grafana"
    with FakeServer(_grafana) as grafana:
        proxy = f"http://proxy-user:Proxy-Passw0rd@127.0.0.1:{_closed_port()}"
        env = {TOKEN_ENV: CANARY_TOKEN, "HTTP_PROXY": proxy}
        run = cli("diff", "--org", ORG, "--grafana-url", grafana.url, "--api", "classic", env=env)
        direct = cli(
            "diff",
            "--org",
            ORG,
            "--grafana-url",
            grafana.url,
            "--api",
            "classic",
            env={**env, "NO_PROXY": "127.0.0.1"},
        )

    assert run.code == 1, run.output
    assert "could not reach Grafana through the proxy http://proxy-user:***@127.0.0.1:" in (
        run.output
    )
    assert "(env HTTP_PROXY)" in run.output and "Proxy-Passw0rd" not in run.output
    assert direct.code == 1 and "new" in direct.stdout, direct.output  # NO_PROXY: direct


def test_insecure_and_a_ca_bundle_together_are_a_usage_error(cli: Cli) -> None:
    # which would hold? one switches verification off, the other names what to trust
    run = cli(
        "diff",
        "--org",
        ORG,
        "--grafana-url",
        "https://127.0.0.1:1",
        "--insecure",
        "--ca-cert",
        str(CERT_FILE),
        env={TOKEN_ENV: CANARY_TOKEN},
    )
    assert run.code == 2, run.output
    assert "use either --insecure or --ca-cert FILE, not both" in run.output

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

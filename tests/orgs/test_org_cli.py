"""The real CLI (`dashgen org|token|bootstrap`) against the emulator served on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from orgs_helpers import CANARY_PASSWORD, accounts_in, admin_active_org, admin_memberships

from dashgen.cli import main
from dashgen.grafana import GrafanaClient
from dashgen.testing import EmulatorServer
from dashgen.tokens import TokenStore, resolve_token

MakeServer = Callable[..., EmulatorServer]


class Cli:
    """Runs dashgen commands and keeps everything they printed, for the leak scan."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.captured: list[str] = []
        self.runner = CliRunner()
        self.last: Result | None = None

    def __call__(self, *args: str, env: dict[str, str] | None = None, code: int = 0) -> Result:
        result = self.runner.invoke(main, list(args), env=env, catch_exceptions=False)
        self.captured += [result.output, result.stderr]
        self.last = result
        assert result.exit_code == code, result.output
        return result

    def admin(self, *args: str, code: int = 0) -> Result:
        env = {"GRAFANA_URL": self.url, "GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
        return self(*args, env=env, code=code)

    def assert_no_secret(self, *secrets: str) -> None:
        everything = "\n".join(self.captured)
        for secret in (CANARY_PASSWORD, *secrets):
            assert secret not in everything


@pytest.fixture(params=["12.0", "11.2"])
def server(request: pytest.FixtureRequest, make_grafana_server: MakeServer) -> EmulatorServer:
    return make_grafana_server(version=request.param, admin_password=CANARY_PASSWORD)


@pytest.fixture
def server_12(make_grafana_server: MakeServer) -> EmulatorServer:
    return make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)


def stored_token(url: str, org: str) -> str:
    entry = TokenStore().get(url, org)
    assert entry is not None
    return entry.token.reveal()


def test_bootstrap_then_rerun_everything(
    server: EmulatorServer, store_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cli = Cli(server.url)
    emu = server.emulator

    out = cli.admin("bootstrap", "apiorg").output
    assert f"Org 'apiorg' created at {server.url}: id 2." in out
    assert "service-account path" in out
    assert f"Stored in {store_path} (mode 0600)." in out
    assert "`dashgen publish --org apiorg`" in out and "DASHGEN_TOKEN_APIORG" in out
    assert "Verified: GET /api/org with the token answers org 'apiorg' (id 2)." in out
    token = stored_token(server.url, "apiorg")

    assert "already exists" in cli.admin("org", "create", "apiorg").output
    assert "already in" in cli.admin("token", "create", "--org", "apiorg").output
    assert "already exists" in cli.admin("bootstrap", "apiorg").output
    assert stored_token(server.url, "apiorg") == token
    assert sorted(o.name for o in emu.state.orgs.values()) == ["Main Org.", "apiorg"]
    assert accounts_in(emu, 2) == ["dashgen"]
    assert admin_memberships(emu) == {1: "Admin", 2: "Admin"}
    sa_posts = [r for r in emu.request_log if r.method == "POST" and "serviceaccounts" in r.path]
    assert len(sa_posts) == 2  # one account, one token: the re-runs created nothing

    listing = cli("token", "list").output
    assert "apiorg" in listing and "service-account" in listing
    assert f"{token[:4]}…{token[-4:]}" in listing
    assert "apiorg" in cli("org", "list").output

    # the stored token is what publish will use, and it authenticates for that org
    resolved = resolve_token("apiorg", server.url)
    assert resolved is not None and resolved.origin == f"token store {store_path}"
    with GrafanaClient(server.url, token=resolved.secret) as client:
        assert client.get("/api/org")["name"] == "apiorg"

    cli.captured.append(caplog.text)
    cli.assert_no_secret(token)


def test_legacy_path_on_11_2_says_so_and_restores_org(
    make_grafana_server: MakeServer,
) -> None:
    server = make_grafana_server(version="11.2", admin_password=CANARY_PASSWORD)
    cli = Cli(server.url)
    cli.admin("org", "create", "apiorg")
    out = cli.admin("token", "create", "--org", "apiorg", "--legacy-api-key", "--ttl", "30d").output
    assert "legacy API-key path" in out and "It expires at" in out
    assert admin_active_org(server.emulator) == 1
    cli.assert_no_secret(stored_token(server.url, "apiorg"))


def test_legacy_request_on_12_0_falls_back_and_says_why(server_12: EmulatorServer) -> None:
    cli = Cli(server_12.url)
    cli.admin("org", "create", "apiorg")
    out = cli.admin("token", "create", "--org", "apiorg", "--legacy-api-key").output
    assert "service-account path" in out
    assert "the API-key path is gone on this Grafana (POST /api/auth/keys answered 410)" in out


def test_show_rotate_and_delete_with_revoke(server_12: EmulatorServer) -> None:
    cli = Cli(server_12.url)
    cli.admin("bootstrap", "apiorg")
    old = stored_token(server_12.url, "apiorg")
    out = cli.admin("token", "create", "--org", "apiorg", "--rotate", "--show").output
    new = stored_token(server_12.url, "apiorg")
    assert new != old and old not in out
    assert (
        cli.last is not None and cli.last.stdout == f"{new}\n"
    )  # only the token on stdout: TOKEN=$(dashgen ...)
    assert "revoked previous service-account token 'dashgen' of org 'apiorg'" in out

    out = cli.admin("token", "delete", "--org", "apiorg", "--revoke").output
    assert "revoked service-account token" in out and "Removed the token" in out
    assert TokenStore().entries() == []
    cli("token", "delete", "--org", "apiorg", code=1)
    assert "No tokens" in cli("token", "list").output


def test_credentials_in_the_url_are_stripped_and_never_shown(
    server_12: EmulatorServer,
) -> None:
    cli = Cli(server_12.url)
    with_password = server_12.url.replace("http://", f"http://admin:{CANARY_PASSWORD}@")
    out = cli("org", "create", "apiorg", "--grafana-url", with_password).output
    assert f"created at {server_12.url}: id 2" in out

    wrong = server_12.url.replace("http://", f"http://admin:{CANARY_PASSWORD}x@")
    result = cli("bootstrap", "other", "--grafana-url", wrong, code=1)
    assert "rejected the admin credentials of user 'admin'" in result.output
    assert "nothing was changed" in result.output
    cli.assert_no_secret()


def test_missing_password_without_a_terminal_is_a_clear_error(
    server_12: EmulatorServer,
) -> None:
    cli = Cli(server_12.url)
    result = cli("org", "create", "apiorg", "--grafana-url", server_12.url, code=2)
    assert "no password for Grafana admin 'admin'" in result.output
    assert "GRAFANA_ADMIN_PASSWORD" in result.output
    assert server_12.emulator.request_log == []


def test_unreachable_grafana_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    cli = Cli(f"http://127.0.0.1:{closed_port}")
    result = cli.admin("bootstrap", "apiorg", code=1)
    assert "could not reach Grafana" in result.output
    assert f"127.0.0.1:{closed_port}" in result.output
    cli.assert_no_secret()


def test_world_readable_store_is_refused(server_12: EmulatorServer, store_path: Path) -> None:
    cli = Cli(server_12.url)
    cli.admin("bootstrap", "apiorg")
    store_path.chmod(0o644)
    for args in (["token", "list"], ["org", "list"]):
        result = cli(*args, code=1)
        assert f"chmod 600 {store_path}" in result.output
    result = cli.admin("token", "create", "--org", "apiorg", code=1)
    assert f"chmod 600 {store_path}" in result.output
    cli.assert_no_secret(stored_token_unchecked(store_path))


def stored_token_unchecked(store_path: Path) -> str:
    data = json.loads(store_path.read_text())
    return next(iter(data["grafana"].values()))["orgs"]["apiorg"]["token"]


def test_bad_ttl_is_a_usage_error(server_12: EmulatorServer) -> None:
    cli = Cli(server_12.url)
    result = cli.admin("token", "create", "--org", "apiorg", "--ttl", "soon", code=2)
    assert "cannot read duration 'soon'" in result.output


def test_end_to_end_in_a_subprocess(
    make_grafana_server: MakeServer, store_path: Path, tmp_path: Path
) -> None:
    server = make_grafana_server(version="12.0", admin_password=CANARY_PASSWORD)
    env = {
        **os.environ,
        "GRAFANA_URL": server.url,
        "GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD,
        "NO_COLOR": "1",
    }
    run = subprocess.run(
        [sys.executable, "-m", "dashgen", "bootstrap", "e2e-org", "--show"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Verified: GET /api/org with the token answers org 'e2e-org'" in run.stderr
    token = stored_token(server.url, "e2e-org")
    assert run.stdout == f"{token}\n"  # --show: the token alone on stdout
    assert oct(store_path.stat().st_mode & 0o777) == "0o600"
    assert token not in run.stderr
    for text in (run.stdout, run.stderr):
        assert CANARY_PASSWORD not in text
    with GrafanaClient(server.url, token=TokenStore().get(server.url, "e2e-org").token) as client:
        assert client.get("/api/org")["name"] == "e2e-org"


def test_stored_token_publishes_to_its_org(server: EmulatorServer, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "dashboards").mkdir(parents=True)
    dashboard = {"uid": "cpu-overview", "title": "CPU overview", "panels": [], "schemaVersion": 41}
    (project / "dashboards" / "cpu.json").write_text(json.dumps(dashboard))
    cli = Cli(server.url)
    cli.admin("bootstrap", "apiorg")
    cli("-C", str(project), "publish", "--org", "apiorg", env={"GRAFANA_URL": server.url})

    published = server.emulator.dashboard(2, "cpu-overview")
    assert published is not None and published.updated_by == "sa-2-dashgen"
    assert server.emulator.dashboards(1) == []
    cli.assert_no_secret(stored_token(server.url, "apiorg"))


def test_grafana_url_defaults_to_the_project_config(
    server_12: EmulatorServer, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "dashgen.toml").write_text(f'grafana_url = "{server_12.url}"\n')
    cli = Cli(server_12.url)
    env = {"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
    out = cli("-C", str(project), "org", "create", "apiorg", env=env).output
    assert f"created at {server_12.url}: id 2" in out
    result = cli("org", "create", "apiorg", env=env, code=2)
    assert "no Grafana URL" in result.output

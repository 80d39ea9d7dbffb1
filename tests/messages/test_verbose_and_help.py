"""-v/--verbose and DASHGEN_LOG show each request (method, path, status, time; never a
header, a token or a body); --help and the README document every environment variable
dashgen reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from messages_support import CANARY_PASSWORD, ORG, Cli, FakeServer, Grafana, as_json

from dashgen.testing import EmulatorServer

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "generator" / "dashgen"
REQUEST_LINE = re.compile(
    r"^debug dashgen\.grafana\.client: (GET|POST|PUT|PATCH|DELETE) (/\S*) -> (\d{3}) in \d+ ms$"
)


def _request_lines(text: str) -> list[tuple[str, str, str]]:
    return [m.groups() for line in text.splitlines() if (m := REQUEST_LINE.match(line))]


@pytest.mark.parametrize(
    ("where", "env"),
    [
        ("group", {}),
        ("command", {}),
        ("env", {"DASHGEN_LOG": "debug"}),
        ("env", {"DASHGEN_LOG": "DEBUG"}),
    ],
)
def test_requests_are_logged_without_secrets(
    cli: Cli, grafana: Grafana, where: str, env: dict[str, str]
) -> None:
    args = ["publish", "--org", ORG, "--grafana-url", grafana.url]
    if where == "group":
        args.insert(0, "-v")
    elif where == "command":
        args.append("--verbose")
    run = cli(*args, env=grafana.token_env(ORG) | env)

    assert run.code == 0, run.output
    lines = _request_lines(run.stderr)
    assert ("GET", "/api/org", "200") in lines
    assert lines.count(("POST", "/api/dashboards/db", "200")) == 3
    assert len(lines) == len(grafana.emulator.request_log)
    assert grafana.tokens[ORG] not in run.output
    assert "Authorization" not in run.output and "Bearer" not in run.output
    assert '"panels"' not in run.stderr  # no bodies


def test_retries_and_failures_are_logged(cli: Cli, grafana: Grafana) -> None:
    grafana.emulator.faults.add(method="GET", path="/api/org", status=503, times=1)
    run = cli("-v", "diff", "--org", ORG, "--grafana-url", grafana.url, env=grafana.token_env())
    assert ("GET", "/api/org", "503") in _request_lines(run.stderr)
    assert re.search(
        r"GET /api/org: attempt 1 of 4 failed \(ServerError\); retrying in", run.stderr
    )

    closed_url = "http://127.0.0.1:9"
    closed = cli("-v", "diff", "--org", ORG, "--grafana-url", closed_url, env=grafana.token_env())
    assert "debug dashgen.grafana.client: GET /api/org failed after" in closed.stderr


def test_admin_requests_are_logged_without_the_password(
    cli: Cli, make_grafana_server: type[EmulatorServer]
) -> None:
    server = make_grafana_server(admin_password=CANARY_PASSWORD)  # type: ignore[operator]
    run = cli(
        "-v",
        "bootstrap",
        "neworg",
        "--grafana-url",
        server.url,
        env={"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD},
    )
    assert run.code == 0, run.output
    assert ("GET", "/api/user", "200") in _request_lines(run.stderr)
    assert ("POST", "/api/orgs", "200") in _request_lines(run.stderr)
    assert CANARY_PASSWORD not in run.output and "Basic" not in run.output


def test_without_verbose_no_request_is_logged(cli: Cli, grafana: Grafana) -> None:
    run = cli("publish", "--org", ORG, "--grafana-url", grafana.url, env=grafana.token_env())
    assert run.code == 0 and _request_lines(run.stderr) == [] and "debug" not in run.stderr


def test_bad_log_level_is_a_usage_error(cli: Cli) -> None:
    run = cli("build", env={"DASHGEN_LOG": "loud"})
    assert run.code == 2
    assert "DASHGEN_LOG='loud' is not a log level" in run.stderr
    assert "debug, info, warning, error" in run.stderr


def test_query_strings_are_logged_with_the_path(cli: Cli) -> None:
    def answer(seen: object) -> tuple[int, dict[str, str], bytes]:
        path = getattr(seen, "path", "")
        if path.startswith("/api/user"):
            return as_json({"id": 1, "login": "admin", "orgId": 1, "isGrafanaAdmin": True})
        if path.startswith("/api/orgs/name/"):
            return as_json({"id": 2, "name": ORG})
        if path.startswith("/api/serviceaccounts/search"):
            return as_json({"message": "forbidden"}, 403)
        return as_json({"message": "Organization name taken"}, 409)

    with FakeServer(answer) as server:
        run = cli(
            "-v",
            "token",
            "create",
            "--org",
            ORG,
            "--grafana-url",
            server.url,
            env={"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD},
        )
    paths = [path for _, path, _ in _request_lines(run.stderr)]
    assert any(p.startswith("/api/serviceaccounts/search?") and "query=dashgen" in p for p in paths)


def _environment_variables_read() -> set[str]:
    """Every DASHGEN_*/GRAFANA_* name in the package (outside the emulator), and the
    names it reads through os.environ or click's envvar."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "testing" in path.relative_to(PACKAGE).parts:
            continue
        text = path.read_text()
        names.update(re.findall(r"[\"']((?:DASHGEN|GRAFANA)_[A-Z_]+)[\"']", text))
        names.update(re.findall(r"os\.environ(?:\.get)?[\[(][\"']([A-Z_]+)[\"']", text))
        names.update(re.findall(r"envvar=[\"']([A-Z_]+)[\"']", text))
    if "DASHGEN_TOKEN_" in names:
        names.discard("DASHGEN_TOKEN_")
        names.add("DASHGEN_TOKEN_<ORG>")
    return names


def test_every_environment_variable_is_documented(cli: Cli) -> None:
    names = _environment_variables_read()
    assert {"DASHGEN_TOKEN_STORE", "DASHGEN_LOG", "GRAFANA_URL", "DASHGEN_TOKEN_<ORG>"} <= names
    help_text = cli("--help").stdout
    readme = (REPO / "README.md").read_text()
    for name in sorted(names | {"XDG_CONFIG_HOME", "HTTPS_PROXY", "SSL_CERT_FILE"}):
        assert name in help_text, f"{name} is not in `dashgen --help`"
        assert name in readme, f"{name} is not in README.md"


def test_a_bug_is_one_redacted_line_and_its_traceback_only_with_verbose(
    cli: Cli, grafana: Grafana, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from dashgen.cli import main, publish_cmd
    from dashgen.secrets import Secret

    token = grafana.tokens[ORG]

    def broken_plan(*args: object, **kwargs: object) -> None:
        Secret(token)
        raise KeyError(f"no such thing for {token}")

    monkeypatch.setattr(publish_cmd, "plan", broken_plan)
    run = cli("diff", "--org", ORG, "--grafana-url", grafana.url, env=grafana.token_env())
    assert run.code == 1
    assert run.stderr.startswith("Error: internal error: KeyError: ")
    assert "this is a bug in dashgen" in run.stderr and token not in run.output

    args = ["-C", str(cli.root), "-v", "diff", "--org", ORG, "--grafana-url", grafana.url]
    verbose = CliRunner().invoke(main, args, env=grafana.token_env())
    assert verbose.exit_code == 1
    assert "Traceback (most recent call last)" in verbose.stderr
    assert "broken_plan" in verbose.stderr and token not in verbose.output

"""Servers that are not what they seem: an HTML page (a proxy's login page with 200, a wrong
sub-path, Grafana's own web app), a redirect, an empty body, JSON of another shape. Every
command answers with one sentence saying what was expected at which URL and what came back
(status, content type, the first characters), never a traceback or pages of HTML; an HTML
404 is not "the folder was not found"."""

from __future__ import annotations

import pytest
from messages_support import (
    CANARY_PASSWORD,
    GRAFANA_INDEX,
    LOGIN_PAGE,
    NGINX_404,
    ORG,
    Answer,
    Cli,
    FakeServer,
    Grafana,
    Proxy,
    as_json,
    assert_one_sentence,
    fake_token,
    html,
)

from dashgen.grafana.answers import EXCERPT_LENGTH

EVERYWHERE: dict[str, tuple[Answer, tuple[str, ...]]] = {
    "login page 200": (html(LOGIN_PAGE), ("200 text/html", "login page of a proxy")),
    "Grafana index page": (html(GRAFANA_INDEX), ("200 text/html", "Grafana's web app")),
    "nginx 404": (html(NGINX_404, 404), ("404 text/html", "not Grafana's API")),
    "plain text 404": ((404, {"Content-Type": "text/plain"}, b"404 page not found"), ("404",)),
    "redirect": (
        (302, {"Location": "https://sso.example.com/login"}, b""),
        ("302", "redirect to https://sso.example.com/login"),
    ),
    "empty body": ((200, {"Content-Type": "application/json"}, b""), ("an empty body",)),
    "JSON list": (as_json([{"id": 1}]), ("a list, not an object",)),
    "JSON string": (as_json("ok"), ("a string, not an object",)),
    "missing keys": (as_json({"message": "ok"}), ("is missing",)),
    "wrong types": (as_json({"id": "1", "name": 2, "login": 3}), ("not an integer",)),
    "truncated JSON": ((200, {"Content-Type": "application/json"}, b'{"id": 1, "na'), ("JSON",)),
}
COMMANDS = {
    "publish": ("publish", "--org", ORG),
    "publish json": ("publish", "--org", ORG, "--output", "json"),
    "diff": ("diff", "--org", ORG),
    "bootstrap": ("bootstrap", ORG),
    "token create": ("token", "create", "--org", ORG),
    "org create": ("org", "create", ORG),
}
ENV = {"DASHGEN_TOKEN_APIORG": fake_token("OddServerToken0123456789abcdef", "0a1b2c3d")}


@pytest.mark.parametrize("case", sorted(EVERYWHERE))
def test_every_command_says_what_came_back(cli: Cli, case: str) -> None:
    answer, words = EVERYWHERE[case]
    with FakeServer(lambda seen: answer) as server:
        env = ENV | {"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
        for name, args in COMMANDS.items():
            run = cli(*args, "--grafana-url", server.url, env=env)
            assert_one_sentence(run, code=1, contains=(*words, "expected", f"{server.url}/api/"))
            assert "folder was not found" not in run.output
            assert "drifted" not in run.output
            if name in ("publish", "diff"):  # the org's failure, said once
                assert run.output.count("expected") == 1, (name, run.output)


@pytest.mark.parametrize(
    ("route", "answer", "words"),
    [
        ("GET /api/folders/*", html(LOGIN_PAGE), ("/api/folders/platform", "200 text/html")),
        ("GET /api/folders/*", html(NGINX_404, 404), ("/api/folders/platform", "404 text/html")),
        ("GET /api/folders/*", as_json([]), ("the folder", "a list, not an object")),
        ("GET /api/dashboards/uid/*", html(GRAFANA_INDEX), ("Grafana's web app",)),
        ("GET /api/dashboards/uid/*", as_json({"meta": {}}), ("'dashboard' is missing",)),
        (
            "GET /api/dashboards/uid/*",
            as_json({"dashboard": [], "meta": {}}),
            ("'dashboard' is a list, not an object",),
        ),
        ("POST /api/dashboards/db", as_json({"status": "success"}), ("'version' is missing",)),
        ("POST /api/dashboards/db", html(LOGIN_PAGE), ("POST", "200 text/html")),
        ("POST /api/folders", (200, {}, b""), ("an empty body",)),
    ],
)
def test_a_grafana_that_is_only_partly_its_api(
    cli: Cli, grafana: Grafana, route: str, answer: Answer, words: tuple[str, ...]
) -> None:
    if route.startswith("GET /api/dashboards/uid/"):  # exists, so publish reads it first
        cli("publish", "--org", ORG, "--grafana-url", grafana.url, env=grafana.token_env(ORG))
    with Proxy(grafana.url, overrides={route: answer}) as proxy:
        text = cli("publish", "--org", ORG, "--grafana-url", proxy.url, env=grafana.token_env(ORG))
        as_json_run = cli("publish", "--org", ORG, "--output", "json", "--grafana-url", proxy.url)

    assert text.code == 1, text.output
    for word in words:
        assert word in text.output, text.output
    assert "Traceback" not in text.output and "folder was not found" not in text.output
    assert "drifted" not in text.output
    assert text.output.count("expected") <= 3 and text.output.count("<p>") <= 2, text.output
    assert all(len(line) < 1200 for line in text.output.splitlines())
    records = [r for r in as_json_run.json_lines() if "uid" in r]
    assert len(records) == 3 and all(r["action"] in ("failed", "unchanged") for r in records)


def test_a_whole_html_org_is_said_once_for_publish_diff(cli: Cli, grafana: Grafana) -> None:
    """The org check passes, then every read answers a login page: one sentence for the
    org, the per-dashboard JSON records keep one record each."""
    published = cli("publish", "--org", ORG, "--grafana-url", grafana.url, env=grafana.token_env())
    assert published.code == 0, published.output
    folder = as_json({"uid": "platform", "title": "Platform"})
    overrides = {"GET /api/dashboards/uid/*": html(LOGIN_PAGE), "GET /api/folders/*": folder}
    with Proxy(grafana.url, overrides=overrides) as proxy:
        env = grafana.token_env()
        text = cli("publish", "--org", ORG, "--grafana-url", proxy.url, env=env)
        planned = cli("diff", "--org", ORG, "--grafana-url", proxy.url, env=env)
        as_json_run = cli("diff", "--org", ORG, "--output", "json", "--grafana-url", proxy.url)

    for run in (text, planned):
        assert run.code == 1, run.output
        assert run.output.count("login page of a proxy") == 1, run.output
        assert run.stderr.startswith(f"org {ORG}: ")
        assert "drifted" not in run.output
    assert "nothing was published to org apiorg" in text.stderr
    records = [r for r in as_json_run.json_lines() if "uid" in r]
    assert [r["status"] for r in records] == ["failed"] * 3
    assert all(r["org_failed"] for r in records)


def test_excerpt_is_short_and_redacted(cli: Cli) -> None:
    shown_back = fake_token("ShownBackToYou0123456789abcdef", "00ff00ff")
    page = "<html><body>" + f"Authorization: Bearer {shown_back} " * 9
    with FakeServer(lambda seen: html(page, 400)) as server:
        run = cli("diff", "--org", ORG, "--grafana-url", server.url, env=ENV)
    line = assert_one_sentence(run, code=1, contains=("400 text/html",))
    excerpt = line.split(": '", 1)[1].split("'", 1)[0]
    assert len(excerpt) <= EXCERPT_LENGTH
    assert "ShownBackToYou" not in run.output and "Bearer ********" in run.output

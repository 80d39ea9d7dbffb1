"""Grafana URLs: every malformed one gets the right sentence and exit 2 before any token
lookup or request, from the option, from env GRAFANA_URL and from the config; a Grafana
served under a sub-path works, with the path kept as the base of every call."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from messages_support import (
    CANARY_PASSWORD,
    CONFIG,
    ORG,
    Cli,
    Grafana,
    Home,
    Proxy,
    SubPathProxy,
    as_json,
    assert_one_sentence,
)

from dashgen.urls import checked_grafana_url, clean_grafana_url, grafana_url_problem

# (url, words the sentence must hold)
MALFORMED = [
    ("htp://127.0.0.1:3000", ("scheme 'htp'", "did you mean http://127.0.0.1:3000")),
    ("htps://grafana.example.com", ("scheme 'htps'", "https://grafana.example.com")),
    ("ftp://grafana.example.com", ("scheme 'ftp'", "http:// or https://")),
    ("grafana.example.com", ("no scheme", "https://grafana.example.com")),
    ("localhost:3000", ("no scheme", "http://localhost:3000")),
    ("127.0.0.1:3000/grafana", ("no scheme", "http://127.0.0.1:3000/grafana")),
    ("//grafana.example.com", ("no scheme", "https://grafana.example.com")),
    ("http:/127.0.0.1:3000", ("a single slash", "http://127.0.0.1:3000")),
    ("https:grafana.example.com", ("no slashes", "https://grafana.example.com")),
    ("http:///grafana", ("no host",)),
    ("https://", ("no host",)),
    ("http://127.0.0.1:30x0", ("invalid port",)),
    ("http://127.0.0.1:99999", ("invalid port",)),
    ("http://127.0.0.1:0", ("invalid port",)),
    ("http://[::1", ("invalid host", "[brackets]")),
    ("https://[fe80::1:3000/", ("invalid host",)),
    ("http://grafana example.com", ("a space",)),
    ("https://grafana.example.com/?orgId=1", ("query or fragment", "https://grafana.example.com")),
    ("https://grafana.example.com/d/abc/node?orgId=1", ("page", "use https://grafana.example.com")),
    ("https://example.com/grafana/api/", ("API route", "use https://example.com/grafana")),
    ("https://grafana.example.com/login", ("page",)),
]
COMMANDS = {
    "publish": ("publish", "--org", ORG),
    "diff": ("diff", "--org", ORG),
    "bootstrap": ("bootstrap", ORG),
    "token create": ("token", "create", "--org", ORG),
    "org create": ("org", "create", ORG),
}


def _broken_store(home: Home) -> dict[str, str]:
    """A token store that fails on read: if the URL were checked after the token lookup,
    the store's error would come first."""
    home.store_path.parent.mkdir(mode=0o700, exist_ok=True)
    home.store_path.write_text('{"grafana": {"x": "not json')
    os.chmod(home.store_path, 0o600)
    return {"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}


@pytest.mark.parametrize(("url", "words"), MALFORMED, ids=[u for u, _ in MALFORMED])
def test_malformed_url_is_one_sentence_and_exit_2(
    cli: Cli, home: Home, url: str, words: tuple[str, ...]
) -> None:
    env = _broken_store(home)
    for name, args in COMMANDS.items():
        run = cli(*args, "--grafana-url", url, env=env)
        line = assert_one_sentence(run, code=2, contains=words)
        assert "from --grafana-url" in line, (name, line)
        assert "token store" not in run.output, (name, run.output)


def test_url_from_env_and_config_name_their_origin(cli: Cli, project: Path, home: Home) -> None:
    from_env = cli("publish", "--org", ORG, env={"GRAFANA_URL": "http:/127.0.0.1:3000"})
    assert_one_sentence(from_env, code=2, contains=("from env GRAFANA_URL", "a single slash"))

    (project / "dashgen.toml").write_text('grafana_url = "htp://127.0.0.1:3000"\n' + CONFIG)
    for run in (cli("publish", "--org", ORG), cli("build"), cli("bootstrap", ORG)):
        assert_one_sentence(run, code=2, contains=("dashgen.toml", "grafana_url", "scheme 'htp'"))


def test_credentials_in_url_refused_for_publish_allowed_for_admin_commands(
    cli: Cli, grafana: Grafana, project: Path
) -> None:
    with_password = grafana.url.replace("://", f"://admin:{CANARY_PASSWORD}@")
    for args in (COMMANDS["publish"], COMMANDS["diff"], ("watch", "--publish", "--org", ORG)):
        run = cli(*args, "--grafana-url", with_password, env=grafana.token_env())
        assert_one_sentence(run, code=2, contains=("holds credentials", "admin:***@"))
        assert CANARY_PASSWORD not in run.output
    assert grafana.emulator.request_log == []

    created = cli("org", "create", "neworg", "--grafana-url", with_password)
    assert created.code == 0, created.output
    assert CANARY_PASSWORD not in created.output
    (project / "dashgen.toml").write_text(f'grafana_url = "{with_password}"\n' + CONFIG)
    in_config = cli("build")
    assert_one_sentence(in_config, code=2, contains=("grafana_url", "holds credentials"))
    assert CANARY_PASSWORD not in in_config.output


def test_grafana_under_a_sub_path_works(cli: Cli, grafana: Grafana) -> None:
    with SubPathProxy(grafana.url, "/grafana") as proxy:
        admin = {"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
        boot = cli("bootstrap", "neworg", "--grafana-url", proxy.url + "/", env=admin)
        published = cli(
            "publish", "--org", ORG, "--grafana-url", proxy.url, env=grafana.token_env()
        )
        again = cli("diff", "--org", ORG, "--grafana-url", proxy.url, env=grafana.token_env())
        wrong = cli("diff", "--org", ORG, "--grafana-url", proxy.url + "x", env=grafana.token_env())
        at_root = cli("diff", "--org", ORG, "--grafana-url", proxy.url[: -len("/grafana")])

    assert boot.code == 0, boot.output
    assert published.code == 0, published.output
    assert "3 created" in published.stdout
    assert again.code == 0 and "3 unchanged" in again.stdout
    assert len(grafana.emulator.dashboards(grafana.org_id)) == 3
    assert_one_sentence(wrong, code=1, contains=("/grafanax/api/org", "404 text/html"))
    assert "folder was not found" not in wrong.output
    assert at_root.code in (1, 2)


def test_store_keys_keep_the_sub_path(cli: Cli, grafana: Grafana, home: Home) -> None:
    with SubPathProxy(grafana.url, "/grafana") as proxy:
        admin = {"GRAFANA_ADMIN_PASSWORD": CANARY_PASSWORD}
        assert cli("bootstrap", ORG, "--grafana-url", proxy.url, env=admin).code == 0
        stored = json.loads(home.store_path.read_text())["grafana"]
        published = cli("publish", "--org", ORG, "--grafana-url", proxy.url + "/")
    assert list(stored) == [proxy.url]
    assert published.code == 0, published.output


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:3000",
        "HTTP://LOCALHOST:3000/",
        "https://grafana.example.com/grafana",
        "https://grafana.example.com/monitoring/grafana/",
        "http://[::1]:3000",
        " https://grafana.example.com ",
    ],
)
def test_good_urls_pass_and_are_cleaned(url: str) -> None:
    assert grafana_url_problem(url) is None
    cleaned = checked_grafana_url(url, origin="--grafana-url")
    assert cleaned == clean_grafana_url(url)
    assert not cleaned.endswith("/") and cleaned == cleaned.strip()
    assert cleaned.startswith(("http://", "https://"))


def test_dashboard_links_under_a_sub_path_are_not_doubled(cli: Cli, grafana: Grafana) -> None:
    """The emulator answers /d/<uid>/… (behind a path-stripping proxy); Grafana with
    root_url …/grafana/ answers /grafana/d/<uid>/…: both give the same link."""
    saved = as_json({"status": "success", "uid": "x", "version": 1, "url": "/grafana/d/x/x"})
    with SubPathProxy(grafana.url, "/grafana") as plain:
        run = cli(
            "publish",
            "--org",
            ORG,
            "--output",
            "json",
            "--grafana-url",
            plain.url,
            env=grafana.token_env(),
        )
    with Proxy(grafana.url, "/grafana", {"POST /api/dashboards/db": saved}) as with_sub_path:
        other = cli(
            "publish",
            "--org",
            "otherorg",
            "--output",
            "json",
            "--grafana-url",
            with_sub_path.url,
            env=grafana.token_env(),
        )
    urls = [r["url"] for r in run.json_lines() if "uid" in r]
    assert urls and all(u.startswith(f"{plain.url}/d/") for u in urls), urls
    other_urls = [r["url"] for r in other.json_lines() if "uid" in r]
    assert other_urls == [f"{with_sub_path.url}/d/x/x"] * 3


@pytest.mark.parametrize(
    "url",
    ["http://admin:{pw}@[::1", "http://admin:{pw}@127.0.0.1:99999", "http://admin:{pw}@h:0"],
)
def test_a_url_too_broken_to_parse_still_loses_its_password(cli: Cli, url: str) -> None:
    url = url.format(pw=CANARY_PASSWORD)
    for args in (("org", "create", ORG), ("publish", "--org", ORG)):
        run = cli(*args, "--grafana-url", url)
        assert_one_sentence(run, code=2, contains=("from --grafana-url",))
        assert CANARY_PASSWORD not in run.output and "internal error" not in run.output

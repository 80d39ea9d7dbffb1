"""Which dashboard API publishes (grafana-apis.md §9): auto, classic or k8s from
``[grafana] api``, ``--api`` or env ``DASHGEN_API``; said in ``-v`` and ``--output json``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from backends_support import CONFIG, K8S_DASHBOARDS, Setup, dashboard, make_setup

from dashgen.testing import EmulatorServer
from dashgen.testing.profiles import profile_for

MakeServer = Callable[..., EmulatorServer]


@pytest.mark.parametrize(
    ("version", "api", "path"),
    [
        ("11.2", "classic", "/api/dashboards/db"),
        ("12.0", "k8s", "/apis/dashboard.grafana.app/v1beta1/namespaces/*/dashboards"),
        ("13.0", "k8s", "/apis/dashboard.grafana.app/v1/namespaces/*/dashboards"),
    ],
)
def test_auto_follows_what_the_server_serves(
    tmp_path: Path, make_grafana_server: MakeServer, version: str, api: str, path: str
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version=version)
    setup.source(dashboard("a"))

    run = setup.publish("--output", "json")

    assert run.code == 0, run.output
    (summary,) = [line for line in run.json_lines() if "summary" in line]
    backend = summary["backends"]["apiorg"]
    assert ("/apis (dashboard.grafana.app/" in backend) is (api == "k8s"), backend
    assert "api auto (default)" in backend
    assert len(setup.requests("POST", path)) == 1
    # The same dashboard is unchanged the next time, whichever API wrote it.
    again = setup.publish()
    assert again.code == 0 and "1 unchanged" in again.stdout, again.output
    (item,) = setup.diff("--output", "json").json_lines()
    assert item["status"] == "unchanged" and item["backend"] == backend


def test_only_alpha_versions_mean_the_classic_api(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    """12.0.0 served v1alpha1 (renamed v1beta1 in 12.0.1): not a stable contract."""
    alpha = dataclasses.replace(
        profile_for("12.0"), apis_dashboard_versions=("v1alpha1", "v0alpha1")
    )
    setup = make_setup(tmp_path, make_grafana_server, profile=alpha)
    setup.source(dashboard("a"))

    run = setup.dashgen("-v", "publish", "--org", "apiorg", "--grafana-url", setup.server.url)

    assert run.code == 0, run.output
    assert "offers only v1alpha1, v0alpha1 (alpha: not stable)" in run.stderr
    assert "the classic API" in run.stderr
    assert len(setup.requests("POST", "/api/dashboards/db")) == 1
    assert setup.requests("POST", K8S_DASHBOARDS) == []


def test_k8s_asked_of_a_grafana_without_apis_is_exit_2_and_sends_nothing(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version="11.2")
    setup.source(dashboard("a"))

    run = setup.publish("--api", "k8s")

    assert run.code == 2, run.output
    assert "api k8s (--api)" in run.stderr and "does not serve /apis" in run.stderr
    assert [e for e in setup.emulator.request_log if e.method != "GET"] == []


def test_classic_asked_of_grafana_13_uses_the_classic_api(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version="13.0")
    (setup.root / "dashgen.toml").write_text(CONFIG + '\n[grafana]\napi = "classic"\n')
    setup.source(dashboard("a"))

    run = setup.dashgen("-v", "publish", "--org", "apiorg", "--grafana-url", setup.server.url)

    assert run.code == 0, run.output
    assert "api classic ([grafana] api in dashgen.toml)" in run.stderr
    assert len(setup.requests("POST", "/api/dashboards/db")) == 1
    assert setup.requests("GET", "/apis") == []  # classic asks nothing
    # The option wins over the config, the environment over the config too.
    setup.source(dashboard("a", "Dashboard a v2"))
    by_option = setup.publish("--api", "k8s", "--output", "json")
    assert by_option.code == 0, by_option.output
    assert "api k8s (--api)" in by_option.stdout
    assert len(setup.requests("PUT", f"{K8S_DASHBOARDS}/a")) == 1


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("config", "grafana.api must be one of auto, classic, k8s, got 'apis'"),
        ("env", "env DASHGEN_API='apis' is not a dashboard API"),
        ("option", "Invalid value for '--api'"),
    ],
)
def test_a_bad_value_is_exit_2_naming_where_it_came_from(
    tmp_path: Path, make_grafana_server: MakeServer, where: str, named: str
) -> None:
    setup: Setup = make_setup(tmp_path, make_grafana_server, version="13.0")
    setup.source(dashboard("a"))
    if where == "config":
        (setup.root / "dashgen.toml").write_text(CONFIG + '\n[grafana]\napi = "apis"\n')
    env = {"DASHGEN_API": "apis"} if where == "env" else None
    args = ("--api", "apis") if where == "option" else ()

    for run in (setup.publish(*args, env=env), setup.diff(*args, env=env)):
        assert run.code == 2, run.output
        assert named in run.stderr
    assert setup.emulator.request_log == []

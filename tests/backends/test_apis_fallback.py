"""``--api auto`` falls back to the classic API when /apis does not work for this token or
URL (``dashgen.grafana.fallback``): a reverse proxy that forwards only /api (its own 404 on
/apis), a 403 for the dashboard group, a 404 on the dashboards resource (not registered).
One warning names the status and the path; nothing is written through /apis first. A 401
is the token's problem, never a fallback; ``--api k8s`` stays strict."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from backends_support import K8S_DASHBOARDS, ORG, Setup, dashboard, make_setup

from dashgen.config import load_config
from dashgen.grafana.client import Connection
from dashgen.grafana.discovery import ApiChoice
from dashgen.publish import OrgSession
from dashgen.testing import EmulatorServer
from dashgen.testing.profiles import profile_for

MakeServer = Callable[..., EmulatorServer]
ON_APIS = "/apis/*"
CLASSIC_WRITES = [("POST", "/api/folders"), ("POST", "/api/dashboards/db")]
LIST_PATH = "/apis/dashboard.grafana.app/v1/namespaces/org-2/dashboards"

# failure → what the warning says (status and path)
SAID = {
    "proxy": "GET /apis answers 404 (an HTML page), although Grafana 13.0.0 serves it",
    "denied": (
        f"GET {LIST_PATH} answered 403 (dashboards.dashboard.grafana.app is forbidden: User "
        '"sa-2-dashgen" cannot list resource "dashboards" in API group "dashboard.grafana.app" '
        'in the namespace "org-2")'
    ),
    "unregistered": (
        f"GET {LIST_PATH} answered 404 (the server could not find the requested resource)"
    ),
}


def failing(tmp_path: Path, make_server: MakeServer, failure: str) -> Setup:
    profile = dataclasses.replace(profile_for("13.0"), apis_failure=failure)
    setup = make_setup(tmp_path, make_server, profile=profile)
    setup.source(dashboard("a"))
    return setup


def writes(setup: Setup, prefix: str) -> list[tuple[str, str]]:
    """The writes (not GET) sent under ``prefix``, dry runs included."""
    return [
        (e.method, e.path)
        for e in setup.emulator.request_log
        if e.method != "GET" and (e.path == prefix or e.path.startswith(prefix + "/"))
    ]


def warnings(run_stderr: str) -> list[str]:
    return [line for line in run_stderr.splitlines() if "not /apis" in line]


@pytest.mark.parametrize("failure", ["proxy", "denied", "unregistered"])
def test_auto_falls_back_to_the_classic_api_with_one_warning(
    tmp_path: Path, make_grafana_server: MakeServer, failure: str
) -> None:
    setup = failing(tmp_path, make_grafana_server, failure)

    run = setup.publish("--api", "auto")

    assert run.code == 0, run.output
    (warning,) = warnings(run.stderr)
    assert warning.startswith(
        "warning dashgen.grafana.fallback: org 'apiorg': dashboards go "
        "through the classic API (/api), not /apis: "
    ), warning
    assert SAID[failure] in warning
    assert "nothing was written through /apis (api auto (--api))" in warning
    assert writes(setup, "/apis") == []  # not one write (nor a dry run) on /apis
    assert [w for w in writes(setup, "/api") if w in CLASSIC_WRITES] == [
        ("POST", "/api/folders"),  # (the folder, then the publish lock's)
        ("POST", "/api/folders"),
        ("POST", "/api/dashboards/db"),
    ]
    # The next run says it again, and finds the dashboard unchanged through /api.
    again = setup.publish("--api", "auto")
    assert again.code == 0 and "1 unchanged" in again.stdout, again.output
    assert len(warnings(again.stderr)) == 1
    assert writes(setup, "/apis") == []


@pytest.mark.parametrize(
    ("failure", "code", "said"),
    [
        ("proxy", 2, "does not serve /apis: it answers 404 (an HTML page)"),
        ("denied", 1, SAID["denied"]),
        ("unregistered", 2, SAID["unregistered"]),
    ],
)
def test_k8s_stays_strict_and_sends_nothing(
    tmp_path: Path, make_grafana_server: MakeServer, failure: str, code: int, said: str
) -> None:
    setup = failing(tmp_path, make_grafana_server, failure)

    run = setup.publish("--api", "k8s")

    assert run.code == code, run.output
    assert "choosing the dashboard API of org 'apiorg': api k8s (--api): " in run.stderr
    assert said in run.stderr
    assert "use api auto or classic" in run.stderr
    assert warnings(run.stderr) == []
    assert [e for e in setup.emulator.request_log if e.method != "GET"] == []


def test_a_401_on_apis_is_an_auth_error_not_a_fallback(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version="13.0")
    setup.source(dashboard("a"))
    setup.emulator.faults.add("GET", LIST_PATH, status=401, times=None)

    run = setup.publish("--api", "auto")

    assert run.code != 0, run.output
    assert "Grafana rejected the token from env DASHGEN_TOKEN_APIORG" in run.stderr
    assert [e.status for e in setup.requests("GET", LIST_PATH, probes=True)] == [401]
    assert warnings(run.stderr) == []
    assert [e for e in setup.emulator.request_log if e.method != "GET"] == []


def test_a_working_apis_is_used_after_one_small_read(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    """The check is one ``LIST ?limit=1`` of the org's dashboards, then /apis as before."""
    setup = make_setup(tmp_path, make_grafana_server, version="13.0")
    setup.source(dashboard("a"))

    run = setup.publish("--api", "auto")

    assert run.code == 0, run.output
    assert warnings(run.stderr) == []
    probes = [e for e in setup.requests("GET", K8S_DASHBOARDS, probes=True) if e.query == "limit=1"]
    assert len(probes) == 1 and probes[0].status == 200
    assert len(setup.requests("POST", K8S_DASHBOARDS)) == 1
    assert setup.requests("POST", "/api/dashboards/db") == []


def test_grafana_11_without_apis_is_classic_without_a_warning(
    tmp_path: Path, make_grafana_server: MakeServer
) -> None:
    setup = make_setup(tmp_path, make_grafana_server, version="11.2")
    setup.source(dashboard("a"))

    run = setup.publish("--api", "auto")

    assert run.code == 0, run.output
    assert warnings(run.stderr) == [] and "warning" not in run.stderr
    assert len(setup.requests("GET", "/api/frontend/settings")) == 1  # asked once, kept
    assert len(setup.requests("POST", "/api/dashboards/db")) == 1


def test_a_session_that_wrote_through_apis_never_reopens_on_the_classic_api(
    tmp_path: Path, make_grafana_server: MakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reopened session (after a rejected token, in ``watch``) asks again; when /apis now
    refuses, it fails the org instead of switching to /api within the run."""
    setup = make_setup(tmp_path, make_grafana_server, version="13.0")
    monkeypatch.setenv("DASHGEN_TOKEN_APIORG", setup.token)
    choice = ApiChoice("auto", "--api")
    connection = Connection(url=setup.server.url, api=choice, allow_insecure_http=True)
    with OrgSession(load_config(setup.root), ORG, connection=connection) as session:
        assert session.open() is None and session.api_name == "k8s"
        session.close()
        setup.emulator.faults.add("GET", LIST_PATH, status=403, times=None)

        said = session.open()

    assert said is not None and "went through the k8s dashboard API earlier" in said
    assert "not switching APIs within one run" in said and "answered 403" in said
    assert not session.is_open

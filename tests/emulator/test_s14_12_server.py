"""Contract §14.12 and the issue's robustness items: non-/api paths answer Grafana's HTML
page; HEAD and OPTIONS are answered as Grafana's router does; a client that hangs up early
prints nothing; ``--seed``, ``--min-refresh-interval`` and ``--datasource``."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import pytest
from emulator_api import ADMIN, Api, basic_header

from dashgen.testing import Emulator, EmulatorServer


def test_s14_12_paths_outside_api_answer_the_html_index(api: Api) -> None:
    wrong_sub_path = api.get("/grafana/api/org")
    assert wrong_sub_path.status_code == 404
    assert wrong_sub_path.headers["content-type"] == "text/html; charset=UTF-8"
    assert "<title>Grafana</title>" in wrong_sub_path.text
    login = api.get("/login", user=None)
    assert (login.status_code, login.headers["content-type"]) == (200, "text/html; charset=UTF-8")
    assert api.get("/", user=None).status_code == 302
    assert api.get("/", user=None).headers["location"] == "/login"
    assert api.get("/").status_code == 200
    assert api.get("/d/abc/some-slug").status_code == 200


def test_s14_12_unknown_api_paths_stay_json(api: Api) -> None:
    response = api.get("/api/nope")
    assert (response.status_code, response.json()) == (404, {"message": "Not found"})


def test_unknown_routes_need_a_signed_in_caller_as_grafanas_not_found_route_does(
    api: Api,
) -> None:
    """``web.NotFound(..., middleware.ReqSignedIn, hs.NotFoundHandler)`` (http_server.go):
    anonymous callers and bad tokens get the 401 of any signed-in route on /api and /apis,
    and pages send them to the login page; a signed-in caller gets the 404."""
    for path in ("/api/nope", "/apis/nope.grafana.app/v1"):
        anonymous = api.get(path, user=None)
        assert anonymous.status_code == 401, path
        assert anonymous.json()["message"] == "Unauthorized", path
        bad_token = api.get(path, user=None, headers={"Authorization": "Bearer glsa_nope"})
        assert bad_token.status_code == 401, path
        assert api.get(path).status_code == 404, path
    for method in ("GET", "POST"):
        page = api.call(method, "/no/such/page", user=None)
        assert (page.status_code, page.headers["location"]) == (302, "/login"), method
        assert api.call(method, "/no/such/page").status_code == 404, method
    assert api.get("/login", user=None).status_code == 200


def test_a_page_redirects_to_login_as_go_and_grafana_write_it(api: Api) -> None:
    """``notAuthorized`` sets the ``redirect_to`` cookie, then Go's ``http.Redirect`` writes
    a small HTML body for GET (HTML type for HEAD too, no body for other methods)."""
    page = api.get("/d/abc/some-slug", user=None, params={"orgId": "1"})
    assert page.status_code == 302 and page.headers["location"] == "/login"
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text == '<a href="/login">Found</a>.\n\n'
    cookie = page.headers["set-cookie"]
    assert (
        cookie == "redirect_to=%2Fd%2Fabc%2Fsome-slug%3ForgId%3D1; Path=/; HttpOnly; SameSite=Lax"
    )
    home = api.get("/", user=None)
    assert home.status_code == 302 and "set-cookie" not in home.headers  # none for "/"
    posted = api.post("/somewhere", user=None)
    assert posted.status_code == 302 and posted.content == b""
    assert "content-type" not in posted.headers


def test_head_is_answered_like_get_without_a_body(api: Api) -> None:
    api.save({"title": "x", "uid": "h"})
    found = api.call("HEAD", "/api/dashboards/uid/h")
    missing = api.call("HEAD", "/api/dashboards/uid/nope")
    assert (found.status_code, found.content) == (200, b"")
    assert (missing.status_code, missing.content) == (404, b"")
    assert api.get("/api/dashboards/uid/h").status_code == 200  # the connection is in step


@pytest.mark.parametrize("method", ["OPTIONS", "PROPFIND", "TRACE"])
def test_methods_without_routes_are_not_found_not_501(api: Api, method: str) -> None:
    response = api.call(method, "/api/dashboards/db")
    assert (response.status_code, response.json()) == (404, {"message": "Not found"})


def _wait_until(condition: Callable[[], bool], timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _reset(sock: socket.socket) -> None:
    """Close with an RST, as a client that crashed would."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_clients_that_hang_up_early_print_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    emulator = Emulator()
    emulator.save_dashboard(1, {"title": "big", "uid": "big", "blob": "x" * 2_000_000})
    auth = basic_header(*ADMIN).encode()
    with EmulatorServer(emulator) as server:
        address = (server.host, server.port)
        # 1. Half a body, then gone.
        with socket.create_connection(address) as sock:
            sock.sendall(
                b"POST /api/dashboards/db HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
            )
        # 2. Asks for a large answer and resets the connection before reading it.
        sock = socket.create_connection(address)
        sock.sendall(
            b"GET /api/dashboards/uid/big HTTP/1.1\r\nHost: x\r\nAuthorization: "
            + auth
            + b"\r\n\r\n"
        )
        _wait_until(lambda: len(emulator.request_log) == 1)
        _reset(sock)
        # 3. Connects and says nothing.
        socket.create_connection(address).close()
        _wait_until(lambda: not server._server._open)  # every handler has finished
        assert httpx.get(f"{server.url}/api/health").status_code == 200
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Error" not in captured.err


def test_emulators_hand_out_different_tokens_unless_seeded() -> None:
    assert Emulator().create_service_account_token(1) != Emulator().create_service_account_token(1)
    first, second = Emulator(seed=5), Emulator(seed=5)
    assert first.create_service_account_token(1) == second.create_service_account_token(1)


def _new_uid(url: str) -> str:
    auth = {"Authorization": basic_header(*ADMIN)}
    body = {"dashboard": {"title": "x"}}
    return httpx.post(f"{url}/api/dashboards/db", json=body, headers=auth).json()["uid"]


def test_cli_seed_min_refresh_interval_and_datasources(serve: Callable[..., str]) -> None:
    url = serve(
        "--seed",
        "3",
        "--min-refresh-interval",
        "30s",
        "--datasource",
        "Prometheus:prometheus:prom",
        "--datasource",
        "Loki:loki",
    )
    auth = {"Authorization": basic_header(*ADMIN)}
    listed = httpx.get(f"{url}/api/datasources", headers=auth).json()
    assert [(d["name"], d["type"], d["orgId"]) for d in listed] == [
        ("Loki", "loki", 1),
        ("Prometheus", "prometheus", 1),
    ]
    assert listed[1]["uid"] == "prom"
    settings = httpx.get(f"{url}/api/frontend/settings", headers=auth).json()
    assert settings["minRefreshInterval"] == "30s"
    assert _new_uid(serve("--seed", "3")) == _new_uid(serve("--seed", "3"))
    assert _new_uid(serve()) != _new_uid(serve())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--datasource", "just-a-name"], "expected NAME:TYPE[:UID]"),
        (["--min-refresh-interval", "often"], "is not a duration"),
    ],
)
def test_cli_refuses_bad_options(args: list[str], message: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dashgen.testing", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert run.returncode == 2
    assert message in run.stderr

"""The preview server over real HTTP on 127.0.0.1: routes, headers, events, refusals."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from preview_helpers import dashboard, panel, write_project

from dashgen.build import BuildResult, build
from dashgen.config import load_config
from dashgen.errors import DashgenError
from dashgen.model.validate import Problem
from dashgen.preview import PreviewServer, PreviewState
from dashgen.watch.status import StatusKind, WatchStatus


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[PreviewServer, Path]]:
    root = write_project(
        tmp_path / "project",
        {
            "dashboards/one.json": dashboard("one", "One", [panel("A", 0, 0, 12, 8)]),
            "dashboards/two.json": dashboard("two", "Two", [panel("B", 0, 0, 24, 4)], tags=["t"]),
        },
    )
    result = build(load_config(root))
    assert result.ok
    state = PreviewState(grafana_url="https://grafana.example")
    state.on_status(WatchStatus(StatusKind.BUILT, result=result, initial=True))
    with PreviewServer(state, port=0) as server:
        yield server, root


def get(server: PreviewServer, path: str, host: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Host": host} if host else {}
    connection.request("GET", path, headers=headers)
    return connection.getresponse()


def test_pages_data_and_built_json_are_served(served: tuple[PreviewServer, Path]) -> None:
    server, root = served
    index = json.loads(get(server, "/api/index").read())
    assert [(d["uid"], d["panels"]) for d in index["dashboards"]] == [("one", 1), ("two", 1)]
    assert index["build"]["state"] == "ok"
    page = json.loads(get(server, "/api/dashboard/_default/two").read())
    assert page["title"] == "Two" and page["tags"] == ["t"]
    assert page["links"]["grafana"] == "https://grafana.example/d/two"
    response = get(server, "/build/_default/one.json")
    assert response.getheader("Content-Type") == "application/json"
    assert response.read() == (root / "build" / "_default" / "one.json").read_bytes()
    for path, kind in [
        ("/", "text/html"),
        ("/d/_default/one", "text/html"),
        ("/static/grid.js", "text/javascript"),
        ("/static/preview.css", "text/css"),
    ]:
        response = get(server, path)
        assert response.status == 200 and response.getheader("Content-Type").startswith(kind)
        assert "script-src 'self'" in response.getheader("Content-Security-Policy")
        assert response.getheader("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/build/../dashboards/one.json",
        "/build/_default/../../dashgen.toml.json",
        "/static/../server.py",
        "/static/%2e%2e/state.py",
        "/api/dashboard/_default/nope",
        "/build/_default/nope.json",
        "/nothing",
    ],
)
def test_only_the_current_build_and_the_shipped_assets_are_served(
    served: tuple[PreviewServer, Path], path: str
) -> None:
    assert get(served[0], path).status == 404


def test_a_page_of_another_host_name_is_refused(served: tuple[PreviewServer, Path]) -> None:
    # DNS rebinding: a web page whose name resolves to 127.0.0.1 must not read the build.
    assert get(served[0], "/api/index", host="attacker.example:8765").status == 403
    assert get(served[0], "/api/index", host=f"localhost:{served[0].port}").status == 200


def test_every_change_of_state_is_pushed_as_an_event(served: tuple[PreviewServer, Path]) -> None:
    server, _ = served
    response = get(server, "/events")
    assert response.getheader("Content-Type") == "text/event-stream"
    first = _read_event(response)
    server.state.on_status(WatchStatus(StatusKind.CONFIG_ERROR, message="dashgen.toml: bad"))
    second = _read_event(response)
    assert int(second) == int(first) + 1
    assert json.loads(get(server, "/api/index").read())["build"]["state"] == "config-error"


def _read_event(response: http.client.HTTPResponse) -> str:
    data = None
    while True:
        line = response.readline().decode().rstrip("\n")
        if line.startswith("data: "):
            data = line.removeprefix("data: ")
        elif not line and data is not None:
            return data


def test_a_failed_build_is_shown_above_the_last_good_list(
    served: tuple[PreviewServer, Path],
) -> None:
    server, _ = served
    error = Problem("error", "invalid JSON", Path("dashboards/one.json"), 3)
    failed = BuildResult(dashboards=[], problems=[error])
    server.state.on_status(WatchStatus(StatusKind.FAILED, result=failed))
    index = json.loads(get(server, "/api/index").read())
    assert index["build"]["state"] == "failed"
    assert index["build"]["problems"][0]["text"] == "dashboards/one.json:3: error: invalid JSON"
    assert [d["uid"] for d in index["dashboards"]] == ["one", "two"]


def test_a_port_in_use_is_one_clear_sentence() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(
            DashgenError, match=f"127.0.0.1:{port}: the port is in use; pass --port"
        ):
            PreviewServer(PreviewState(), port=port)

"""A failure's sentence says how often the request was sent ("N times": the requests the
server saw), not a vague "after several attempts" that a request sent once also said.

The real CLI in a process of its own against the emulator over real HTTP.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from cli_project import run_publish, seed_orgs, write_project
from publish_support import ORG, add_fault, routes

from dashgen.testing import Emulator, EmulatorServer

UIDS = ["d0"]


def _failures(run_output: str) -> dict[str, str]:
    lines = [json.loads(line) for line in run_output.splitlines()]
    return {line["uid"]: line["error"] for line in lines if line.get("action") == "failed"}


def _sent(emulator: Emulator, method: str, path: str) -> int:
    """Requests of the current API that do what ``method path`` does (no dry runs)."""
    return sum(
        1
        for e in emulator.request_log
        for m, p in routes(method, path)
        if e.method == m and fnmatchcase(e.path, p) and "dryRun" not in e.query
    )


@pytest.mark.parametrize(
    "route", [("POST", "/api/dashboards/db"), ("POST", "/api/folders")], ids=["save", "folder"]
)
def test_a_write_that_keeps_failing_says_how_often_it_was_sent(
    tmp_path: Path, emulator: Emulator, route: tuple[str, str]
) -> None:
    _ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: UIDS})
    with EmulatorServer(emulator) as server:
        add_fault(emulator, *route, status=503, times=None)
        run = run_publish(tmp_path, server, tokens, "--org", ORG, "--output", "json")
    assert run.returncode == 1, run.stdout + run.stderr
    error = _failures(run.stdout)["d0"]
    sent = _sent(emulator, *route)
    assert sent > 1
    assert "Grafana answered 503" in error and f"{sent} times" in error, error
    assert "several attempts" not in error and "not retried" not in error

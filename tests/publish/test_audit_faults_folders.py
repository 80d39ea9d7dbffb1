"""A folder that cannot be ensured: only a create that was sent and lost its answer may
have made the folder ("may have been created all the same"); a folder whose read failed,
with no create sent, is never said to be maybe created.

The real CLI in a process of its own against the emulator over real HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_project import run_publish, seed_orgs, write_project
from publish_support import ORG, routes

from dashgen.publish.nested_folders import FOLDER_MAY_EXIST
from dashgen.testing import Emulator, EmulatorServer

UIDS = ["d0", "d1"]


def _failures(run_output: str) -> dict[str, str]:
    lines = [json.loads(line) for line in run_output.splitlines()]
    return {line["uid"]: line["error"] for line in lines if line.get("action") == "failed"}


def test_a_folder_read_that_fails_sends_no_create_and_says_no_maybe(
    tmp_path: Path, emulator: Emulator
) -> None:
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: UIDS})
    with EmulatorServer(emulator) as server:
        assert run_publish(tmp_path, server, tokens, "--org", ORG).returncode == 0
        for uid in UIDS:  # (a change to publish)
            (tmp_path / "dashboards" / ORG / f"{uid}.json").write_text(
                json.dumps({"uid": uid, "title": f"Changed {uid}", "schemaVersion": 39})
            )
        for method, path in routes("GET", "/api/folders/platform"):
            emulator.faults.add(method, path, status=503, times=None)
        emulator.clear_request_log()
        run = run_publish(tmp_path, server, tokens, "--org", ORG, "--output", "json")
    assert run.returncode == 1, run.stdout + run.stderr
    failures = _failures(run.stdout)
    assert sorted(failures) == UIDS, run.stdout
    for error in failures.values():
        assert "ensuring folder 'Platform' (uid platform)" in error and "503" in error
        assert FOLDER_MAY_EXIST not in error and "may have been created" not in error
    creates = [m for m, p in routes("POST", "/api/folders")]
    assert not [e for e in emulator.request_log if e.method in creates and "folder" in e.path]
    assert {d.title for d in emulator.dashboards(ids[ORG])} == {f"Dashboard {u}" for u in UIDS}


def test_a_folder_create_without_an_answer_may_have_made_it(
    tmp_path: Path, emulator: Emulator
) -> None:
    """(The create answered 503: it may have landed, for all the client knows.)"""
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: UIDS})
    with EmulatorServer(emulator) as server:
        for method, path in routes("POST", "/api/folders"):
            emulator.faults.add(method, path, status=503, times=None)
        run = run_publish(tmp_path, server, tokens, "--org", ORG, "--output", "json")
    assert run.returncode == 1, run.stdout + run.stderr
    failures = _failures(run.stdout)
    assert sorted(failures) == UIDS, run.stdout
    assert all(error.endswith(FOLDER_MAY_EXIST) for error in failures.values()), failures
    assert not emulator.dashboards(ids[ORG])

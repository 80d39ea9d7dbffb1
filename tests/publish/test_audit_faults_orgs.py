"""An org that fails as a whole partway through its writes (its token revoked mid-publish:
Grafana answers 401 to every later save) is not "nothing was published": the error line
says how many of its dashboards went out and how many were not sent, while an org that
failed before any write still says nothing was published to it.

The real CLI in a process of its own against the emulator over real HTTP; what the
report says is compared with what the emulator holds.
"""

from __future__ import annotations

from pathlib import Path

from cli_project import run_publish, seed_orgs, write_project
from publish_support import ORG, OTHER_ORG, routes

from dashgen.publish.lock import LOCK_FOLDER_UID
from dashgen.testing import Emulator, EmulatorServer

UIDS = ["d0", "d1", "d2", "d3"]


def _revoked_after_the_first_save(emulator: Emulator) -> None:
    """Every save after the first answered 401, as for a token revoked meanwhile."""
    for method, path in routes("POST", "/api/dashboards/db"):
        emulator.faults.add(method, path, status=401, after=1, times=None, dry_runs=False)


def test_an_org_failing_after_a_write_says_what_went_out(
    tmp_path: Path, emulator: Emulator
) -> None:
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: UIDS})
    with EmulatorServer(emulator) as server:
        _revoked_after_the_first_save(emulator)
        run = run_publish(tmp_path, server, tokens, "--org", ORG, "--concurrency", "1")
    stored = sorted(d.uid for d in emulator.dashboards(ids[ORG]) if d.uid in UIDS)
    assert run.returncode == 1, run.stdout + run.stderr
    assert len(stored) == 1, stored
    assert f"created      {ORG}/{stored[0]}" in run.stdout
    assert "1 created, 3 not sent (org apiorg failed)" in run.stdout
    assert "invalid, expired or revoked" in run.stderr
    assert "nothing was published" not in run.stderr, run.stderr
    assert run.stderr.rstrip().endswith(f"Error: org {ORG} failed after 1 written (3 not sent)")


def test_all_orgs_one_failed_before_and_one_midway(tmp_path: Path, emulator: Emulator) -> None:
    """The other org's token is revoked before the run: nothing was published to it."""
    ids, tokens = seed_orgs(emulator, ORG, OTHER_ORG)
    write_project(tmp_path, {ORG: UIDS, OTHER_ORG: ["o0", "o1"]})
    emulator.revoke_token(tokens[OTHER_ORG])
    with EmulatorServer(emulator) as server:
        _revoked_after_the_first_save(emulator)
        run = run_publish(tmp_path, server, tokens, "--all-orgs", "--concurrency", "1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert len([d for d in emulator.dashboards(ids[ORG]) if d.uid in UIDS]) == 1
    assert not emulator.dashboards(ids[OTHER_ORG])
    assert "1 created, 5 not sent (org apiorg, otherorg failed)" in run.stdout, run.stdout
    expected = (
        f"Error: nothing was published to org {OTHER_ORG}; "
        f"org {ORG} failed after 1 written (3 not sent)"
    )
    assert run.stderr.rstrip().endswith(expected), run.stderr


def test_a_lock_that_cannot_be_handed_back_is_said(tmp_path: Path, emulator: Emulator) -> None:
    """The token revoked mid-publish also refuses the lock's hand-back: the lock folder is
    left, and the report says so (others wait for it to go stale), instead of nothing."""
    ids, tokens = seed_orgs(emulator, ORG)
    write_project(tmp_path, {ORG: UIDS})
    with EmulatorServer(emulator) as server:
        _revoked_after_the_first_save(emulator)
        for method, path in routes("GET", f"/api/folders/{LOCK_FOLDER_UID}"):
            emulator.faults.add(method, path, status=401, after=1, times=None)  # (peek passes)
        for method, path in routes("DELETE", f"/api/folders/{LOCK_FOLDER_UID}"):
            emulator.faults.add(method, path, status=401, times=None)
        run = run_publish(tmp_path, server, tokens, "--org", ORG, "--concurrency", "1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert LOCK_FOLDER_UID in emulator.folder_uids(ids[ORG])  # left behind
    warning = f"warning: org {ORG}: the publish lock (folder {LOCK_FOLDER_UID}) could not be "
    assert warning + "handed back (" in run.stderr, run.stderr
    assert "waits for it to go stale (45 s without renewal), or delete that folder" in run.stderr

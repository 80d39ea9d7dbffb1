"""Issue 11, watch: a folder of sources replaced as a whole (``mv team old && mv new team``,
or deleted and made again while another source is broken) comes as one event for the
folder; every source under it is checked by content, so no output stays stale."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from watch_helpers import TIMEOUT_S, WatchRun, output, view_json

from dashgen.build import Builder
from dashgen.config import load_config
from dashgen.watch.status import StatusKind, WatchStatus
from line_reader import LineReader

StartWatch = Callable[..., WatchRun]


def _team(folder: Path, version: str) -> None:
    folder.mkdir(parents=True)
    for uid in ("team-a", "team-b"):
        (folder / f"{uid}.json").write_text(view_json(uid, f"{uid} {version}"))


def _title(project: Path, uid: str) -> str:
    return json.loads(output(project, uid).read_text())["title"]


def _titles_are(project: Path, version: str) -> Callable[[WatchStatus], bool]:
    def done(status: WatchStatus) -> bool:
        if status.kind != StatusKind.BUILT:
            return False
        return all(_title(project, uid) == f"{uid} {version}" for uid in ("team-a", "team-b"))

    return done


def test_a_folder_event_alone_rechecks_every_source_under_it(project: Path) -> None:
    """What the watcher hands over for ``mv new dashboards/team``: the folder, nothing else."""
    team = project / "dashboards" / "team"
    _team(team, "v1")
    builder = Builder(load_config(project))
    assert builder.build().ok
    shutil.move(team, project / "old")
    _team(project / "new", "v2")
    shutil.move(project / "new", team)

    result = builder.build(changed_paths={team})

    assert result.ok
    assert {d.uid for d in result.rebuilt} == {"team-a", "team-b"}
    assert _title(project, "team-a") == "team-a v2" and _title(project, "team-b") == "team-b v2"


def test_folder_replaced_with_mv_in_a_real_watch_process(project: Path) -> None:
    team = project / "dashboards" / "team"
    _team(team, "v1")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "dashgen", "-C", str(project), "watch", "--step-ms", "10"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        stdout = LineReader(process.stdout, TIMEOUT_S)
        stdout.wait_for("watching")
        _team(project / "new", "v2")

        os.rename(team, project / "old")  # mv dashboards/team old && mv new dashboards/team
        os.rename(project / "new", team)

        line = stdout.wait_for("rebuilt")
        while "team-a" not in line or "team-b" not in line:
            line = stdout.wait_for("rebuilt")
        assert _title(project, "team-a") == "team-a v2"
        assert _title(project, "team-b") == "team-b v2"
        process.send_signal(signal.SIGINT)
        assert process.wait(TIMEOUT_S) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "no dashboard affected" not in stdout.drain()


def test_folder_deleted_and_made_again_while_another_source_is_broken(
    project: Path, start_watch: StartWatch
) -> None:
    team = project / "dashboards" / "team"
    _team(team, "v1")
    run = start_watch(project)
    alpha = project / "dashboards" / "alpha.json"

    mark = run.mark()
    alpha.write_text("{ broken")
    run.wait_for(lambda s: s.kind == StatusKind.FAILED, after=mark)
    mark = run.mark()
    shutil.rmtree(team)
    run.wait_for(lambda s: s.kind == StatusKind.FAILED, after=mark)
    mark = run.mark()
    staged = project / "staged-team"
    _team(staged, "v2")
    os.rename(staged, team)  # the folder is back, with other content, in one event
    run.wait_for(lambda s: s.kind == StatusKind.FAILED, after=mark)  # alpha still broken

    mark = run.mark()
    alpha.write_text(view_json("alpha", "Alpha fixed"))

    run.wait_for(_titles_are(project, "v2"), after=mark)
    assert _title(project, "alpha") == "Alpha fixed"

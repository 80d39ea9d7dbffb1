"""Python sources that end their process or never finish, compiled in worker processes.

Each is an error naming the source (and the line, when the worker could write its stack);
the rest of the build still reports its own problems; build/ is left as it was.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_support import Project, assert_no_traceback, run_cli

from dashgen.build import Builder, build
from dashgen.build.early import EarlyStaging
from dashgen.build.workers import POOL_MIN_JOBS
from dashgen.config import load_config

EXITS = "import os\n\ndef leave():\n    os._exit(3)\n\nleave()\ndashboard = {'title': 'E'}\n"
KILLS = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\ndashboard = {'title': 'K'}\n"
ABORTS = "import os\nos.abort()\ndashboard = {'title': 'A'}\n"
LOOPS = "n = 0\nwhile True:\n    n += 1\ndashboard = {'title': 'L'}\n"
SLEEPS = "import time\ntime.sleep(3600)\ndashboard = {'title': 'S'}\n"


@pytest.fixture
def built(project: Project, view_dashboard) -> Project:
    """A good build; then a 1 s limit for the sources the tests add (that loop or sleep)."""
    project.write(
        "dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Good', 'schemaVersion': 39}\n"
    )
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    project.write("dashgen.toml", "[build]\nsource_timeout_s = 1\n")
    assert project.cli("build").exit_code == 0  # the config changed: everything again
    return project


@pytest.fixture
def a_thread_runs() -> Iterator[None]:
    """Another thread alive: workers are then fresh interpreters, not forks."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def _fails_alone(project: Project, before: dict[str, bytes], output: str) -> None:
    """The other sources' problems are still reported; build/ did not change."""
    assert "dashboards/other.json:" in output and "dashboard has an empty title" in output
    assert "build failed: 2 errors" in output
    assert_no_traceback(output)
    assert project.outputs(hidden=True) == before


def _add_broken_neighbour(project: Project) -> None:
    project.write("dashboards/other.json", {"uid": "other", "title": ""})


def test_os_exit_names_the_call_and_its_line(built: Project) -> None:
    before = built.outputs(hidden=True)
    built.write("dashboards/exits.py", EXITS)
    _add_broken_neighbour(built)
    result = built.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards/exits.py:4: error: called os._exit(3), which ends the process that "
        "compiles it, so it yielded no dashboard" in result.output
    )
    _fails_alone(built, before, result.output)


def test_os_exit_in_a_helper_names_the_helper(built: Project) -> None:
    built.write("dashboards/lib/__init__.py", "")
    built.write("dashboards/lib/quit.py", "import os\n\ndef now():\n    os._exit(0)\n")
    built.write("dashboards/uses.py", "from lib.quit import now\nnow()\ndashboard = {}\n")
    result = built.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards/lib/quit.py:4: error: called os._exit(0), which ends the process"
        in result.output
    )
    assert "(while loading dashboards/uses.py)" in result.output


def test_killed_source_is_named(built: Project) -> None:
    before = built.outputs(hidden=True)
    built.write("dashboards/kills.py", KILLS)
    _add_broken_neighbour(built)
    result = built.cli("build")
    assert result.exit_code == 1
    assert "dashboards/kills.py: error: the process compiling it was ended by SIGKILL" in (
        result.output
    )
    _fails_alone(built, before, result.output)


def test_crashing_source_names_the_line(built: Project) -> None:
    built.write("dashboards/aborts.py", ABORTS)
    result = built.cli("build")
    assert result.exit_code == 1
    assert "dashboards/aborts.py:2: error: the process compiling it was ended by SIGABRT" in (
        result.output
    )


# The watchdog's dump shows the line being run when the limit passed: in the endless loop
# either the body (3) or the jump back to the `while` (2, Python 3.11 gives it that line).
@pytest.mark.parametrize(
    ("name", "text", "lines"), [("loops", LOOPS, (2, 3)), ("sleeps", SLEEPS, (2,))]
)
def test_source_past_the_time_limit_names_where_it_was(
    built: Project, name: str, text: str, lines: tuple[int, ...]
) -> None:
    before = built.outputs(hidden=True)
    built.write(f"dashboards/{name}.py", text)
    _add_broken_neighbour(built)
    result = built.cli("build")
    assert result.exit_code == 1
    assert any(
        f"dashboards/{name}.py:{line}: error: still running after 1 s, the limit for one "
        "source, so it was stopped" in result.output
        for line in lines
    ), result.output
    assert "raise [build] source_timeout_s (now 1) in dashgen.toml" in result.output
    _fails_alone(built, before, result.output)


def test_each_dying_source_is_reported_and_the_others_still_build(built: Project) -> None:
    built.write("dashboards/exits.py", EXITS)
    built.write("dashboards/kills.py", KILLS)
    built.write("dashboards/loops.py", LOOPS)
    built.write("dashboards/later.py", "dashboard = {'uid': 'later', 'title': 'Later'}\n")
    result = built.cli("build")
    assert result.exit_code == 1
    for name in ("exits", "kills", "loops"):
        assert f"dashboards/{name}.py" in result.output
    assert "build failed: 3 errors" in result.output
    for name in ("exits", "kills", "loops"):
        (built.root / f"dashboards/{name}.py").unlink()
    result = built.cli("build")
    assert result.exit_code == 0, result.output
    assert built.output("_default", "later")["title"] == "Later"


def test_in_fresh_interpreters_when_threads_run(built: Project, a_thread_runs: None) -> None:
    built.write("dashboards/exits.py", EXITS)
    built.write("dashboards/loops.py", LOOPS)
    result = build(load_config(built.root))
    lines = [problem.line_text() for problem in result.problems]
    assert any(
        line.startswith("dashboards/exits.py:4: error: called os._exit(3)") for line in lines
    )
    # line 2 or 3: see the note above test_source_past_the_time_limit_names_where_it_was
    assert any(
        line.startswith(
            ("dashboards/loops.py:2: error: still", "dashboards/loops.py:3: error: still")
        )
        for line in lines
    ), lines
    assert len(lines) == 2


def test_a_builder_keeps_its_worker_warm(built: Project) -> None:
    built.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'First'}\n")
    with Builder(load_config(built.root)) as builder:
        first = builder.build()
        assert first.ok and [d.uid for d in first.rebuilt] == ["good"]
        built.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Again'}\n")
        pids = [w.pid for w in builder.workers.workers]
        second = builder.build([built.root / "dashboards/good.py"])
        assert second.ok and [d.uid for d in second.rebuilt] == ["good"]
        assert [w.pid for w in builder.workers.workers] == pids and len(pids) == 1
    assert builder.workers.workers == []  # closed with the Builder
    assert built.output("_default", "good")["title"] == "Again"


def test_a_worker_waiting_between_builds_outlives_the_limit(built: Project) -> None:
    """Its watchdog stays armed from job to job, but not while it waits for a build."""
    built.write("dashgen.toml", "[build]\nsource_timeout_s = 0.2\n")
    built.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'First'}\n")
    with Builder(load_config(built.root)) as builder:
        assert builder.build().ok
        pids = [w.pid for w in builder.workers.workers]
        time.sleep(1.0)  # five times the limit, idle (not a measurement)
        built.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Again'}\n")
        second = builder.build([built.root / "dashboards/good.py"])
        assert second.ok, [p.line_text() for p in second.problems]
        assert [w.pid for w in builder.workers.workers] == pids and len(pids) == 1
    assert built.output("_default", "good")["title"] == "Again"


def test_a_worker_that_died_is_replaced_between_builds(built: Project) -> None:
    with Builder(load_config(built.root)) as builder:
        built.write("dashboards/exits.py", EXITS)
        assert not builder.build().ok
        (built.root / "dashboards/exits.py").unlink()
        built.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Fine'}\n")
        assert builder.build().ok
    assert built.output("_default", "good")["title"] == "Fine"


def test_prints_go_to_stderr_and_stdout_stays_json(built: Project) -> None:
    built.write(
        "dashboards/chatty.py",
        "import os, sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n"
        "os.write(1, b'raw fd 1\\n')\ndashboard = {'uid': 'chatty', 'title': 'C'}\n",
    )
    result = run_cli(built, "build", "--output", "json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]  # every line is JSON
    assert events[-1]["event"] == "summary" and events[-1]["ok"] is True
    for text in ("to stdout", "to stderr", "raw fd 1"):
        assert text in result.stderr


def test_sys_exit_stays_an_ordinary_error(built: Project) -> None:
    built.write("dashboards/quits.py", "import sys\nsys.exit(4)\ndashboard = {}\n")
    result = built.cli("build")
    assert result.exit_code == 1
    assert "dashboards/quits.py:2: error: SystemExit: 4" in result.output


def test_large_build_in_parallel_workers_still_names_the_dying_source(
    project: Project, view_dashboard
) -> None:
    for i in range(POOL_MIN_JOBS):
        project.write(f"dashboards/p{i}.py", f"dashboard = {{'uid': 'p{i}', 'title': 'P{i}'}}\n")
        project.write(f"dashboards/j{i}.json", view_dashboard(uid=f"j{i}"))
    project.write("dashboards/exits.py", EXITS)
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/exits.py:4: error: called os._exit(3)" in result.output
    assert "build failed: 1 error" in result.output
    (project.root / "dashboards/exits.py").unlink()
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert f"{2 * POOL_MIN_JOBS} dashboards, {2 * POOL_MIN_JOBS} rebuilt" in result.output


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0", "0"), ("-5", "-5"), ('"60"', "a string"), ("true", "a boolean"), ("nan", "nan")],
)
def test_source_timeout_must_be_positive_seconds(project: Project, value: str, shown: str) -> None:
    project.write("dashgen.toml", f"[build]\nsource_timeout_s = {value}\n")
    result = project.cli("build")
    assert result.exit_code == 2
    assert (
        "build.source_timeout_s must be a number of seconds greater than 0 and at most 86400 "
        f"(a day; default 60), got {shown}" in result.output
    )


def test_source_timeout_accepts_fractions(project: Project) -> None:
    project.write("dashgen.toml", "[build]\nsource_timeout_s = 0.5\n")
    project.write("dashboards/sleeps.py", SLEEPS)
    result = project.cli("build")
    assert result.exit_code == 1
    assert "still running after 0.5 s" in result.output


@pytest.mark.parametrize("fresh", [False, True], ids=["forked", "fresh interpreter"])
def test_a_worker_writes_its_outputs_into_the_commit_itself(
    built: Project, monkeypatch: pytest.MonkeyPatch, fresh: bool, request: pytest.FixtureRequest
) -> None:
    """The build's process only adopts the file a worker staged (same bytes, not written
    again); what the build compiled here, it stages itself."""
    if fresh:
        request.getfixturevalue("a_thread_runs")
    adopted: dict[str, str | None] = {}
    original = EarlyStaging.take

    def take(self: EarlyStaging, relative: str, data: bytes) -> str | None:
        adopted[relative] = name = original(self, relative, data)
        return name

    monkeypatch.setattr(EarlyStaging, "take", take)
    built.write("dashboards/good.py", "dashboard = {'uid': 'good', 'title': 'Staged'}\n")
    built.write("dashboards/a.json", {"uid": "a", "title": "Here", "schemaVersion": 39})

    assert build(load_config(built.root)).ok

    assert (adopted["_default/good.json"] or "").startswith("w")  # w<pid>-<n>.early
    assert (adopted["_default/a.json"] or "")[:1].isdigit()  # <n>.early, by this process
    assert built.output("_default", "good")["title"] == "Staged"
    assert built.output("_default", "a")["title"] == "Here"
    assert not [p for p in (built.root / "build").iterdir() if p.name.startswith(".staging")]


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def test_a_build_killed_while_its_worker_compiles_leaves_no_file_behind(
    built: Project, tmp_path: Path
) -> None:
    """A worker's stack file has no name on disk: SIGKILL of the whole build (nothing of
    dashgen's runs any more to clean up) leaves nothing in the temporary folder."""
    built.write("dashgen.toml", "[build]\nsource_timeout_s = 60\n")
    built.write("dashboards/sleeps.py", SLEEPS)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHGEN_", "GRAFANA_"))}
    env["TMPDIR"] = str(private_tmp)
    command = [sys.executable, "-m", "dashgen", "-C", str(built.root), "build"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _children(process.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _children(process.pid), "no worker was started"
        time.sleep(0.5)  # the worker is inside sleeps.py by now (it sleeps for an hour)
        assert process.poll() is None
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    assert sorted(p.name for p in private_tmp.iterdir()) == []


FORKS = (
    "import os\n\npid = os.fork()\ndashboard = {'title': 'F', 'uid': 'f', 'schemaVersion': 39}\n"
)


def test_a_source_that_forks_fails_at_its_line_and_leaves_no_process(built: Project) -> None:
    built.write("dashboards/forks.py", FORKS)
    built.write(
        "dashboards/runs.py",
        "import subprocess, sys\n"
        "out = subprocess.run([sys.executable, '-c', 'print(7)'], capture_output=True, text=True)\n"
        "dashboard = {'title': 'Run ' + out.stdout.strip(), 'uid': 'runs'}\n",
    )
    result = built.cli("build")
    assert result.exit_code == 1, result.output
    assert "dashboards/forks.py:3: error:" in result.output
    assert "may not fork" in result.output
    assert "dashboards/runs.py:3: error" not in result.output  # subprocess runs programs
    assert_no_traceback(result.output)

"""Build behaviour: layout, manifest, atomicity, incremental rebuilds, determinism, CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from build_support import Project

from dashgen.build import Builder, build, read_manifest
from dashgen.build.workers import POOL_MIN_JOBS
from dashgen.config import load_config
from dashgen.model.normalize import content_hash

MACRO = "{% macro title(t) %}{{ t | tojson }}{% endmacro %}\n"
USES_MACRO = '{% import "m.j2" as m %}{"uid": "UID", "title": {{ m.title("T") }}}\n'


def _macro_project(project: Project, users: int = 3, others: int = 2) -> None:
    project.write("templates/m.j2", MACRO)
    project.write("templates/other.j2", MACRO)
    for i in range(users):
        project.write(f"dashboards/user{i}.json.j2", USES_MACRO.replace("UID", f"user{i}"))
    for i in range(others):
        project.write(f"dashboards/plain{i}.json", {"uid": f"plain{i}", "title": f"P{i}"})


def test_manifest_lists_every_output(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a", title="A"))
    project.write("dashboards/sub/b.py", 'dashboard = {"uid": "b", "title": "B"}\n')
    assert project.cli("build").exit_code == 0
    built = read_manifest(project.root / "build")
    assert [(d.org, d.uid, d.source.as_posix()) for d in built] == [
        ("_default", "a", "dashboards/a.json"),
        ("_default", "b", "dashboards/sub/b.py"),
    ]
    for dashboard in built:
        assert dashboard.path == project.root.resolve() / "build/_default" / f"{dashboard.uid}.json"
        assert dashboard.content_hash == content_hash(dashboard.load())


def test_failed_build_leaves_build_dir_untouched(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    project.write("dashboards/b.json", view_dashboard(uid="b"))
    assert project.cli("build").exit_code == 0
    before = project.outputs(hidden=True)
    project.write("dashboards/a.json", view_dashboard(uid="a", title="Changed"))
    project.write("dashboards/c.json", view_dashboard(uid="c"))
    (project.root / "dashboards/b.json").unlink()
    project.write("dashboards/broken.json", {"uid": "broken", "title": "", "schemaVersion": 39})
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/broken.json:3: error: dashboard has an empty title" in result.output
    assert "build failed: 1 error, 0 warnings" in result.output
    assert (
        "nothing written (build/ left unchanged: it still holds the 2 dashboards" in result.output
    )
    assert project.outputs(hidden=True) == before
    # Fixing the error lets the same changes through, and removes the deleted source's output.
    (project.root / "dashboards/broken.json").unlink()
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert sorted(project.outputs()) == ["_default/a.json", "_default/c.json", "manifest.json"]
    assert project.output("_default", "a")["title"] == "Changed"


def test_every_problem_of_the_run_is_reported(project: Project) -> None:
    project.write("dashboards/one.json", {"uid": "bad uid!", "title": "x"})
    project.write("dashboards/two.json", {"uid": "x" * 41, "title": "y"})
    project.write("dashboards/three.py", "dashboard = undefined_name\n")
    project.write(
        "dashboards/four.json",
        {"uid": "four", "title": "4", "panels": [{"id": 3, "type": "a"}, {"id": 3, "type": "b"}]},
    )
    result = project.cli("build")
    assert result.exit_code == 1
    # Each error names the line of the value it is about.
    assert "dashboards/one.json:2: error: uid 'bad uid!' is invalid" in result.output
    assert "dashboards/two.json:2: error: uid 'xxxx" in result.output
    assert "at most 40" in result.output
    assert "dashboards/three.py:1: error: NameError" in result.output
    assert "dashboards/four.json:10: error: duplicate panel id 3: panel 3 and panel 3" in (
        result.output
    )
    assert "4 errors" in result.output


def test_same_uid_from_two_sources_names_both(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="same"))
    project.write("dashboards/b.py", 'dashboard = {"uid": "same", "title": "B"}\n')
    result = project.cli("build")
    assert result.exit_code == 1
    assert "uid 'same' is produced by both dashboards/a.json and dashboards/b.py" in result.output


def test_warnings_pass_unless_strict(project: Project) -> None:
    project.write(
        "dashboards/w.json",
        {
            "uid": "w",
            "title": "W",
            "panels": [
                {"id": 1, "type": "stat", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}},
                {"id": 2, "title": "Untyped", "gridPos": {"x": 6, "y": 2, "w": 12, "h": 8}},
                {
                    "id": 3,
                    "type": "stat",
                    "title": "DS",
                    "datasource": "$nope",
                    "gridPos": {"x": 0, "y": 10, "w": 4, "h": 4},
                },
            ],
        },
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert 'dashboards/w.json:15: warning: panel 2 "Untyped" has no type' in lines
    assert any('warning: panel 2 "Untyped" overlaps panel 1' in x for x in lines)
    assert any('warning: panel 3 "DS" uses datasource $nope' in x for x in lines)
    shutil.rmtree(project.root / "build")
    strict = project.cli("build", "--strict")
    assert strict.exit_code == 1
    assert "error: panel 2" in strict.output
    assert not (project.root / "build").exists()


def test_rebuild_is_byte_identical_and_deterministic(tmp_path: Path, view_dashboard) -> None:
    trees = []
    for name in ("one", "two"):
        project = Project(tmp_path / name)
        project.write("dashboards/a.json", view_dashboard(uid="a"))
        project.write("dashboards/b.py", 'dashboard = {"title": "B", "panels": [{"type": "x"}]}\n')
        project.write("templates/m.j2", MACRO)
        project.write("dashboards/c.json.j2", USES_MACRO.replace("UID", "c"))
        assert project.cli("build").exit_code == 0
        trees.append(project.outputs())
    assert trees[0] == trees[1]
    text = trees[0]["_default/b.json"].decode()
    assert text.endswith("}\n") and '\n  "panels": [' in text


def test_noop_rebuild_compiles_nothing_even_in_a_fresh_process(project: Project) -> None:
    _macro_project(project)
    assert project.cli("build").exit_code == 0
    stamps = {p: p.stat().st_mtime_ns for p in (project.root / "build").rglob("*.json")}
    result = project.cli("build", "--output", "json")
    assert result.exit_code == 0
    summary = json.loads(result.output.splitlines()[-1])
    assert summary["rebuilt"] == 0 and summary["dashboards"] == 5
    assert stamps == {p: p.stat().st_mtime_ns for p in (project.root / "build").rglob("*.json")}


def test_macro_change_rebuilds_exactly_its_users(project: Project) -> None:
    _macro_project(project)
    assert project.cli("build").exit_code == 0
    project.write("templates/m.j2", MACRO.replace("tojson", "upper | tojson"))
    result = build(load_config(project.root))
    assert result.ok, result.problems
    assert sorted(d.uid for d in result.rebuilt) == ["user0", "user1", "user2"]
    assert project.output("_default", "user0")["title"] == "T"  # upper("T")
    project.write("templates/other.j2", "{# unused #}\n")
    assert build(load_config(project.root)).rebuilt == []


def test_builder_with_changed_paths(project: Project) -> None:
    _macro_project(project)
    builder = Builder(load_config(project.root))
    assert len(builder.build().rebuilt) == 5
    macro = project.write("templates/m.j2", MACRO.replace("tojson", "lower | tojson"))
    result = builder.build([macro])
    assert sorted(d.uid for d in result.rebuilt) == ["user0", "user1", "user2"]
    plain = project.write("dashboards/plain0.json", {"uid": "plain0", "title": "New"})
    assert [d.uid for d in builder.build([plain]).rebuilt] == ["plain0"]
    # An edit that gives the same bytes does not rewrite the output file.
    output = project.root / "build/_default/plain0.json"
    before = output.stat().st_mtime_ns
    project.write("dashboards/plain0.json", '{"title": "New", "uid": "plain0"}')
    result = builder.build([plain])
    assert [d.uid for d in result.rebuilt] == ["plain0"]
    assert output.stat().st_mtime_ns == before
    # New and deleted sources.
    added = project.write("dashboards/new.json", {"uid": "new", "title": "N"})
    (project.root / "dashboards/plain1.json").unlink()
    result = builder.build([added, project.root / "dashboards/plain1.json"])
    assert [d.uid for d in result.rebuilt] == ["new"]
    assert result.removed == [project.root.resolve() / "build/_default/plain1.json"]
    assert sorted(d.uid for d in result.dashboards) == ["new", "plain0", "user0", "user1", "user2"]


def test_config_change_rebuilds_everything(project: Project) -> None:
    _macro_project(project, users=1, others=1)
    assert project.cli("build").exit_code == 0
    project.write("dashgen.toml", "[vars]\nx = 1\n")
    result = build(load_config(project.root))
    assert len(result.rebuilt) == 2


def test_orgs_select_sources_and_org_option(project: Project, view_dashboard) -> None:
    project.write(
        "dashgen.toml",
        '[orgs.api]\nsources = ["http/**"]\n[orgs.ops]\nfolder = "Ops"\nfolder_uid = "ops"\n',
    )
    project.write("dashboards/http/red.json", view_dashboard(uid="red"))
    project.write("dashboards/node.json", view_dashboard(uid="node"))
    assert project.cli("build").exit_code == 0
    assert sorted(project.outputs()) == [
        "api/red.json",
        "manifest.json",
        "ops/node.json",
        "ops/red.json",
    ]
    project.write("dashboards/node.json", view_dashboard(uid="node", title="Changed"))
    result = project.cli("build", "--org", "ops")
    assert result.exit_code == 0
    assert "2 dashboards, 1 rebuilt" in result.output
    # The manifest still lists what was built for the other org.
    assert len(read_manifest(project.root / "build")) == 3


def test_json_output_events(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    project.write("dashboards/bad.json", "{")
    result = project.cli("build", "--output", "json")
    assert result.exit_code == 1
    events = [json.loads(line) for line in result.output.splitlines()]
    assert [e["event"] for e in events] == ["problem", "summary"]  # nothing in build/ yet
    assert events[0]["path"] == "dashboards/bad.json" and events[0]["severity"] == "error"
    assert events[1]["ok"] is False
    (project.root / "dashboards/bad.json").unlink()
    project.write(
        "dashboards/chatty.py", "print('hello')\ndashboard = {'title': 'C', 'schemaVersion': 39}\n"
    )
    result = project.cli("build", "--output", "json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["event"], e.get("uid"), e.get("rebuilt")) for e in events[:-1]] == [
        ("dashboard", "a", True),
        ("dashboard", "chatty", True),
    ]
    assert events[-1]["event"] == "summary" and events[-1]["rebuilt"] == 2
    assert "hello" in result.stderr


def test_help_and_usage_errors(project: Project) -> None:
    help_text = project.cli("build", "--help").output
    for phrase in ("build/<org>/<uid>.json", "manifest.json", "Incremental", "Exit codes"):
        assert phrase in help_text
    assert project.cli("build", "--var", "novalue").exit_code == 2
    project.write("dashgen.toml", "nope = 1\n")
    result = project.cli("build")
    assert result.exit_code == 2 and "unknown key nope" in result.output


def test_outputs_staged_while_compiling_leave_nothing_behind(project: Project) -> None:
    """Outputs are written into the commit's staging folder as their sources compile: a
    good build moves them into place, a failed one removes them (and nothing else)."""
    project.write("dashboards/py.dashboard.py", 'dashboard = {"uid": "py", "title": "Py"}\n')
    project.write("dashboards/view.json", {"uid": "view", "title": "View"})
    assert project.cli("build").exit_code == 0
    build_dir = project.root / "build"
    names = sorted(p.name for p in build_dir.iterdir())
    assert names == [".dashgen-cache.json", "_default", "manifest.json"]
    before = project.outputs(hidden=True)
    project.write("dashboards/py.dashboard.py", 'dashboard = {"uid": "py", "title": "Py 2"}\n')
    project.write("dashboards/broken.json", {"uid": "broken", "title": ""})
    assert project.cli("build").exit_code == 1
    assert sorted(p.name for p in build_dir.iterdir()) == names
    assert project.outputs(hidden=True) == before


def test_failed_first_build_creates_nothing(project: Project) -> None:
    _macro_project(project, users=1, others=0)
    project.write("dashboards/broken.json", "[]")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/broken.json:1: error: this JSON is a list, not a Grafana dashboard" in (
        result.output
    )
    assert not (project.root / "build").exists()  # not even the template cache


def test_stale_outputs_are_removed_without_a_cache(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    project.write("build/_default/old.json", "{}")
    project.write("build/.dashgen-cache.json", "not json")
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert sorted(project.outputs()) == ["_default/a.json", "manifest.json"]


def test_empty_project(project: Project) -> None:
    project.root.mkdir(parents=True)
    result = project.cli("build")
    assert result.exit_code == 0
    # a typo in [paths] sources must not look like an empty project: the folder is named
    assert (
        "dashboards: warning: the sources folder dashboards/ does not exist, so nothing was "
        "built: create it, or set [paths] sources" in result.output
    )
    assert "0 dashboards, 0 rebuilt, 0 errors, 1 warning" in result.output
    assert project.cli("build", "--strict").exit_code == 1
    (project.root / "dashboards").mkdir()
    result = project.cli("build")
    assert result.exit_code == 0
    assert "0 dashboards, 0 rebuilt, 0 errors, 0 warnings" in result.output


def test_worker_pool_and_in_process_builds_are_identical(tmp_path: Path) -> None:
    trees = []
    for name in ("pool", "threaded"):
        project = Project(tmp_path / name)
        project.write("templates/m.j2", MACRO)
        for i in range(POOL_MIN_JOBS):
            project.write(f"dashboards/j{i}.json.j2", USES_MACRO.replace("UID", f"j{i}"))
            project.write(f"dashboards/p{i}.py", f"dashboard = {{'title': 'P{i}'}}\n")
        config = load_config(project.root)
        if name == "pool":
            result = build(config)
        else:  # another thread running: compiled in this process (no fork)
            stop = threading.Event()
            waiter = threading.Thread(target=stop.wait)
            waiter.start()
            try:
                result = build(config)
            finally:
                stop.set()
                waiter.join()
        assert result.ok and len(result.rebuilt) == 2 * POOL_MIN_JOBS
        trees.append(project.outputs())
    assert trees[0] == trees[1]


def test_changed_config_file_is_reloaded_by_the_builder(project: Project) -> None:
    project.write("templates/m.j2", MACRO)
    project.write("dashboards/t.json.j2", '{"uid": "t", "title": {{ name | tojson }}}\n')
    config_file = project.write("dashgen.toml", '[vars]\nname = "one"\n')
    builder = Builder(load_config(project.root))
    assert builder.build().ok
    project.write("dashgen.toml", '[vars]\nname = "two"\n')
    result = builder.build([config_file])
    assert [d.uid for d in result.rebuilt] == ["t"]
    assert project.output("_default", "t")["title"] == "two"


def test_changed_paths_that_add_or_delete_directories(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    project.write("dashboards/team/b.json", view_dashboard(uid="b"))
    builder = Builder(load_config(project.root))
    assert builder.build().ok
    # A new folder reported as one path (as a directory move is): found by a new walk.
    project.write("dashboards/new/c.json", view_dashboard(uid="c"))
    result = builder.build([project.root / "dashboards/new"])
    assert [d.uid for d in result.rebuilt] == ["c"]
    # A deleted folder reported as one path: its sources' outputs go.
    shutil.rmtree(project.root / "dashboards/team")
    result = builder.build([project.root / "dashboards/team"])
    assert result.ok and [p.name for p in result.removed] == ["b.json"]
    # Files no walk would pick up are ignored when reported as changed.
    hidden = project.write("dashboards/.draft/d.json", view_dashboard(uid="d"))
    cached = project.write("dashboards/__pycache__/e.json", view_dashboard(uid="e"))
    assert builder.build([hidden, cached]).rebuilt == []
    assert sorted(d.uid for d in builder.build().dashboards) == ["a", "c"]


def test_lost_or_corrupt_manifest_is_rewritten(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    assert project.cli("build").exit_code == 0
    manifest = project.root / "build/manifest.json"
    expected = manifest.read_bytes()
    manifest.unlink()
    assert project.cli("build").exit_code == 0
    assert manifest.read_bytes() == expected
    manifest.write_text("{")
    assert project.cli("build").exit_code == 0
    assert manifest.read_bytes() == expected


def test_installed_entry_point_exit_codes(project: Project, view_dashboard) -> None:
    project.write("dashboards/a.json", view_dashboard(uid="a"))
    command = [sys.executable, "-m", "dashgen", "-C", str(project.root), "build"]
    ok = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "1 dashboard, 1 rebuilt, 0 errors, 0 warnings" in ok.stdout
    project.write("dashboards/b.json", {"uid": "b", "title": ""})
    failed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "dashboards/b.json:3: error: dashboard has an empty title" in failed.stdout
    project.write("dashgen.toml", "[paths]\nsources = 1\n")
    usage = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "paths.sources must be a string" in usage.stderr


def test_build_process_ends_with_all_its_output_and_its_exit_code(project: Project) -> None:
    """``dashgen build`` ends its process without the interpreter's teardown
    (``dashgen.cli.quick_exit``): every line still arrives, and the exit code is the
    command's, also from the installed script."""
    count = POOL_MIN_JOBS + 6  # enough to compile on the worker pool
    for i in range(count):
        project.write(
            f"dashboards/d{i}.dashboard.py",
            f'dashboard = {{"uid": "d{i}", "title": "D", "schemaVersion": 39}}\n',
        )
    command = [
        sys.executable,
        "-m",
        "dashgen",
        "-C",
        str(project.root),
        "build",
        "--output",
        "json",
    ]
    ok = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    events = [json.loads(line) for line in ok.stdout.splitlines()]
    assert [e["event"] for e in events] == ["dashboard"] * count + ["summary"]
    assert events[-1]["rebuilt"] == count
    project.write("dashboards/d0.dashboard.py", 'dashboard = {"uid": "d0", "title": ""}\n')
    script = Path(sys.executable).parent / "dashgen"
    failed = subprocess.run(
        [str(script), "-C", str(project.root), "build"], capture_output=True, text=True, timeout=120
    )
    assert failed.returncode == 1
    assert "dashboards/d0.dashboard.py:1: error: dashboard has an empty title" in failed.stdout
    held = f"it still holds the {count} dashboards of the last successful build)\n"
    assert failed.stdout.endswith(held)

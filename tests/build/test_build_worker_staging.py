"""Outputs a worker writes into the commit's staging folder travel back as the name of their
file, not their bytes (``workers.serve._stage``, ``early.StagedBytes``): when each record
is one file of its own. The outputs, and the compiled templates cached, are the same as a
build in this process writes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from build_support import Project

from dashgen.build import build
from dashgen.build.compiled import CompiledDashboard, CompiledSource, Target
from dashgen.build.early import EarlyStaging, StagedBytes
from dashgen.build.workers import POOL_MIN_JOBS, serve
from dashgen.config import OrgConfig, load_config
from dashgen.sources.cache_pack import read_pack

TWO_ORGS = '[orgs.a]\nfolder = "A"\n[orgs.a.vars]\nname = "for a"\n[orgs.b]\nfolder = "B"\n'
PER_ORG = '{"uid": "UID", "title": {{ (name | default("plain")) | tojson }}}\n'


def _target(org: str) -> Target:
    return Target(OrgConfig(org, None, None, (), {}, {}, {}), {})


def _record(uid: str, content: bytes) -> CompiledDashboard:
    return CompiledDashboard(uid, uid, "hash", "file hash", 1, content=content)


def _compiled(*dashboards: CompiledDashboard) -> CompiledSource:
    return CompiledSource("source hash", {}, list(dashboards), [])


def _stage(tmp_path: Path, orgs: list[str], compiled: list[CompiledSource]) -> dict[str, str]:
    counter = iter(range(100))
    return serve._stage(str(tmp_path), [_target(org) for org in orgs], compiled, counter)


def test_records_of_their_own_go_back_without_their_bytes(tmp_path: Path) -> None:
    compiled = [_compiled(_record("x", b"a's")), _compiled(_record("x", b"b's"))]
    staged = _stage(tmp_path, ["a", "b"], compiled)
    assert sorted(staged) == ["a/x.json", "b/x.json"]
    assert [c.dashboards[0].content for c in compiled] == [None, None]
    assert (tmp_path / staged["b/x.json"]).read_bytes() == b"b's"


def test_a_record_orgs_share_keeps_its_bytes(tmp_path: Path) -> None:
    shared = _compiled(_record("x", b"same"))
    staged = _stage(tmp_path, ["a", "b"], [shared, shared])
    assert sorted(staged) == ["a/x.json", "b/x.json"]
    assert shared.dashboards[0].content == b"same"


def test_two_outputs_of_one_path_keep_their_bytes(tmp_path: Path) -> None:
    compiled = [_compiled(_record("x", b"first"), _record("x", b"second"))]
    _stage(tmp_path, ["a"], compiled)
    assert [d.content for d in compiled[0].dashboards] == [b"first", b"second"]


def test_a_failed_write_keeps_every_byte(tmp_path: Path) -> None:
    compiled = [_compiled(_record("x", b"one"), _record("y", b"two"))]
    staged = _stage(tmp_path / "missing", ["a"], compiled)
    assert staged == {}
    assert [d.content for d in compiled[0].dashboards] == [b"one", b"two"]


def test_the_commit_takes_the_file_a_staged_bytes_names(tmp_path: Path) -> None:
    early = EarlyStaging(str(tmp_path))
    early.elsewhere["a/x.json"] = "w1-0.early"
    record = _record("x", b"")
    record.content = None
    early.write_compiled([_target("a")], [_compiled(record)])
    assert isinstance(record.content, StagedBytes)
    assert early.take("a/x.json", record.content) == "w1-0.early"
    assert early.elsewhere == {}
    assert early.take("a/x.json", b"other bytes") is None


@pytest.fixture
def two_org_project(tmp_path: Path) -> Project:
    project = Project(tmp_path / "pool")
    project.write("dashgen.toml", TWO_ORGS)
    for i in range(POOL_MIN_JOBS):
        project.write(f"dashboards/j{i}.json.j2", PER_ORG.replace("UID", f"j{i}"))
        project.write(f"dashboards/p{i}.py", f"dashboard = {{'uid': 'p{i}', 'title': 'P{i}'}}\n")
    return project


def test_two_orgs_built_by_the_pool_as_in_this_process(
    two_org_project: Project, tmp_path: Path
) -> None:
    """Jinja sources render per org (a record each); a Python source that reads no org
    context is one record both orgs share."""
    in_process = Project(tmp_path / "threaded")
    for path in sorted(two_org_project.root.rglob("*")):
        if path.is_file():
            in_process.write(str(path.relative_to(two_org_project.root)), path.read_text())
    assert build(load_config(two_org_project.root)).ok
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait)  # another thread: compiled here, no fork
    waiter.start()
    try:
        assert build(load_config(in_process.root)).ok
    finally:
        stop.set()
        waiter.join()
    pool, here = two_org_project.outputs(), in_process.outputs()
    assert len(pool) == 4 * POOL_MIN_JOBS + 1  # + the manifest
    assert pool == here
    assert b'"for a"' in pool["a/j0.json"] and b'"plain"' in pool["b/j0.json"]
    assert not [p for p in (two_org_project.root / "build").iterdir() if p.name.startswith(".st")]
    # every template's code came back from the workers, once (the second org reuses it)
    for project in (two_org_project, in_process):
        packs = sorted((project.root / "build" / ".cache" / "jinja").glob("*.pack"))
        assert sum(len(read_pack(pack)) for pack in packs) == POOL_MIN_JOBS

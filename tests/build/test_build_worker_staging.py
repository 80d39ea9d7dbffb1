"""Outputs a worker writes into the commit's staging folder do not travel back with their
bytes (``workers.serve._stage``; the unit cases: ``test_build_worker_replies.py``): a build
by the worker pool writes the same outputs as a build in this process, a record two orgs
share (a Python source that reads no org context) included."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from build_support import Project

from dashgen.build import build
from dashgen.build.workers import POOL_MIN_JOBS
from dashgen.config import load_config
from dashgen.sources.cache_pack import read_pack

TWO_ORGS = '[orgs.a]\nfolder = "A"\n[orgs.a.vars]\nname = "for a"\n[orgs.b]\nfolder = "B"\n'
PER_ORG = '{"uid": "UID", "title": {{ (name | default("plain")) | tojson }}}\n'


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

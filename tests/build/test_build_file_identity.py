"""A no-op build takes the hash of an unchanged source from the cache (by the file's identity,
ctime included) instead of reading it; a file too fresh to be sure of is read every time."""

from __future__ import annotations

import json
import os

from build_support import Project

from dashgen.build import build
from dashgen.build import cache as build_cache
from dashgen.build.cache import CACHE_NAME
from dashgen.config import load_config

SOURCE = {"uid": "a", "title": "A", "schemaVersion": 39, "panels": []}


def _rebuilt(project: Project) -> list[str]:
    result = build(load_config(project.root))
    assert result.ok, result.problems
    return [d.uid for d in result.rebuilt]


def _cache_document(project: Project) -> dict:
    return json.loads((project.root / "build" / CACHE_NAME).read_bytes())


def test_a_settled_source_goes_by_its_remembered_hash(project: Project, monkeypatch) -> None:
    monkeypatch.setattr(build_cache, "SETTLED_NS", 0)
    source = project.write("dashboards/a.json", SOURCE)
    assert _rebuilt(project) == ["a"]  # compiles it, and remembers its hash and identity
    path = str(source.resolve())
    document = _cache_document(project)
    status = os.stat(path)
    assert document["files"][path][2:5] == [status.st_size, status.st_mtime_ns, status.st_ctime_ns]
    # The remembered hash is what the next build goes by (the file is not read): a wrong
    # one makes the source stale.
    document["files"][path][5] = "0" * 64
    (project.root / "build" / CACHE_NAME).write_bytes(json.dumps(document).encode())
    assert _rebuilt(project) == ["a"]


def test_a_fresh_source_is_not_remembered(project: Project) -> None:
    source = project.write("dashboards/a.json", SOURCE)
    assert _rebuilt(project) == ["a"]
    assert _rebuilt(project) == []
    assert str(source.resolve()) not in _cache_document(project)["files"]


def test_an_edit_that_keeps_size_and_mtime_is_rebuilt(project: Project, monkeypatch) -> None:
    monkeypatch.setattr(build_cache, "SETTLED_NS", 0)
    source = project.write("dashboards/a.json", SOURCE)
    assert _rebuilt(project) == ["a"]
    assert _rebuilt(project) == []
    before = os.stat(source)
    project.write("dashboards/a.json", {**SOURCE, "title": "B"})  # same size
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))  # the ctime moves on
    assert os.stat(source).st_size == before.st_size
    assert _rebuilt(project) == ["a"]
    assert project.output("_default", "a")["title"] == "B"


def test_a_forgotten_source_leaves_the_cache(project: Project, monkeypatch) -> None:
    monkeypatch.setattr(build_cache, "SETTLED_NS", 0)
    project.write("dashboards/a.json", SOURCE)
    gone = project.write("dashboards/b.json", {**SOURCE, "uid": "b", "title": "B"})
    assert sorted(_rebuilt(project)) == ["a", "b"]
    assert _rebuilt(project) == []
    assert str(gone.resolve()) in _cache_document(project)["files"]
    gone.unlink()
    assert _rebuilt(project) == []
    assert str(gone.resolve()) not in _cache_document(project)["files"]

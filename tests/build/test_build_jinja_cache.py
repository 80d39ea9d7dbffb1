"""Compiled templates are cached in a few pack files of the output folder
(dashgen.sources.cache_pack), not one file per template: a later build (a new process, a
new Builder) compiles only the templates whose text changed, a damaged pack is no cache,
and a failed build writes none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from build_support import Project

from dashgen.build import Builder
from dashgen.config import load_config
from dashgen.sources import cache_pack
from dashgen.sources.jinja import RecordingEnvironment

MACRO = """\
{%- macro panel(id, title) -%}
{"id": {{ id }}, "type": "stat", "title": {{ title | tojson }}, "description": "rev 1",
 "gridPos": {"x": 0, "y": {{ id * 4 }}, "w": 4, "h": 4}}
{%- endmacro -%}
"""
COUNT = 40  # templates: more than one pack, fewer than the pool's threshold (built here)


def _template(number: int) -> str:
    return (
        '{%- import "panels.j2" as p -%}\n'
        f'{{"uid": "t{number}", "title": "T {number}", "schemaVersion": 39, "panels": [\n'
        f'  {{{{ p.panel(1, "one") }}}}, {{{{ p.panel(2, "two #{number}") }}}}\n'
        "]}\n"
    )


@pytest.fixture
def templated(project: Project) -> Project:
    project.write("templates/panels.j2", MACRO)
    for number in range(COUNT):
        project.write(f"dashboards/t{number:02d}.json.j2", _template(number))
    return project


def _compiles(project: Project, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Build with a new Builder (nothing in memory); the templates it compiled."""
    compiled: list[str] = []
    original = RecordingEnvironment.compile

    def counting(self: RecordingEnvironment, source: Any, name: Any = None, *a: Any, **k: Any):
        compiled.append(str(name))
        return original(self, source, name, *a, **k)

    monkeypatch.setattr(RecordingEnvironment, "compile", counting)
    with Builder(load_config(project.root)) as builder:
        result = builder.build()
    assert result.ok, result.problems
    return compiled


def test_a_cold_build_packs_every_compiled_template(
    templated: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(_compiles(templated, monkeypatch)) == COUNT + 1  # and the macro file
    folder = templated.root / "build" / ".cache" / "jinja"
    packs = sorted(path.name for path in folder.iterdir())
    assert 1 < len(packs) <= cache_pack.SHARDS
    assert all(name.endswith(".pack") for name in packs)
    entries = [cache_pack.read_pack(folder / name) for name in packs]
    assert sum(map(len, entries)) == COUNT + 1


def test_a_new_process_compiles_only_what_changed(
    templated: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _compiles(templated, monkeypatch)
    templated.write("templates/panels.j2", MACRO.replace("rev 1", "rev 2"))
    assert _compiles(templated, monkeypatch) == ["panels.j2"]  # every source rendered again
    assert templated.output("_default", "t7")["panels"][0]["description"] == "rev 2"
    templated.write("dashboards/t07.json.j2", _template(7).replace("T 7", "Seven"))
    assert _compiles(templated, monkeypatch) == ["dashboards/t07.json.j2"]
    assert templated.output("_default", "t7")["title"] == "Seven"


def test_a_damaged_pack_is_no_cache(templated: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    _compiles(templated, monkeypatch)
    before = templated.outputs()
    folder = templated.root / "build" / ".cache" / "jinja"
    for number, pack in enumerate(sorted(folder.iterdir())):
        data = pack.read_bytes()
        pack.write_bytes(data[: len(data) // 2] if number % 2 else b"garbage" + data)
    (templated.root / "build" / "_default" / "t3.json").unlink()  # so that something builds

    compiled = _compiles(templated, monkeypatch)

    assert compiled == ["dashboards/t03.json.j2", "panels.j2"]
    assert templated.outputs() == before
    rewritten = [cache_pack.read_pack(pack) for pack in folder.iterdir()]
    assert sum(map(len, rewritten)) == 2  # the two compiled again, in whole packs


def test_a_failed_build_writes_no_pack(templated: Project) -> None:
    templated.write("dashboards/t05.json.j2", "{{ p.panel(1, ")
    assert templated.cli("build").exit_code != 0
    assert not (templated.root / "build" / ".cache").exists()


def test_packs_merge_new_entries_onto_the_packs_on_disk(tmp_path: Path) -> None:
    first = cache_pack.files_to_write(
        tmp_path,
        {
            cache_pack.member("c", "a1"): b"one",
            cache_pack.member("c", "a2"): b"two",
            cache_pack.member("c", "b1"): b"three",
            "plain.json": b"{}",
        },
    )
    assert sorted(first) == ["c/a.pack", "c/b.pack", "plain.json"]
    for relative, data in first.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(data)

    unchanged = cache_pack.files_to_write(tmp_path, {cache_pack.member("c", "a1"): b"one"})
    changed = cache_pack.files_to_write(tmp_path, {cache_pack.member("c", "a1"): b"new"})

    assert unchanged == {}  # nothing to write again
    (tmp_path / "c" / "a.pack").write_bytes(changed["c/a.pack"])
    assert cache_pack.read_pack(tmp_path / "c" / "a.pack") == {"a1": b"new", "a2": b"two"}
    assert cache_pack.PackReader(tmp_path, "c").get("b1") == b"three"
    assert cache_pack.PackReader(tmp_path, "c").get("b2") is None

"""A key written twice in one object of a JSON source (or a template's output) is a warning
at its line: every JSON parser keeps the last, so the first value would vanish unseen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_support import Project, assert_no_traceback, line_of

from dashgen.model.json_duplicates import duplicate_keys

TWICE = """{
  "uid": "dup",
  "title": "First",
  "schemaVersion": 39,
  "description": "a \\"title\\": inside a string is no key",
  "panels": [
    {"id": 1, "type": "stat", "title": "A", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4}},
    {"id": 2, "type": "stat", "title": "B", "gridPos": {"x": 6, "y": 0, "w": 6, "h": 4},
     "type": "gauge"}
  ],
  "title": "Second"
}
"""


def test_keys_written_twice_are_warned_at_their_line_and_the_build_goes_on(
    project: Project,
) -> None:
    project.write("dashboards/dup.json", TWICE)
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    title_line = line_of(TWICE, '"title": "First"')
    assert (
        f"dashboards/dup.json:{title_line}: warning: key 'title' is written twice in this object"
        in result.output
    ), result.output
    assert f"dashboards/dup.json:{line_of(TWICE, 'B')}: warning: key 'type'" in result.output
    assert result.output.count("is written twice") == 2  # not the one inside a string
    assert project.output("_default", "dup")["title"] == "Second"  # as Grafana would read it
    assert_no_traceback(result.output)


def test_a_template_that_writes_a_key_twice_is_warned_too(project: Project) -> None:
    project.write(
        "dashboards/t.json.j2",
        '{"uid": "t", "title": "T", "schemaVersion": 39, "tags": [], "tags": ["x"]}\n',
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert "dashboards/t.json.j2:1: warning: key 'tags' is written twice" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1, "b": {"c": 1, "c": 2, "c": 3}}', [(("b", "c"), "written 3 times")]),
        ('[{"k": 1}, {"k": 2, "k": 3}]', [((1, "k"), "written twice")]),
        ('{"a": "\\\\", "b": "\\"x\\":", "c": 1}', []),  # escapes and quoted colons
        ('{"a": {}, "b": []}', []),
        ('{"k\\\\": 1, "k\\\\": 2}', [(("k\\",), "written twice")]),  # a key ending in \\
        ('{"a" : 1, "a"\n: 2, "s": "\\" : \\":"}', [(("a",), "written twice")]),
        ('{"e": "up{job=\\"a\\"}", "e": "x"}', [(("e",), "written twice")]),
    ],
)
def test_duplicate_keys_finds_each_object_that_repeats_a_key(
    text: str, expected: list[tuple[tuple[object, ...], str]]
) -> None:
    found = [(p.pointer, p.message) for p in duplicate_keys(text, json.loads(text))]
    assert [pointer for pointer, _ in found] == [pointer for pointer, _ in expected]
    for (_, message), (_, words) in zip(found, expected, strict=True):
        assert words in message


def test_no_corpus_dashboard_is_warned_of_duplicates(corpus_dir: Path) -> None:
    texts = [
        p.read_text(encoding="utf-8-sig")
        for p in sorted((corpus_dir / "dashboards").glob("*.json"))
    ]
    assert len(texts) >= 20
    for text in texts:
        json.loads(text)  # (each is valid JSON)
        assert duplicate_keys(text, json.loads(text)) == [], text[:80]

"""What a YAML source cannot be, through a real `dashgen build`: each fault is one error
naming the file and the line, exit 1, no traceback, nothing written."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from build_support import Project, assert_no_traceback, line_of
from test_build_resource_files import SPEC, pulled

from dashgen.sources import yaml_reader

GOOD = yaml.safe_dump(pulled(SPEC, name="good"), sort_keys=False)

# (file text, the text on the line blamed, what the error says)
FAULTS = {
    "syntax": ("apiVersion: v1\nkind: [Dashboard\nspec: {}\n", "spec: {}", "invalid YAML: "),
    "a list": ("- title: A\n- title: B\n", "- title: A", "this YAML document is a list, not a"),
    "alias": ("a: &x {b: 1}\nc: *x\n", "c: *x", "YAML alias *x is not read"),
    "merge key": ("a: {b: 1}\nc:\n  <<: {d: 1}\n", "<<:", "YAML merge keys (<<) are not read"),
    "duplicate key": ("title: A\npanels: []\ntitle: B\n", "title: B", "key 'title' is written"),
    "non-string key": ("title: A\n1: true\n", "1: true", "key 1 is not a string"),
    "on as a key": ("title: A\non: true\n", "on: true", "on is a boolean in YAML 1.1"),
    "yes": ("title: A\neditable: yes\n", "editable: yes", "yes is a boolean in YAML 1.1"),
    "sexagesimal": ("title: A\nrefresh: 1:30\n", "refresh: 1:30", "1:30 is a number in YAML 1.1"),
    "octal": ("title: A\nversion: 010\n", "version: 010", "010 is octal in YAML 1.1"),
    "binary": ("title: !!binary aGVsbG8=\n", "title:", "the YAML tag !!binary is not read"),
    "timestamp tag": ("title: A\nt: !!timestamp 2026-01-01\n", "t: !!", "the YAML tag !!timestamp"),
    "infinity": ("title: A\nmax: .inf\n", "max: .inf", ".inf is not a JSON number"),
    "huge integer": (
        "title: A\nmax: " + "9" * 5000 + "\n",
        "max: 999",
        "a number of 5000 digits is",
    ),
    "huge tagged integer": (
        "title: A\nmax: !!int " + "9" * 5000 + "\n",
        "max: !!",
        "a number of 5000 digits",
    ),
    "float overflow": ("title: A\nmax: 1e999\n", "max: 1e999", "1e999 is not a JSON number"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_bad_yaml_source_is_one_error_naming_its_line(project: Project, fault: str) -> None:
    text, blamed, message = FAULTS[fault]
    project.write("dashboards/good.yaml", GOOD)
    project.write("dashboards/bad.yaml", text)
    result = project.cli("build")
    assert result.exit_code == 1
    line = line_of(text, blamed)
    assert f"dashboards/bad.yaml:{line}: error: {message}" in result.output
    assert result.output.count("error:") == 1, result.output
    assert_no_traceback(result.output)
    assert not (project.root / "build").exists()


def test_a_python_tag_is_never_executed(project: Project, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    project.write(
        "dashboards/evil.yaml",
        f'title: !!python/object/apply:os.system ["touch {marker}"]\npanels: []\n',
    )
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/evil.yaml:1: error: the YAML tag !!python/object/apply:os.system" in (
        result.output
    )
    assert not marker.exists()


def test_resource_faults_name_the_line_of_the_key(project: Project) -> None:
    uid = project.write(
        "dashboards/uid.yaml", yaml.safe_dump(pulled({**SPEC, "uid": "elsewhere"}, name="x"))
    )
    project.write(
        "dashboards/playlist.yml",
        "apiVersion: playlist.grafana.app/v0alpha1\nkind: Playlist\nspec: {}\n",
    )
    many = project.write(
        "dashboards/many.yaml",
        yaml.safe_dump_all([pulled(SPEC, name="a"), {**pulled(SPEC, name="b"), "spec": "x"}]),
    )
    result = project.cli("build")
    assert result.exit_code == 1
    output = result.output
    line = line_of(uid.read_text(), "uid: elsewhere")
    assert f"dashboards/uid.yaml:{line}: error: spec.uid 'elsewhere' disagrees with" in output
    assert "dashboards/playlist.yml:2: error: this is a 'Playlist' resource" in output
    spec_line = line_of(many.read_text(), "spec: x")
    assert f"dashboards/many.yaml:{spec_line}: error: document 2: spec must be an object" in output
    assert_no_traceback(output)


def test_an_empty_yaml_file_is_an_error(project: Project) -> None:
    project.write("dashboards/empty.yaml", "# nothing yet\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert "dashboards/empty.yaml: error: holds no YAML document" in result.output


def test_a_panel_problem_points_at_its_yaml_line(project: Project) -> None:
    spec = {
        **SPEC,
        "panels": [
            *SPEC["panels"],
            {"type": "stat", "title": "Wide", "gridPos": {"h": 4, "w": 30, "x": 0, "y": 9}},
        ],
    }
    path = project.write("dashboards/wide.yaml", yaml.safe_dump(pulled(spec, name="wide")))
    result = project.cli("build")
    text = path.read_text()
    assert f"dashboards/wide.yaml:{line_of(text, 'w: 30')}:" in result.output, result.output


# Tagged !!str (or quoted, or a block scalar) is a string in YAML 1.1 and 1.2 alike.
EXPLICIT_STRINGS = "a: !!str 1e3\nb: !!str 0o17\nc: '1e-05'\nd: |-\n  2.5\ne: 1e3\n"


def test_a_string_tagged_or_quoted_stays_a_string_where_plain_it_is_a_number() -> None:
    (document,) = yaml_reader.read_documents(EXPLICIT_STRINGS)
    assert document.value == {"a": "1e3", "b": "0o17", "c": "1e-05", "d": "2.5", "e": 1000.0}


def test_a_yaml_document_that_is_no_dashboard_is_called_a_yaml_document(project: Project) -> None:
    project.write("dashboards/compose.yaml", "services:\n  web:\n    image: nginx\n")
    project.write("dashboards/row.yml", "type: row\ntitle: R\npanels: []\n")
    result = project.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards/compose.yaml:1: error: this YAML document is not a Grafana dashboard model"
        in result.output
    ), result.output
    assert "dashboards/row.yml:1: error: this is a row's YAML document, not a" in result.output
    assert "JSON" not in result.output
    assert_no_traceback(result.output)


def test_without_libyaml_the_python_reader_reads_and_refuses_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PyYAML without its C extension falls back to its Python parser: same values, same
    errors on the same lines."""
    monkeypatch.delattr(yaml, "CSafeLoader")
    spec = importlib.util.spec_from_file_location("yaml_reader_python", yaml_reader.__file__)
    assert spec is not None and spec.loader is not None
    python_reader = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, python_reader)  # dataclasses look it up
    spec.loader.exec_module(python_reader)
    assert python_reader._Loader.__mro__[1] is yaml.SafeLoader

    def outcome(module: Any, text: str) -> tuple[Any, ...]:
        try:
            return tuple(d.value for d in module.read_documents(text))
        except module.YamlProblem as problem:
            if problem.message.startswith("invalid YAML: "):  # the parsers word it apart
                return ("invalid YAML", problem.line)
            return (problem.message, problem.line)

    texts = [text for text, _, _ in FAULTS.values()]
    texts += [GOOD, "a: 1e-05\nb: 0o17\nc: 2026-01-01\nd: 'yes'\n---\n- x\n", EXPLICIT_STRINGS]
    for text in texts:
        assert outcome(python_reader, text) == outcome(yaml_reader, text), text

"""Values no UTF-8 JSON can hold, from every kind of source, through the real CLI.

A lone surrogate (Python's ``"\\ud800"``, a Jinja string literal's, or a file name that is
not UTF-8) and an integer beyond a double: each is one error naming the file (and the line
or JSON path), exit 1, no "internal error", and build/ left as it was.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from build_support import Project, assert_no_traceback, run_cli


@pytest.fixture
def built(project: Project, view_dashboard) -> Project:
    project.write("dashboards/good.json", view_dashboard(uid="good", title="Good"))
    assert project.cli("build").exit_code == 0
    return project


def _failed(project: Project, before: dict[str, bytes]) -> subprocess.CompletedProcess:
    """``dashgen build`` in a subprocess (real stdout encoding), checked to fail cleanly."""
    run = run_cli(project, "build")
    assert run.returncode == 1, run.stdout + run.stderr
    assert_no_traceback(run.stdout, run.stderr)
    assert project.outputs(hidden=True) == before
    return run


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ('{"uid": "p", "title": "bad \\ud800 title"}', "title (the string 'bad \\ud800 title')"),
        ('{"uid": "p", "title": "P", "tags": ["a", "\\udfff"]}', "tags[1] (the string"),
        (
            '{"uid": "p", "title": "P", "links": [{"k\\ud801": 1}]}',
            "the key 'k\\ud801' of links[0]",
        ),
    ],
)
def test_python_value_with_a_lone_surrogate_names_its_path(
    built: Project, value: str, named: str
) -> None:
    before = built.outputs(hidden=True)
    built.write("dashboards/p.py", f"x = 1\ndashboard = {value}\n")
    run = _failed(built, before)
    assert "dashboards/p.py:2: error: dashboard #1 cannot be turned into JSON" in run.stdout
    assert named in run.stdout and "lone surrogate" in run.stdout


def test_python_integer_beyond_a_double_is_an_error_as_in_json(built: Project) -> None:
    before = built.outputs(hidden=True)
    built.write("dashboards/p.py", 'dashboard = {"uid": "p", "title": "P", "version": 10**400}\n')
    run = _failed(built, before)
    assert "dashboards/p.py:1: error:" in run.stdout
    assert "version is an integer of 401 digits, beyond what a double holds" in run.stdout
    # a big integer a double does hold is still written (Grafana reads it as a double)
    built.write("dashboards/p.py", 'dashboard = {"uid": "p", "title": "P", "n": 10**30}\n')
    assert built.cli("build").exit_code == 0
    assert built.output("_default", "p")["n"] == 10**30


def test_a_source_message_with_a_lone_surrogate_is_printed_not_an_internal_error(
    built: Project,
) -> None:
    before = built.outputs(hidden=True)
    built.write("dashboards/p.py", 'raise ValueError("no \\ud800 here")\ndashboard = {}\n')
    run = _failed(built, before)
    assert "dashboards/p.py:1: error: ValueError: no \\ud800 here" in run.stdout
    as_json = run_cli(built, "build", "--output", "json")
    assert as_json.returncode == 1
    events = [json.loads(line) for line in as_json.stdout.splitlines()]
    problems = [e["message"] for e in events if e["event"] == "problem"]
    assert problems == ["ValueError: no \\ud800 here"]


@pytest.mark.parametrize(
    "written",
    ['"description": {{ "a\\udc00" | tojson }}', '"description": "{{ "a\\udc00" }}"'],
)
def test_jinja_output_with_a_lone_surrogate_names_the_template_line(
    built: Project, written: str
) -> None:
    before = built.outputs(hidden=True)
    built.write("dashboards/t.json.j2", '{"title": "T",\n "uid": "t",\n ' + written + "\n}\n")
    run = _failed(built, before)
    assert "dashboards/t.json.j2:3: error: rendered output is not valid JSON: a lone " in run.stdout
    assert "(\\udc00 with no pair" in run.stdout
    assert "line 3 column 19 of the output" in run.stdout


def test_yaml_integer_beyond_a_double_is_an_error_as_in_json(built: Project) -> None:
    before = built.outputs(hidden=True)
    digits = "9" * 400
    built.write("dashboards/y.json", f'{{"title": "Y",\n "uid": "y",\n "version": {digits}}}\n')
    as_json = _failed(built, before)
    assert "dashboards/y.json:3: error:" in as_json.stdout
    (built.root / "dashboards/y.json").unlink()
    built.write("dashboards/y.yaml", f"title: Y\nuid: y\nversion: {digits}\n")
    as_yaml = _failed(built, before)
    assert "dashboards/y.yaml:3: error: a number of 400 digits is not a JSON number" in (
        as_yaml.stdout
    )


def test_source_whose_path_is_not_utf8_is_an_error_naming_it(built: Project) -> None:
    before = built.outputs(hidden=True)
    folder = os.fsencode(built.root / "dashboards")
    body = b'{"title": "N", "panels": [], "schemaVersion": 39}'
    try:
        with open(folder + b"/caf\xe9.json", "wb") as out:
            out.write(body)
        os.mkdir(folder + b"/t\xff")
        with open(folder + b"/t\xff/x.json", "wb") as out:
            out.write(body)
    except OSError:
        pytest.skip("this file system takes UTF-8 names only")
    run = _failed(built, before)
    assert "dashboards/caf\\xe9.json: error: its path is not UTF-8 text" in run.stdout
    assert "dashboards/t\\xff/x.json: error: its path is not UTF-8 text" in run.stdout
    as_json = run_cli(built, "build", "--output", "json")
    paths = [json.loads(line).get("path") for line in as_json.stdout.splitlines()]
    assert "dashboards/caf\\xe9.json" in paths


def test_yaml_integers_past_64_bits_build_as_the_same_json_file_does(project: Project) -> None:
    """orjson reads an integer past 64 bits as a double; YAML's reader kept it exact, so the
    two outputs of one document differed (the README promises them byte-identical)."""
    numbers = {
        "a": "99999999999999999999999",
        "b": "18446744073709551615",
        "c": "18446744073709551616",
        "d": "-9223372036854775808",
        "e": "-9223372036854775809",
    }
    fields = ", ".join(f'"{key}": {value}' for key, value in numbers.items())
    project.write(
        "dashboards/j.json", f'{{"title": "N", "uid": "n", "schemaVersion": 39, {fields}}}\n'
    )
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    from_json = (project.root / "build/_default/n.json").read_bytes()
    (project.root / "dashboards/j.json").unlink()
    lines = "".join(f"{key}: {value}\n" for key, value in numbers.items())
    project.write("dashboards/j.yaml", f"title: N\nuid: n\nschemaVersion: 39\n{lines}")
    result = project.cli("build")
    assert result.exit_code == 0, result.output
    assert (project.root / "build/_default/n.json").read_bytes() == from_json


@pytest.mark.parametrize("kind", ["json", "python"])
def test_import_of_a_file_whose_path_is_not_utf8_is_refused_and_the_rest_imported(
    project: Project, kind: str
) -> None:
    """The source would take the file's name, which the build refuses; --as python was an
    internal error, --as json wrote a source no build could take."""
    incoming = os.fsencode(project.root) + b"/in"
    try:
        os.makedirs(incoming)
        with open(incoming + b"/caf\xe9.json", "wb") as out:
            out.write(b'{"title": "Cafe", "panels": [], "schemaVersion": 39}')
    except OSError:
        pytest.skip("this file system takes UTF-8 names only")
    project.write("in/ok.json", {"title": "OK", "panels": [], "schemaVersion": 39})
    bad = os.fsdecode(incoming + b"/caf\xe9.json")
    run = run_cli(project, "import", "--as", kind, bad, str(project.root / "in/ok.json"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert_no_traceback(run.stdout, run.stderr)
    assert "in/caf\\xe9.json: its path is not UTF-8 text" in run.stderr
    assert "1 created, 1 refused" in run.stdout
    written = sorted(os.listdir(os.fsencode(project.root / "dashboards")))
    assert written == [b"ok.dashboard.py" if kind == "python" else b"ok.json"]


def test_python_keys_that_become_one_json_key_are_a_warning(built: Project) -> None:
    """json.dumps writes 1 and "1" (True and "true") as one key: the value before was lost
    without a word (a key written twice in a .json file is a warning)."""
    built.write(
        "dashboards/p.py",
        'dashboard = {"uid": "p", "title": "P", "schemaVersion": 39,\n'
        '             "options": {1: "one", "1": "uno", "true": "yes", False: "no"}}\n',
    )
    result = built.cli("build")
    assert result.exit_code == 0, result.output
    assert (
        "dashboards/p.py:1: warning: key '1' is written twice in one object once turned into "
        "JSON" in result.output
    )
    assert "key 'true'" not in result.output
    assert built.output("_default", "p")["options"] == {"1": "uno", "true": "yes", "false": "no"}
    assert built.cli("build", "--strict").exit_code == 1

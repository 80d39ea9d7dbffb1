"""Every problem of dashgen.toml that is about a key or its value names the key's line
(tomllib gives no positions: the text is scanned for them), through a real `dashgen build`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import invoke
from dashgen.config_file import key_lines

CONFIG = '''\
# a comment with grafana_url = 1 in it
grafana_url = 3000
colour = "blue"
notes = """
[orgs.fake]
folder = 1
"""
[paths]
source = "x"

[orgs."my org"]
folder = ["Platform"]
sources = "http_*"
vars = { a = 1, nested = { b = 2 } }
folders = { team-a = { title = "T", uid = 5 } }

[orgs.b.inputs]
"DS PROM" = 7

[build]
source_timeout_s = -1

[grafana]
api = "soap"
'''

EXPECTED = {
    "grafana_url must be": 2,
    "unknown key colour": 3,
    "unknown key notes": 4,
    "unknown key paths.source": 9,
    "orgs.my org.folder must be a string": 12,
    "orgs.my org.sources must be a list": 13,
    'orgs.my org.folders."team-a": title, uid and parent must be strings': 15,
    'orgs.b.inputs."DS PROM" must be a string': 18,
    "build.source_timeout_s must be a number": 21,
    "grafana.api must be one of": 24,
}


def _root(tmp_path: Path, config: str, name: str = "dashgen.toml") -> Path:
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    (root / "dashboards/good.json").write_text(json.dumps({"uid": "g", "title": "G"}))
    (root / name).write_text(config)
    return root


def test_each_key_problem_names_its_line(tmp_path: Path) -> None:
    result = invoke(_root(tmp_path, CONFIG), "build")
    assert result.code == 2, result.output
    assert f"{len(EXPECTED)} configuration problems" in result.output, result.output
    for problem, line in EXPECTED.items():
        assert f"- line {line}: {problem}" in result.output, (problem, result.output)
    assert "Traceback" not in result.output and not (tmp_path / "project/build").exists()


def test_a_key_of_pyproject_names_its_line(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\n\n[tool.dashgen]\nbogus = 1\n'
    result = invoke(_root(tmp_path, text, "pyproject.toml"), "build")
    assert result.code == 2, result.output
    assert "pyproject.toml: line 5: unknown key tool.dashgen.bogus" in result.output


def test_a_problem_of_no_key_in_the_file_has_no_line(tmp_path: Path) -> None:
    # the output folder is the default ("build"), which sits inside sources ".": no line
    result = invoke(_root(tmp_path, '[paths]\nsources = "."\n'), "build")
    assert result.code == 2, result.output
    assert "line " not in result.output and "paths.output (build/)" in result.output


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ('a = "x # not a comment"\nb = 1\n', ("b",), 2),
        ("a = '''\n[t]\n'''\nb = 1\n", ("b",), 4),
        ('a = "q\\"# x"\n[t]\nc = 1\n', ("t", "c"), 3),
        ("a = [\n  [1, 2],\n  { x = 1 },\n]\nb = 1\n", ("b",), 5),
        ('[ t . "u v" ]\nk = 1\n', ("t", "u v", "k"), 2),
        ("[[arr]]\nk = 1\n[[arr]]\nk = 2\n", ("arr", "k"), 2),
        ("d = 1979-05-27 07:32:00Z\nb = 1\n", ("b",), 2),
    ],
)
def test_key_lines_skip_what_toml_skips(text: str, key: tuple[str, ...], line: int) -> None:
    assert key_lines(text)[key] == line


def test_vars_that_json_cannot_hold_are_config_errors_at_their_line(tmp_path: Path) -> None:
    # a TOML date, or nan/inf, failed every source using them ("Object of type date is not
    # JSON serializable", or output with NaN in it)
    text = (
        '[vars]\nok = "x"\nday = 1979-05-27\n'
        "[orgs.a.vars]\nlimits = [1.5, { max = inf }]\nat = 07:32:00\n"
    )
    root = _root(tmp_path, text)
    (root / "dashboards/d.json.j2").write_text('{"uid": "d", "title": {{ day | tojson }}}\n')
    result = invoke(root, "build")
    assert result.code == 2, result.output
    assert "line 3: vars.day is a TOML date, which JSON has not: quote it" in result.output
    assert "line 5: orgs.a.vars.limits[1].max = inf is not a JSON number" in result.output
    assert "line 6: orgs.a.vars.at is a TOML time" in result.output
    assert "vars.ok" not in result.output and "Traceback" not in result.output

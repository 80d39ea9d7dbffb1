"""Jinja errors name the template line: inside macros (with every dashboard being rendered),
and for rendered output that is not valid JSON or holds a bad value (the template line that
wrote the text, through macros, loops, includes and extends)."""

from __future__ import annotations

import pytest
from build_support import Project, assert_no_traceback

MACROS = """\
{% macro panel(title, width) -%}
{
  "type": "stat",
  "title": "{{ title }}",
  "gridPos": {"x": 0, "y": 0, "w": {{ width }}, "h": {{ height }}}
}
{%- endmacro %}
{% macro broken(value) -%}
{{ (value | int) // 0 }}
{%- endmacro %}
{% macro sized(title, width) -%}
{"type": "stat", "title": "{{ title }}", "gridPos": {"x": 0, "y": 0, "w": {{ width }}, "h": 4}}
{%- endmacro %}
"""


def _dashboard(uid: str, body: str) -> str:
    return (
        '{% import "macros.j2" as m %}\n'
        "{\n"
        f'  "uid": "{uid}",\n'
        f'  "title": "{uid.upper()}",\n'
        '  "panels": [\n'
        f"{body}\n"
        "  ]\n"
        "}\n"
    )


@pytest.fixture
def templated(project: Project, view_dashboard) -> Project:
    project.write("templates/macros.j2", MACROS)
    project.write("dashboards/ok.json", view_dashboard(uid="ok"))
    assert project.cli("build").exit_code == 0
    return project


def test_error_inside_a_macro_names_its_line_and_every_dashboard(templated: Project) -> None:
    before = templated.outputs(hidden=True)
    templated.write("dashboards/a.json.j2", _dashboard("a", '    {{ m.panel("one", 12) }}'))
    templated.write("dashboards/b.json.j2", _dashboard("b", '\n\n    {{ m.panel("two", 6) }}'))
    result = templated.cli("build")
    assert result.exit_code == 1
    assert (
        "templates/macros.j2:5: error: undefined variable: 'height' is undefined "
        "(while rendering dashboards/a.json.j2 line 6)" in result.output
    )
    assert (
        "templates/macros.j2:5: error: undefined variable: 'height' is undefined "
        "(while rendering dashboards/b.json.j2 line 8)" in result.output
    )
    assert "build failed: 2 errors" in result.output
    assert_no_traceback(result.output)
    assert templated.outputs(hidden=True) == before


def test_undefined_name_in_an_included_template_names_both(templated: Project) -> None:
    templated.write("templates/part.j2", '    {"type": "stat", "title": "{{ nope }}"}\n')
    templated.write("dashboards/inc.json.j2", _dashboard("inc", '{% include "part.j2" %}'))
    result = templated.cli("build")
    assert result.exit_code == 1
    assert (
        "templates/part.j2:1: error: undefined variable: 'nope' is undefined "
        "(while rendering dashboards/inc.json.j2 line 6)" in result.output
    )


def test_syntax_error_in_an_imported_template_names_the_dashboard(templated: Project) -> None:
    templated.write("templates/bad.j2", "{% macro x() %}\n{% if %}\n{% endmacro %}\n")
    templated.write("dashboards/imp.json.j2", '{% import "bad.j2" as b %}\n{"title": "T"}\n')
    result = templated.cli("build")
    assert result.exit_code == 1
    assert "templates/bad.j2:2: error: template syntax error" in result.output
    assert "(while rendering dashboards/imp.json.j2)" in result.output


def test_missing_comma_in_template_text_names_the_template_line(templated: Project) -> None:
    before = templated.outputs(hidden=True)
    body = '    {"type": "stat", "title": "a"},\n    {"type": "stat" "title": "b"}'
    templated.write("dashboards/c.json.j2", _dashboard("c", body))
    result = templated.cli("build")
    assert result.exit_code == 1
    assert "dashboards/c.json.j2:7: error: rendered output is not valid JSON" in result.output
    assert "this template line wrote it" in result.output
    assert templated.outputs(hidden=True) == before


def test_trailing_comma_from_a_loop_names_the_loop_body(templated: Project) -> None:
    body = '{% for i in range(3) %}\n    {"type": "stat", "title": "p{{ i }}"},\n{% endfor %}'
    templated.write("dashboards/loop.json.j2", _dashboard("loop", body))
    result = templated.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards/loop.json.j2:7: error: rendered output is not valid JSON: trailing comma"
        in result.output
    )


def test_bad_text_from_an_include_names_the_included_line(templated: Project) -> None:
    templated.write("templates/part.j2", '    {"type": "stat",\n     "title": oops}\n')
    templated.write("dashboards/inc.json.j2", _dashboard("inc", '{% include "part.j2" %}'))
    result = templated.cli("build")
    assert result.exit_code == 1
    assert "templates/part.j2:2: error: rendered output is not valid JSON" in result.output
    assert "(while rendering dashboards/inc.json.j2)" in result.output


def test_output_that_is_no_json_at_all(templated: Project) -> None:
    templated.write("dashboards/text.json.j2", "{% if true %}\nhello {{ 'world' }}\n{% endif %}\n")
    result = templated.cli("build")
    assert result.exit_code == 1
    assert "dashboards/text.json.j2:2: error: rendered output is not valid JSON" in result.output


def test_bad_values_in_rendered_output_name_the_template_line(templated: Project) -> None:
    body = (
        '    {{ m.sized("wide", 30) }},\n'
        '    {"type": "stat", "title": "static", "gridPos": {"x": 0, "y": 8, "w": 0, "h": 4}}'
    )
    templated.write(
        "dashboards/v.json.j2",
        _dashboard("v", body).replace('"title": "V"', '"title": {{ 42 }}'),
    )
    result = templated.cli("build")
    assert result.exit_code == 1
    output = result.output
    assert "dashboards/v.json.j2:4: error: title must be a string, got 42" in output
    assert 'dashboards/v.json.j2:6: error: panel 1 "wide": gridPos.w must be' in output
    assert 'dashboards/v.json.j2:7: error: panel 2 "static": gridPos.w must be' in output


def test_bad_value_written_by_a_base_template(templated: Project) -> None:
    templated.write(
        "templates/base.j2",
        '{\n  "uid": "{{ uid }}",\n  "title": "Base",\n  "panels": []\n}\n',
    )
    templated.write("dashboards/child.json.j2", '{% extends "base.j2" %}\n{% set uid = "a b" %}\n')
    result = templated.cli("build")
    assert result.exit_code == 1
    assert (
        "templates/base.j2:2: error: uid 'a b' is invalid: use only letters, digits, '-' and "
        "'_' (in the output of dashboards/child.json.j2)" in result.output
    )


def test_filter_error_in_a_macro_names_the_dashboard(templated: Project) -> None:
    templated.write("dashboards/f.json.j2", _dashboard("f", '    {{ m.broken("x") }}'))
    result = templated.cli("build")
    assert result.exit_code == 1
    assert "templates/macros.j2:9: error: rendering failed: ZeroDivisionError" in result.output
    assert "(while rendering dashboards/f.json.j2 line 6)" in result.output
    assert_no_traceback(result.output)


def test_a_macro_the_imported_template_lacks_names_what_it_has(templated: Project) -> None:
    templated.write("dashboards/u.json.j2", _dashboard("u", '    {{ m.pannel("x", 3) }}'))
    result = templated.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards/u.json.j2:6: error: undefined variable: macros.j2 defines no macro or "
        "variable 'pannel' (it defines: broken, panel, sized)" in result.output
    )
    assert "TemplateModule" not in result.output


def test_a_missing_key_of_a_mapping_names_its_keys(templated: Project) -> None:
    text = '{% set d = {"a": 1, "b": 2} %}\n{"uid": "k", "title": "{{ d.c }}"}\n'
    templated.write("dashboards/k.json.j2", text)
    result = templated.cli("build")
    assert result.exit_code == 1
    assert (
        "dashboards/k.json.j2:2: error: undefined variable: this mapping has no key 'c' "
        "(its keys: 'a', 'b')" in result.output
    )


@pytest.mark.parametrize(
    ("template", "body"),
    [
        ("loop.j2", '{% include "loop.j2" %}'),
        ("loop.j2", '{% import "loop.j2" as again %}{{ again.x }}'),
        ("loop.j2", '{% extends "loop.j2" %}'),
        ("loop.j2", "{% macro r(n) %}{{ r(n) }}{% endmacro %}{{ r(1) }}"),
    ],
)
def test_templates_that_recurse_without_end_say_so(
    templated: Project, template: str, body: str
) -> None:
    before = templated.outputs(hidden=True)
    templated.write(f"templates/{template}", body + "\n")
    templated.write("dashboards/r.json.j2", '{% include "loop.j2" %}\n')
    result = templated.cli("build")
    assert result.exit_code == 1, result.output
    assert f"templates/{template}:1: error: rendering failed: the templates recurse" in (
        result.output
    )
    assert "(while rendering dashboards/r.json.j2 line 1)" in result.output
    assert "RecursionError" not in result.output
    assert_no_traceback(result.output)
    assert templated.outputs(hidden=True) == before

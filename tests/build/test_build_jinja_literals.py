"""The literal-folding Jinja parser (dashgen.sources.jinja_literals) generates the same
Python source as Jinja's own parser, so templates behave exactly as before."""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import pytest

from dashgen.sources.jinja import DeferredBytecodeCache, RecordingEnvironment

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import synth  # noqa: E402

SNIPPETS = [
    '{{ m.panel(1, "A #1", "up{job=\\"x\\"}", "s", "ts", {"h": 8, "w": 12, "x": 0}, ds) }}',
    "{{ [1, 2.5, 'x', true, false, none, True, None] }}",
    '{{ {"a": [1, {"b": [2, 3]}], "c": {}} | tojson }}',
    "{{ {'a': 1}['a'] }} {{ [1, 2][0] }} {{ 'ab'[1:] }} {{ x[1:2] }}",
    "{{ 'a' 'b' }} {{ 'a' ~ 'b' }} {{ 1 + 2 }} {{ -1 }} {{ 1 if x else 2 }}",
    "{{ 'abc' | upper }} {{ 1 is odd }} {{ 'a' in 'abc' }} {{ not true }} {{ 1 < 2 }}",
    "{{ (1, 2) }} {{ (1,) }} {{ () }} {{ 1, 2 }} {{ [] }} {{ {} }} {{ [x, 1] }}",
    "{{ {1: 'a', x: 2} }} {{ {[1]: 2} if false else 0 }} {{ {(1, 2): 3} }}",
    "{% for a, b in [[1, 2], [3, 4]] if a > 1 %}{{ a }}{{ b }}{% else %}none{% endfor %}",
    "{% set s = {'k': [1, 2]} %}{% set t, u = 1, 2 %}{{ s.k }}{{ t }}{{ u }}",
    "{% if 1 %}{{ 'y' }}{% elif none %}n{% endif %}{{ 1.5 }}{{ 1e3 }}{{ 1_000 }}",
    '{% include ["a.j2", "b.j2"] ignore missing %}{% include "a.j2" ignore missing %}',
    "{% macro f(a=1, b=[1, 2], c={'x': none}) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ f() }}",
    "{{ f(1, k=2, *[3], **{'z': 4}) if f is defined else 'no' }}",
    "{{ {'a': 1, 'a': 2} }} {{ [1, 2] | length }} {{ x.y[0]['z'] }} {{ range(3) | list }}",
    "{%- set ds = {'type': 'prometheus', 'uid': uid} -%}\n{\n  \"x\": {{ ds | tojson }}\n}\n",
    "{% filter upper %}{{ 'a' }}{% endfilter %}{% with a = [1] %}{{ a }}{% endwith %}",
    "{{ caller is defined }}{% raw %}{{ 1 }}{% endraw %}{# comment {{ 1 }} #}",
]


class _StockParsing(RecordingEnvironment):
    """dashgen's environment (same filters, same settings) with Jinja's own parser and
    code generator."""

    code_generator_class = jinja2.compiler.CodeGenerator  # not dashgen's fused one

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        return jinja2.Environment._parse(self, source, name, filename)


def _environments(tmp_path: Path) -> tuple[RecordingEnvironment, RecordingEnvironment]:
    stock = _StockParsing([tmp_path], DeferredBytecodeCache(tmp_path, {}))
    ours = RecordingEnvironment([tmp_path], DeferredBytecodeCache(tmp_path, {}))
    assert type(ours)._parse is not type(stock)._parse
    return stock, ours


def _templates() -> list[tuple[str, str]]:
    shipped = [
        (str(path.relative_to(REPO)), path.read_text())
        for path in sorted([*REPO.glob("templates/*.j2"), *REPO.glob("dashboards/**/*.j2")])
    ]
    return [*shipped, *((f"snippet {i}", text) for i, text in enumerate(SNIPPETS))]


@pytest.mark.parametrize(("name", "text"), _templates(), ids=lambda v: v[:40])
def test_generated_source_is_stock_jinjas(tmp_path: Path, name: str, text: str) -> None:
    stock, ours = _environments(tmp_path)
    expected = stock.compile(text, name=name, raw=True)
    generated = ours.compile(text, name=name, raw=True)
    assert generated == expected


def test_synthetic_bench_templates_generate_stock_source(tmp_path: Path) -> None:
    project = synth.make_project(tmp_path / "p", count=12, kinds=("jinja",))
    stock, ours = _environments(tmp_path)
    for path in [project.shared_macro, *project.sources["jinja"]]:
        text = path.read_text()
        assert ours.compile(text, name=path.name, raw=True) == stock.compile(
            text, name=path.name, raw=True
        )


def test_a_repeated_key_keeps_the_last_value_as_before(tmp_path: Path) -> None:
    stock, ours = _environments(tmp_path)
    text = "{% set d = {'a': 1, 'b': [2], 'a': 3} %}{{ d }} {{ d | tojson }}"
    assert ours.from_string(text).render() == stock.from_string(text).render()
    assert ours.from_string(text).render() == "{'a': 3, 'b': [2]} {\"a\": 3, \"b\": [2]}"


def test_syntax_errors_are_reported_alike(tmp_path: Path) -> None:
    stock, ours = _environments(tmp_path)
    for text in ["{{ [1, 2 }}", '{{ {"a" 1} }}', "{{ 1 2 }}", '{{ {"a": 1,, } }}', "{{ 'x' |}}"]:
        with pytest.raises(jinja2.TemplateSyntaxError) as expected:
            stock.compile(text, name="t")
        with pytest.raises(jinja2.TemplateSyntaxError) as got:
            ours.compile(text, name="t")
        assert (got.value.message, got.value.lineno) == (
            expected.value.message,
            expected.value.lineno,
        )


def test_literal_arguments_are_one_node_each(tmp_path: Path) -> None:
    stock, ours = _environments(tmp_path)
    text = '{{ m.panel(1, "t", {"h": 8, "w": [1, 2]}, ds) }}'
    tree = ours.parse(text)
    assert [node.name for node in tree.find_all(jinja2.nodes.InternalName)] == [
        "1, 't', {'h': 8, 'w': [1, 2]}"
    ]
    assert not list(tree.find_all(jinja2.nodes.Const))
    assert not list(tree.find_all(jinja2.nodes.Dict))
    assert len(list(stock.parse(text).find_all(jinja2.nodes.Const))) == 7


def test_a_run_of_literal_arguments_is_one_node_of_their_python_text(tmp_path: Path) -> None:
    _, ours = _environments(tmp_path)
    text = "{{ f(1, 2.5, 'a', [none], x, true, {'k': 1e3}, -1, 7, **kw) }}"
    (call,) = ours.parse(text).find_all(jinja2.nodes.Call)
    kinds = [(type(arg).__name__, getattr(arg, "name", None)) for arg in call.args]
    assert kinds == [
        ("InternalName", "1, 2.5, 'a', [None]"),
        ("Name", "x"),
        ("InternalName", "True, {'k': 1000.0}"),
        ("Neg", None),  # not a literal to Jinja's grammar: an operator on one
        ("Const", None),  # a run of one stays as it is
    ]
    rendered = ours.from_string(text).render(f=lambda *a, **k: (a, k), x="X", kw={"z": 0})
    assert rendered == "((1, 2.5, 'a', [None], 'X', True, {'k': 1000.0}, -1, 7), {'z': 0})"

"""Calls read straight from the token list (dashgen.sources.jinja_calls) give Jinja's own
result: over every template the tests, the examples, the corpus and the benchmark
project hold, and the call shapes below, dashgen's environment generates byte for byte
the Python source stock Jinja (its lexer, parser and code generator) generates, or fails
with the same message on the same line; and the fast path builds the very tree the
parser builds without it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja_support import every_template

from dashgen.sources import jinja_codegen
from dashgen.sources.jinja import DeferredBytecodeCache, RecordingEnvironment
from dashgen.sources.jinja_calls import ListTokenStream, literal_arguments
from dashgen.sources.jinja_literals import LiteralParser

CALLS = [
    '{{ f(1, 2) }}{{ f() }}{{ f(1,) }}{{ f("a", 2.5, -1, 1e3, 0x10, 1_0, true, none, False) }}',
    "{{ f(x, 1, 2, y, 3) }}{{ f(ds, ds) }}{{ f(1, x) }}{{ f(x) }}{{ f(1) }}",
    '{{ f([1, [2, {"a": [3]}]], {"k": {"n": none},}, [1,], {}, []) }}',
    "{{ f({1: 2, true: 3, 1.0: 4, none: 5, 'a': 6, 'a': 7}) }}",
    '{{ f("a" "b", 1) }}{{ f(1, k=2) }}{{ f(1, *a) }}{{ f(1, **k) }}{{ f(1, x.y) }}',
    "{{ f((1, 2), 3) }}{{ f({[1]: 2}) }}{{ f([1] + [2], 3) }}{{ f(1 if x else 2, 3) }}",
    "{{ f(true.x, 1) }}{{ f(x | e, 1) }}{{ f(x is odd, 1) }}{{ f(not x, 1) }}{{ f(x[0]) }}",
    "{{ f(1)(2, 3) }}{{ f(1, 2)[0] }}{{ f(1, 2).x }}{{ f(1, 2) | g(3, 4) }}{{ x is t(1, 2) }}",
    "{{ f(caller, self, loop, varargs) }}{{ f(x, y=1, *z, **w) }}{{ f(1, 2, x, 3, 4) }}",
    "{% set y = f(1, 2) %}{% for i in range(1, 3) %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% macro m(a, b) %}{{ a }}{{ b }}{{ caller() }}{% endmacro %}{% call m(1, 2) %}c{% endcall %}",
    "{% for x in y %}{{ f(1, 2, loop) }}{% endfor %}{% block b %}{{ f(1, 2) }}{% endblock %}",
    "{% if f(1, 2) %}{{ f('é', '\\n', \"q\\\"r\") }}{% endif %}{% with a = f(3, 4) %}{% endwith %}",
    "{{ f(\n  1,\n  'two',\n  x,\n) }}\n{{ g(1,\n 2) }}",
    "{{ f(" + "[" * 40 + "]" * 40 + ", 1) }}{{ f(" + "{'a': " * 40 + "1" + "}" * 40 + ", 2) }}",
    # what the fused code generator's one walk looks for (dashgen.sources.jinja_codegen)
    '{% extends "base.j2" %}{% block a %}{{ self.b() }}{{ super() }}{{ x | upper }}{% endblock %}',
    "{% block a %}{% block b %}{{ 1 is odd }}{% endblock %}{% endblock %}{{ self.a() }}",
    "{{ x | e }}{% if y is defined %}{{ y | int | abs }}{% endif %}{% block c %}{% endblock %}",
    "{% set self = 1 %}{{ self }}{{ x | lower }}",
    "{% for x in y %}{{ self }}{% endfor %}{% set self = 2 %}",
    "{% macro m() %}{{ self }}{{ caller() | trim }}{% endmacro %}{% block d %}{{ self }}"
    "{% endblock %}",
    '{% if x %}{% extends "base.j2" %}{% endif %}{% block e %}{{ z is none }}{% endblock %}',
    "{% block f %}{% endblock %}{% block f %}{% endblock %}",
    # errors: Jinja's parser reads these, so they fail as Jinja fails
    "{{ f(,) }}",
    "{{ f(1,,2) }}",
    "{{ f(1 2) }}",
    "{{ f({'a' 1}) }}",
    "{{ f([1 2]) }}",
    "{{ f(1, 2 }}",
    "{{ f(1, 2",
    "{{ f(in) }}",
    "{{ f(1, k=2, 3) }}",
    "line one\n{{ f(1,\n 2,\n $) }}",
    "a\nb\n{{ f(1,\n 2,\n ) + }}",
    "{{ f(1, 2)) }}",
    "{{ f({'a': 1}, [2]]) }}",
]


class _Stock(RecordingEnvironment):
    """dashgen's settings and filters, read and compiled by Jinja alone."""

    code_generator_class = jinja2.compiler.CodeGenerator  # not dashgen's fused one

    def _tokenize(self, *args: Any, **kwargs: Any) -> jinja2.lexer.TokenStream:
        return jinja2.Environment._tokenize(self, *args, **kwargs)

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        return jinja2.Environment._parse(self, source, name, filename)


def _environment(tmp_path: Path, kind: type[RecordingEnvironment]) -> RecordingEnvironment:
    return kind([tmp_path], DeferredBytecodeCache(tmp_path, {}))


def _compiled(env: RecordingEnvironment, name: str, text: str) -> Any:
    try:
        return env.compile(text, name=name, filename=name, raw=True)
    except jinja2.TemplateSyntaxError as exc:
        return ("error", exc.message, exc.lineno)


def test_every_template_compiles_to_stock_jinjas_source_or_error(tmp_path: Path) -> None:
    ours, stock = _environment(tmp_path, RecordingEnvironment), _environment(tmp_path, _Stock)
    templates = every_template(tmp_path, CALLS)
    assert len(templates) > 150
    errors = 0
    for name, text in templates:
        expected = _compiled(stock, name, text)
        assert _compiled(ours, name, text) == expected, name
        errors += isinstance(expected, tuple)
    assert errors >= 13  # the error cases above are compared, not skipped


def test_the_fused_code_generator_is_used_only_for_the_jinja_it_was_written_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert RecordingEnvironment.code_generator_class is jinja_codegen.FusedCodeGenerator
    monkeypatch.setattr(jinja_codegen, "_JINJA_FILES_SHA256", "0" * 64)  # other files,
    assert jinja_codegen.code_generator_class() is jinja_codegen.FusedCodeGenerator  # same code
    monkeypatch.setattr(jinja_codegen, "_JINJA_SOURCES_SHA256", "0" * 64)  # another release
    assert jinja_codegen.code_generator_class() is jinja2.compiler.CodeGenerator


def test_jinja_files_as_written_from_hold_its_functions_as_written_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The quick check (the files) answers as the thorough one (the functions) does."""
    assert jinja_codegen._jinja_files() == jinja_codegen._JINJA_FILES_SHA256
    sources = hashlib.sha256(jinja_codegen._jinja_sources().encode()).hexdigest()
    assert sources == jinja_codegen._JINJA_SOURCES_SHA256
    monkeypatch.setattr(jinja_codegen, "_JINJA_SOURCES_SHA256", "0" * 64)
    monkeypatch.setattr(jinja2.nodes.Node, "find", lambda self, node_type: None)  # replaced
    assert jinja_codegen._jinja_files() is None
    assert jinja_codegen.code_generator_class() is jinja2.compiler.CodeGenerator


def test_the_fast_path_builds_the_parsers_own_tree(tmp_path: Path) -> None:
    env = _environment(tmp_path, RecordingEnvironment)
    read_ahead = 0
    for name, text in every_template(tmp_path, CALLS):
        try:
            fast = env.parse(text, name, name)
        except jinja2.TemplateSyntaxError:
            continue
        tokens = env._tokenize(text, name, name)
        if isinstance(tokens, ListTokenStream):
            read_ahead += 1
        slow = LiteralParser(env, text, name, name)
        slow.stream = jinja2.lexer.TokenStream(list(tokens), name, name)  # no looking ahead
        assert fast == slow.parse(), name
        # every node has the environment, as Jinja's parse gives it (parse_quickly)
        assert all(node.environment is env for node in fast.find_all(jinja2.nodes.Node)), name
        assert fast.environment is env
        # what the code generator looks for, found in that walk, as its own walk finds it
        assert getattr(fast, jinja_codegen.FACTS) == jinja_codegen._facts(fast), name
    assert read_ahead > 100


def _arguments(env: RecordingEnvironment, call: str) -> Any:
    stream = env._tokenize("{{ " + call + " }}", "t")
    assert isinstance(stream, ListTokenStream)
    while stream.current.type != "lparen":
        next(stream)
    return literal_arguments(stream)


def test_a_panel_call_is_read_from_the_token_list(tmp_path: Path) -> None:
    env = _environment(tmp_path, RecordingEnvironment)
    call = 'p.panel(3, "CPU", "rate(x[5m])", "s", "ts", {"h": 8, "w": 12, "x": 0, "y": 16}, ds)'
    args, rparen = _arguments(env, call)
    assert [type(arg).__name__ for arg in args] == ["InternalName", "Name"]
    assert args[0].name == "3, 'CPU', 'rate(x[5m])', 's', 'ts', {'h': 8, 'w': 12, 'x': 0, 'y': 16}"
    assert rparen > 0


@pytest.mark.parametrize(
    "call",
    [
        "f(1 + 2)",
        "f(x=1)",
        "f('a' 'b')",
        "f((1,))",
        "f(x.y)",
        "f(*a)",
        "f([1, x])",
        "f({'a': 1, 'a': 2})",
    ],
)
def test_what_it_does_not_read_itself_is_left_to_jinjas_parser(tmp_path: Path, call: str) -> None:
    assert _arguments(_environment(tmp_path, RecordingEnvironment), call) is None

"""dashgen's Jinja lexer (dashgen.sources.jinja_lexer) yields exactly Jinja's token stream,
and what it is unsure of goes to Jinja's own lexer: the same tokens, the same errors, the
same generated code, for every template the tests, the examples, the corpus and the
benchmark project hold."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja_support import every_template

from dashgen.sources.jinja import DeferredBytecodeCache, RecordingEnvironment
from dashgen.sources.jinja_lexer import FastLexer

EDGES = [
    "{{ x }}\r\n{{ y }}\r{{ z }}\n",
    "a  \n\n {%- if x -%}  \n b {%- endif %}\n{{- y -}}\n\n c {%+ if 1 %}{% endif %}",
    "{# one\nline -#}\n\n{{ 1 }}{#- two\n\n #}{{ 2 }}{#+ three #}",
    "{{ 'a\\nb' }}{{ \"q\\\"r\" }}{{ 'multi\nline' }}{{ '\\u00e9\\x41' }}{{ 'é' }}",
    '{{ {"a": {"b": 1}} }}{{ {"a": [{"b": (1, 2)}]}|tojson }}{{ x -}}  \n{{ [1,2][0] }}',
    "{{ 1.5e3 }}{{ 1_000 }}{{ 0x1F }}{{ 0b101 }}{{ 0o17 }}{{ 00 }}{{ 1E-2 }}{{ 2.5 }}",
    "{{ a.0 }}{{ a.b.c }}{{ a.1.5 }}{{ 1. }}{{ x//2 }}{{ x**2 }}{{ x!=1 }}{{ x>=1 }}{{ 1<2 }}",
    "{{ naïve }}{{ _x }}{{ x1 }}{{ not x and y or z }}{{ x if y else z }}{{ x ~ y }}",
    "{% for a in b %}\n  {{ loop.index }}\n{% else %}-{% endfor %}\n",
    "{{\n  f(\n    1,\n    'two',\n  )\n}}\n{%\n  set x = 1\n%}",
    "text only, no tags\n",
    "",
    "{{ x }}{% raw %}{{ not a tag }}{% endraw %}{{ y }}",
    "{{ x }}  {%- raw %}\n a {{ b }}\n  {%- endraw -%}\n  {{ y }}{%+ raw +%}{%endraw%}",
    "{% raw -%}  x  {%- endraw %}",
    # errors and unfinished templates: Jinja's lexer reads these
    "{{ $ }}",
    "{{ x ) }}",
    "{{ (x] }}",
    "{{ x",
    "{{ x   ",
    "{# not closed",
    "{# not closed #",
    "{{ '\\x4' }}",
    "{{ 'unterminated }}",
    "{% if %}",
    "{{ 1 + }}",
    "{{ x }}{% endif %}",
    "{% raw %} never ended",
    "{{ a\u00b7b }}",
]

# Runs of literal call arguments, which the lexer reads at once (and what ends them)
RUNS = [
    '{{ f(1, "a", \'b\', {"h": 8, "w": [1, 2]}, ds, true, none) }}{{ f(\t1 ,\t2 ) }}',
    "{{ f('\\u00e9\\n', \"q\\\"r\", 'é', '', \"\", '{{ x }}', '%}', '}}', \"a'b\") }}",
    "{{ f(1.5, 1e3, 1_0, 00, 0x1F, 0, 10, 2.) }}{{ f(a.b, x (1), r'x', 1 .5, u\"y\") }}",
    "{{ f(a\u00b7b, 1) }}{{ f(x1, _x, naïve, a²) }}{{ f(1, x|e, -1, not x, 1 if x else 2) }}",
    '{{ f([1, [2, {3: 4}]], {"a": {"b": []}}) }}{{ f(1,\n 2, \'x\ny\') }}{{ f(1, 2)(3, 4) }}',
    "{% set x = f(1, {'a': 1}) %}{% for i in range(1, 3) %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{{ f({'a': 1]) }}",
    "{{ f([1, 2}) }}",
    "{{ f(1, '\\x4') }}",
    "{{ f(1, 'unterminated) }}",
    "{{ f(1, 2 }}",
    "{{ f(1, 2",
]


def _environment(tmp_path: Path) -> RecordingEnvironment:
    return RecordingEnvironment([tmp_path], DeferredBytecodeCache(tmp_path, {}))


def _stream(lex: Any) -> tuple[list[tuple[Any, ...]], tuple[str, str, int | None] | None]:
    """Tokens (with each value's type: 1, 1.0 and True are equal) up to an error, and it."""
    tokens: list[tuple[Any, ...]] = []
    try:
        for token in lex():
            tokens.append((*token, type(token.value)))
    except jinja2.TemplateSyntaxError as exc:
        return tokens, (type(exc).__name__, exc.message or "", exc.lineno)
    except Exception as exc:  # Jinja's own ValueErrors, say: both must raise the same
        return tokens, (type(exc).__name__, str(exc), None)
    return tokens, None


def test_every_template_lexes_to_jinjas_token_stream(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    templates = every_template(tmp_path, EDGES + RUNS)
    assert len(templates) > 150
    fast = 0
    for name, text in templates:
        stock = _stream(partial(jinja2.Environment._tokenize, env, text, name, name))
        ours = _stream(partial(env._tokenize, text, name, name))
        assert ours == stock, name
        fast += FastLexer(env.lexer).tokens(text) is not None
    assert fast > len(templates) * 0.8  # the fast path is the one compared, mostly


def test_what_it_reads_itself_is_what_it_is_compared_on(tmp_path: Path) -> None:
    lexer = FastLexer(_environment(tmp_path).lexer)
    assert lexer.usable
    unsure = [text for text in EDGES if lexer.tokens(text) is None]
    assert unsure == [
        "{{ $ }}",
        "{{ x ) }}",
        "{{ (x] }}",
        "{# not closed",
        "{# not closed #",
        "{{ '\\x4' }}",
        "{{ 'unterminated }}",
        "{% raw %} never ended",
    ]
    for unsure in ("{% raw %}x", "{{ $ }}", "{{ x ) }}", "{# open #", "{{ '\\x4' }}"):
        assert lexer.tokens(unsure) is None


def test_generated_code_and_errors_are_jinjas(tmp_path: Path) -> None:
    ours = _environment(tmp_path)

    class Stock(RecordingEnvironment):
        code_generator_class = jinja2.compiler.CodeGenerator

        def _tokenize(self, *args: Any, **kwargs: Any) -> jinja2.lexer.TokenStream:
            return jinja2.Environment._tokenize(self, *args, **kwargs)

    stock = Stock([tmp_path], DeferredBytecodeCache(tmp_path, {}))
    for name, text in every_template(tmp_path, EDGES + RUNS):

        def compiled(env: RecordingEnvironment, text: str = text, name: str = name) -> Any:
            try:
                return env.compile(text, name=name, filename=name, raw=True)
            except jinja2.TemplateSyntaxError as exc:
                return ("error", exc.message, exc.lineno)

        assert compiled(ours) == compiled(stock), name


@pytest.mark.parametrize("option", ["trim_blocks", "lstrip_blocks", "line_statement_prefix"])
def test_other_settings_are_left_to_jinjas_lexer(tmp_path: Path, option: str) -> None:
    env = _environment(tmp_path)
    setattr(env, option, "#" if option == "line_statement_prefix" else True)
    text = "  {% if x %}\n# if y\nz\n# endif\n  {% endif %}\n"
    assert _stream(partial(env._tokenize, text, "t")) == _stream(
        partial(jinja2.Environment._tokenize, env, text, "t")
    )
    assert env._fast_lexer is not None and env._fast_lexer[1] is None

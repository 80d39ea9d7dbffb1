"""Jinja's token stream for dashgen's environment, in one regular expression per token.

Jinja's lexer tries its rules one after another for every token inside a tag (the end of
the tag, whitespace, float, integer, name, string, operator: seven matches for a comma),
then converts each token in a second generator. For dashboard templates, which are mostly
macro calls with literal arguments, that was the largest part of compiling one. Here the
rules of a tag are one alternation built from Jinja's own patterns, in Jinja's order (the
first alternative that matches wins, as the first rule that matches does there), and each
token is converted as Jinja's ``Lexer.wrap`` converts it; the text between tags is found
with Jinja's own root pattern. Inside a call's parentheses, a run of literal arguments on
one line (``3, "CPU", {"h": 8, "w": 12}, ds``: most of a dashboard template) is matched
at once and its tokens read in one ``findall``. The result is the list of ``Token``s
Jinja's lexer yields.

Only for the settings dashgen uses (default delimiters, no line statements or line
comments, no ``trim_blocks``/``lstrip_blocks``, ``\\n`` newlines, no extensions); anything
else, and any template this does not read to the end without a doubt (a ``raw`` block, an
unbalanced bracket, a character no rule takes, a bad string escape, an unclosed comment),
returns None: Jinja's own lexer then reads it, lazily as always, so every error is Jinja's
own, raised where the parser meets it. tests/build/test_build_jinja_lexer compares token
streams and generated code with Jinja's for every template the tests, the examples and the
benchmark project hold.
"""

from __future__ import annotations

import re
from ast import literal_eval
from typing import Any

from jinja2 import lexer as jl
from jinja2.lexer import Lexer, Token

_FLAGS = ((re.IGNORECASE, "i"), (re.VERBOSE, "x"), (re.DOTALL, "s"), (re.MULTILINE, "m"))
_END = {jl.TOKEN_VARIABLE_BEGIN: jl.TOKEN_VARIABLE_END, jl.TOKEN_BLOCK_BEGIN: jl.TOKEN_BLOCK_END}
_TAG_RULES = ("whitespace", "float", "integer", "name", "string", "operator")  # Jinja's order
_CLOSING = {"}": "{", ")": "(", "]": "["}
_OPENING = frozenset("{([")

# A call's literal arguments, on one line: strings, decimal integers and plain names (each
# followed by what ends it for every rule of Jinja's: no float, no longer name), commas,
# colons, braces and brackets, with spaces or tabs between. Within it every token is the
# one Jinja's first matching rule gives; RUN_TOKEN reads them all in one call.
_DELIMITED = r"(?=[ \t,:)\]}])"
_STRING = r""""[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"""
_RUN = re.compile(
    rf"(?:[ \t]*(?:{_STRING}|(?:[1-9][0-9]*|0){_DELIMITED}|[A-Za-z_][A-Za-z0-9_]*{_DELIMITED}"
    r"|[,:{}\[\]]))+"
)
_RUN_TOKEN = re.compile(rf"[ \t]*(?:({_STRING})|([0-9]+)|([A-Za-z_][A-Za-z0-9_]*)|(.))")


class FastLexer:
    """The token list of a template, for a ``jinja2.lexer.Lexer`` of the settings above."""

    def __init__(self, lexer: Lexer) -> None:
        rules = lexer.rules
        self.root = rules["root"][0].pattern
        self.comment = rules[jl.TOKEN_COMMENT_BEGIN][0].pattern
        self.raw = rules[jl.TOKEN_RAW_BEGIN][0].pattern
        tag_rules = rules[jl.TOKEN_VARIABLE_BEGIN][1:]
        self.usable = (
            {state: rules[state][0].tokens for state in _END} == _END
            and rules[jl.TOKEN_BLOCK_BEGIN][1:] == tag_rules
            and [r.tokens for r in tag_rules] == list(_TAG_RULES)
            and all(r.command is None for r in tag_rules)
            and tuple(rules[jl.TOKEN_RAW_BEGIN][0].tokens) == (jl.TOKEN_DATA, jl.TOKEN_RAW_END)
        )
        # Whitespace (Jinja's first tag rule, a token it drops) is taken with the token
        # after it; Jinja tries the end of the tag first, then its rules in order.
        rest = [f"(?P<{r.tokens}>{_scoped(r.pattern)})" for r in tag_rules[1:]]
        space = f"(?:{_scoped(tag_rules[0].pattern)})?"
        self.inside = re.compile(f"{space}(?:{'|'.join(rest)})")  # brackets open: no end
        self.tags = {
            state: (
                re.compile(
                    f"{space}(?:(?P<end>{_scoped(rules[state][0].pattern)})|{'|'.join(rest)})"
                ),
                end,
            )
            for state, end in _END.items()
        }

    def tokens(self, source: str) -> list[Token] | None:
        """Every token Jinja's lexer would yield for ``source`` (already preprocessed), or
        None when Jinja's lexer must read it."""
        try:
            return self._tokens("\n".join(jl.newline_re.split(source)[::2]))
        except (_Unsure, ValueError, SyntaxError):
            return None

    def _tokens(self, source: str) -> list[Token]:
        out: list[Token] = []
        append = out.append
        new = tuple.__new__
        pos, lineno, end = 0, 1, len(source)
        root, inside, operators = self.root, self.inside, jl.operators
        while pos < end:
            m = root.match(source, pos)
            if m is None:  # the rest is text
                append(new(Token, (lineno, jl.TOKEN_DATA, source[pos:])))
                return out
            text, kind = m.group(1), m.lastgroup
            opened = m.group(kind)  # type: ignore[arg-type]
            lineno = _text(append, lineno, text, opened[2:3] == "-")  # "{%-": strip the text
            lineno += opened.count("\n")
            pos = m.end()
            if kind == jl.TOKEN_RAW_BEGIN:  # text up to the endraw tag, as it is
                r = self.raw.match(source, pos)
                if r is None:
                    if pos >= end:
                        return out
                    raise _Unsure
                lineno = _text(append, lineno, r.group(1), r.group(3) == "-")
                lineno += r.group(2).count("\n")
                pos = r.end()
                continue
            if kind == jl.TOKEN_COMMENT_BEGIN:
                c = self.comment.match(source, pos)
                if c is None:
                    if pos >= end:
                        return out
                    raise _Unsure
                lineno += c.group().count("\n")
                pos = c.end()
                continue
            if kind == jl.TOKEN_VARIABLE_BEGIN:
                kind = jl.TOKEN_VARIABLE_BEGIN
            elif kind == jl.TOKEN_BLOCK_BEGIN:
                kind = jl.TOKEN_BLOCK_BEGIN
            else:
                raise _Unsure
            append(new(Token, (lineno, kind, opened)))
            tag, closed = self.tags[kind]
            balance: list[str] = []
            while True:
                t = (inside if balance else tag).match(source, pos)
                if t is None:
                    if source[pos:].isspace() or pos >= end:
                        return out  # the text ends inside the tag: so does Jinja's stream
                    raise _Unsure
                rule = t.lastgroup
                start = t.start(rule)
                if start != pos:
                    lineno += source.count("\n", pos, start)
                value = t.group(rule)
                pos = t.end()
                if rule == "operator":
                    if value in _OPENING:
                        balance.append(value)
                    elif value in _CLOSING and (not balance or balance.pop() != _CLOSING[value]):
                        raise _Unsure
                    append(new(Token, (lineno, operators[value], value)))
                    # Inside a call's parentheses the tag cannot end: a run of literals
                    # there is read at once (see _RUN).
                    if value in "(," and balance and balance[0] == "(":
                        run = _RUN.match(source, pos)
                        if run is not None:
                            pos = run.end()
                            _run_tokens(
                                append,
                                _RUN_TOKEN.findall(source, run.start(), pos),
                                lineno,
                                balance,
                            )
                elif rule == "name":
                    if not value.isidentifier():
                        raise _Unsure
                    append(new(Token, (lineno, jl.TOKEN_NAME, value)))
                elif rule == "string":
                    unquoted = value[1:-1].encode("ascii", "backslashreplace")
                    append(new(Token, (lineno, jl.TOKEN_STRING, unquoted.decode("unicode-escape"))))
                    lineno += value.count("\n")
                elif rule == "integer":
                    append(new(Token, (lineno, jl.TOKEN_INTEGER, int(value.replace("_", ""), 0))))
                elif rule == "float":
                    append(
                        new(Token, (lineno, jl.TOKEN_FLOAT, literal_eval(value.replace("_", ""))))
                    )
                else:  # the end of the tag
                    append(new(Token, (lineno, closed, value)))
                    lineno += value.count("\n")
                    break
        return out


def _text(append: Any, lineno: int, text: str, strip: bool) -> int:
    """Append the text before a tag (without its trailing whitespace when the tag says
    ``-``) as Jinja does; the line number after it."""
    lines = 0
    if strip:
        kept = text.rstrip()
        lines = text.count("\n", len(kept))
        text = kept
    if text:
        append(tuple.__new__(Token, (lineno, jl.TOKEN_DATA, text)))
    return lineno + text.count("\n") + lines


def _run_tokens(
    append: Any, found: list[tuple[str, str, str, str]], lineno: int, balance: list[str]
) -> None:
    """Append the tokens of a run of literals (``_RUN_TOKEN``'s groups: string, integer,
    name, operator) as ``Lexer.wrap`` converts them."""
    new = tuple.__new__
    operators = jl.operators
    for string, integer, name, operator in found:
        if string:
            body = string[1:-1]
            if "\\" in body:  # without one, Jinja's decoding gives the text back as it is
                body = body.encode("ascii", "backslashreplace").decode("unicode-escape")
            append(new(Token, (lineno, jl.TOKEN_STRING, body)))
        elif integer:
            append(new(Token, (lineno, jl.TOKEN_INTEGER, int(integer))))
        elif name:
            append(new(Token, (lineno, jl.TOKEN_NAME, name)))
        else:
            if operator in _OPENING:
                balance.append(operator)
            elif operator in _CLOSING and balance.pop() != _CLOSING[operator]:
                # (the "(" at the bottom is never closed here, so balance never empties)
                raise _Unsure
            append(new(Token, (lineno, operators[operator], operator)))


class _Unsure(Exception):
    """This template is Jinja's lexer's to read."""


def _scoped(pattern: re.Pattern[str]) -> str:
    flags = "".join(letter for flag, letter in _FLAGS if pattern.flags & flag)
    return f"(?{flags}:{pattern.pattern})" if flags else pattern.pattern


def supports(environment: Any) -> bool:
    """Whether ``FastLexer`` reads templates for this environment's settings as Jinja does."""
    return (
        (environment.block_start_string, environment.block_end_string) == ("{%", "%}")
        and (environment.variable_start_string, environment.variable_end_string) == ("{{", "}}")
        and (environment.comment_start_string, environment.comment_end_string) == ("{#", "#}")
        and environment.line_statement_prefix is None
        and environment.line_comment_prefix is None
        and not environment.trim_blocks
        and not environment.lstrip_blocks
        and environment.newline_sequence == "\n"
        and environment.keep_trailing_newline
        and not environment.extensions
    )

"""A call's arguments read straight from the token list, when they are literals and names.

A dashboard template is mostly calls such as ``p.panel(3, "CPU", "rate(x[5m])", "s",
"ts", {"h": 8, "w": 12, "x": 0, "y": 16}, ds)``. Jinja's parser reads each argument with
a full descent through its grammar and builds a node for every literal, every dict pair
and every dict key, which ``LiteralParser`` then folds away. When the token list is at
hand (``ListTokenStream``, over the tokens of ``jinja_lexer``), ``literal_arguments``
looks ahead from the ``(`` to its ``)`` instead: if every argument is positional and
either a literal (a string, a number, ``true``/``false``/``none``, or a list or dict of
literals) or a plain name, and nothing follows any of them but a comma or the ``)``, it
returns the arguments ``LiteralParser`` would have returned for them, from the values
Jinja's lexer already converted; anything else (an operator, a filter, an attribute, a
keyword argument, adjacent strings, a tuple, tokens pushed back) returns None and
Jinja's parser reads the call, so every error is Jinja's own.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator
from typing import Any

from jinja2 import nodes
from jinja2.lexer import Token, TokenStream

SCALAR_TOKENS = frozenset({"string", "integer", "float"})
NAMED_CONSTANTS: dict[str, Any] = {
    "true": True,
    "True": True,
    "false": False,
    "False": False,
    "none": None,
    "None": None,
}
KEY_TYPES = (str, int, float, bool, type(None))  # hashable, so the dict can be built now
_MAX_DEPTH = 32  # deeper literals are left to Jinja's parser


class _Cursor(Iterator[Token]):
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0  # of the next token to hand out

    def __next__(self) -> Token:
        position = self.position
        if position >= len(self.tokens):
            raise StopIteration
        self.position = position + 1
        return self.tokens[position]


class ListTokenStream(TokenStream):
    """Jinja's token stream over a list, which a parser may look ahead in."""

    def __init__(self, tokens: list[Token], name: str | None, filename: str | None) -> None:
        self._cursor = _Cursor(tokens)
        super().__init__(self._cursor, name, filename)

    def ahead(self) -> tuple[list[Token], int] | None:
        """The tokens and the index of the one after ``current`` (None when tokens were
        pushed back or the stream is closed: then only Jinja's own reading is sure)."""
        # Jinja's own attributes: if a release renames them, nothing is read ahead.
        if getattr(self, "_pushed", True) or getattr(self, "_iter", None) is not self._cursor:
            return None
        return self._cursor.tokens, self._cursor.position

    def resume_at(self, index: int) -> None:
        """Make ``tokens[index]`` the current token."""
        self._cursor.position = index
        next(self)


def literal_arguments(stream: TokenStream) -> tuple[list[nodes.Expr], int] | None:
    """The arguments of the call whose ``(`` is ``stream.current``, and the index of its
    ``)``; None when Jinja's parser must read them."""
    ahead = stream.ahead() if isinstance(stream, ListTokenStream) else None
    if ahead is None or stream.current.type != "lparen":
        return None
    tokens, index = ahead
    end = len(tokens)
    args: list[nodes.Expr] = []
    run: list[Any] = []  # the literal values since the last name
    run_line = 0
    while index < end and tokens[index].type != "rparen":
        token = tokens[index]
        literal = _literal(tokens, index, 0)
        if literal is not None:
            value, index = literal
            if not run:
                run_line = token.lineno
            run.append(value)
        elif token.type == "name" and not keyword.iskeyword(token.value):
            _close_run(args, run, run_line)
            run = []
            args.append(nodes.Name(token.value, "load", lineno=token.lineno))
            index += 1
        else:
            return None
        if index >= end or tokens[index].type not in ("comma", "rparen"):
            return None
        if tokens[index].type == "comma":
            index += 1
    if index >= end:
        return None
    _close_run(args, run, run_line)
    return args, index


def _close_run(args: list[nodes.Expr], run: list[Any], lineno: int) -> None:
    if len(run) == 1:
        args.append(nodes.Const(run[0], lineno=lineno))
    elif run:
        args.append(python_text(", ".join(map(const_code, run)), lineno))


def _literal(tokens: list[Token], index: int, depth: int) -> tuple[Any, int] | None:
    """The value of the literal at ``tokens[index]`` and the index after it, or None."""
    token = tokens[index]
    kind = token.type
    if kind in SCALAR_TOKENS:
        return token.value, index + 1
    if kind == "name":
        if token.value in NAMED_CONSTANTS:
            return NAMED_CONSTANTS[token.value], index + 1
        return None
    if depth >= _MAX_DEPTH or kind not in ("lbrace", "lbracket"):
        return None
    closing = "rbrace" if kind == "lbrace" else "rbracket"
    items: list[Any] = []
    pairs: list[tuple[Any, Any]] = []
    index += 1
    end = len(tokens)
    while index < end and tokens[index].type != closing:
        item = _literal(tokens, index, depth + 1)
        if item is None or item[1] >= end:
            return None
        value, index = item
        if kind == "lbrace":
            if type(value) not in KEY_TYPES or tokens[index].type != "colon":
                return None
            item = _literal(tokens, index + 1, depth + 1) if index + 1 < end else None
            if item is None or item[1] >= end:
                return None
            pairs.append((value, item[0]))
            index = item[1]
        else:
            items.append(value)
        if tokens[index].type == "comma":
            index += 1
        elif tokens[index].type != closing:
            return None
    if index >= end:
        return None
    if kind == "lbracket":
        return items, index + 1
    value = dict(pairs)
    # A repeated key (or 1 and True) is one key of the dict but two in Jinja's code for it.
    return (value, index + 1) if len(value) == len(pairs) else None


def const_code(value: Any) -> str:
    """What ``CodeGenerator.visit_Const`` writes for ``value``."""
    return str(value) if isinstance(value, float) else repr(value)


def python_text(code: str, lineno: int) -> nodes.InternalName:
    """A node the code generator writes as ``code``, as it is. Made as
    ``Parser.free_identifier`` makes one: InternalName refuses to be built directly."""
    node = object.__new__(nodes.InternalName)
    nodes.Node.__init__(node, code, lineno=lineno)
    return node

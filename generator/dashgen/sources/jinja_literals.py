"""A Jinja parser that takes literal arguments in one step: the same Python code, sooner.

Dashboard templates are mostly macro calls with literal arguments (titles, queries, grid
positions as ``{"h": 8, "w": 12, ...}``). Jinja's recursive descent walks fifteen levels
of grammar for every literal, and its code generator then walks every node of the tree
several times; for such templates compiling cost ten times rendering. This parser:

- reads a scalar literal (string, number, ``true``/``false``/``none``) that a comma, a
  closing bracket, a colon or the end of the tag follows as the one ``Const`` node the full
  descent would have built;
- turns a list or dict whose items are all such constants into one ``Const`` holding the
  value. The code generator writes a ``Const`` as ``repr(value)``, which is the very text
  it writes for the list or dict node (``[a, b]``, ``{k: v}``), so the template's
  generated Python source, and everything it does, is unchanged; the tree is smaller.

Anything else goes through Jinja's own parser as before. tests/build/test_build_jinja_fast
checks the generated source is identical to stock Jinja's for a range of templates.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes
from jinja2.parser import Parser

_SCALAR_TOKENS = frozenset({"string", "integer", "float"})
_NAMED_CONSTANTS: dict[str, Any] = {
    "true": True,
    "True": True,
    "false": False,
    "False": False,
    "none": None,
    "None": None,
}
# What may follow a lone literal for it to be the whole expression (no filter, test,
# operator, attribute, call, ``if``, or an adjacent string it would be joined with).
_ENDS = frozenset({"comma", "rparen", "rbracket", "rbrace", "colon", "variable_end", "block_end"})
_KEY_TYPES = (str, int, float, bool, type(None))  # hashable, so the dict can be built now


class LiteralParser(Parser):
    def parse_expression(self, with_condexpr: bool = True) -> nodes.Expr:
        token = self.stream.current
        if token.type in _SCALAR_TOKENS:
            value = token.value
        elif token.type == "name" and token.value in _NAMED_CONSTANTS:
            value = _NAMED_CONSTANTS[token.value]
        else:
            return super().parse_expression(with_condexpr)
        if self.stream.look().type not in _ENDS:
            return super().parse_expression(with_condexpr)
        next(self.stream)
        return nodes.Const(value, lineno=token.lineno)

    def parse_list(self) -> nodes.Expr:  # type: ignore[override]
        node = super().parse_list()
        if all(type(item) is nodes.Const for item in node.items):
            return nodes.Const([item.value for item in node.items], lineno=node.lineno)
        return node

    def parse_dict(self) -> nodes.Expr:  # type: ignore[override]
        node = super().parse_dict()
        if all(_constant_pair(pair) for pair in node.items):
            value = {pair.key.value: pair.value.value for pair in node.items}  # type: ignore[attr-defined]
            return nodes.Const(value, lineno=node.lineno)
        return node


def _constant_pair(pair: nodes.Pair) -> bool:
    return (
        type(pair.key) is nodes.Const
        and type(pair.key.value) in _KEY_TYPES
        and type(pair.value) is nodes.Const
    )

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
  generated Python source, and everything it does, is unchanged; the tree is smaller;
- turns each run of two or more such constants among a call's positional arguments into one
  node holding the Python text Jinja's code generator writes for that run (each constant
  as above, joined by the ``", "`` it writes between arguments). That node is an
  ``InternalName``, which the code generator writes as it is (it is how Jinja's parser
  names the helpers it makes up; it has no children, no name a template can read, and is
  never a constant, as the ``Call`` holding it never is). The code generator walks a
  template's tree six times before writing it (extends, blocks, imports, ``self``, the
  names, filters and tests): a panel call of seven literal arguments is then one node
  there, not seven.

Calls whose arguments are all literals and names are read straight from the token list
(``jinja_calls``), into the same nodes. Anything else goes through Jinja's own parser as
before. tests/build/test_build_jinja_calls checks the generated source (or the syntax error)
is stock Jinja's for every template the tests, the examples, the corpus and the benchmark
project hold.
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.parser import Parser

from dashgen.sources.jinja_calls import (
    KEY_TYPES,
    NAMED_CONSTANTS,
    SCALAR_TOKENS,
    const_code,
    literal_arguments,
    python_text,
)
from dashgen.sources.jinja_codegen import parsed_with_facts

# What may follow a lone literal for it to be the whole expression (no filter, test,
# operator, attribute, call, ``if``, or an adjacent string it would be joined with).
_ENDS = frozenset({"comma", "rparen", "rbracket", "rbrace", "colon", "variable_end", "block_end"})


class LiteralParser(Parser):
    def parse_quickly(self) -> nodes.Template:
        """Jinja 3.1's ``Parser.parse``, its ``set_environment`` walk also finding what the
        code generator looks for (``jinja_codegen.parsed_with_facts``); only for the Jinja
        both were written from (``jinja_codegen.matches_jinja``)."""
        return parsed_with_facts(nodes.Template(self.subparse(), lineno=1), self.environment)

    def parse_expression(self, with_condexpr: bool = True) -> nodes.Expr:
        token = self.stream.current
        if token.type in SCALAR_TOKENS:
            value = token.value
        elif token.type == "name" and token.value in NAMED_CONSTANTS:
            value = NAMED_CONSTANTS[token.value]
        else:
            return super().parse_expression(with_condexpr)
        if self.stream.look().type not in _ENDS:
            return super().parse_expression(with_condexpr)
        next(self.stream)
        return nodes.Const(value, lineno=token.lineno)

    def parse_call(self, node: nodes.Expr) -> nodes.Call:
        lparen = self.stream.current
        literal = literal_arguments(self.stream)
        if literal is not None:  # the same arguments as below, from the token list
            args, rparen = literal
            self.stream.resume_at(rparen + 1)  # type: ignore[attr-defined]
            return nodes.Call(node, args, [], None, None, lineno=lparen.lineno)
        call = super().parse_call(node)
        call.args = _joined_constants(call.args)
        return call

    def parse_list(self) -> nodes.Expr:  # type: ignore[override]
        node = super().parse_list()
        if all(type(item) is nodes.Const for item in node.items):
            return nodes.Const([item.value for item in node.items], lineno=node.lineno)
        return node

    def parse_dict(self) -> nodes.Expr:  # type: ignore[override]
        node = super().parse_dict()
        if all(_constant_pair(pair) for pair in node.items):
            value = {pair.key.value: pair.value.value for pair in node.items}  # type: ignore[attr-defined]
            if len(value) == len(node.items):  # else Jinja writes each key (see jinja_calls)
                return nodes.Const(value, lineno=node.lineno)
        return node


def _constant_pair(pair: nodes.Pair) -> bool:
    return (
        type(pair.key) is nodes.Const
        and type(pair.key.value) in KEY_TYPES
        and type(pair.value) is nodes.Const
    )


def _joined_constants(args: list[nodes.Expr]) -> list[nodes.Expr]:
    """``args`` with each run of two or more ``Const`` nodes as one node of their text."""
    joined: list[nodes.Expr] = []
    run: list[nodes.Const] = []
    for arg in [*args, None]:
        if type(arg) is nodes.Const:
            run.append(arg)
            continue
        if len(run) > 1:
            code = ", ".join(const_code(const.value) for const in run)
            joined.append(python_text(code, run[0].lineno))
        else:
            joined.extend(run)
        run = []
        if arg is not None:
            joined.append(arg)
    return joined

"""Python expressions as data, printed the way black and ``ruff format`` print them.

Only what an imported dashboard needs: literals, names, dicts, lists and calls with keyword
arguments. The layout is black's: an expression stays on one line when it fits in
``LINE_LENGTH`` (88, black's default); otherwise its brackets are exploded one item per line
with a trailing comma (which both formatters then keep: the "magic trailing comma").
Strings use double quotes unless that needs more escapes; long strings are never split.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

LINE_LENGTH = 88
INDENT = 4


class Code:
    """An expression."""

    def flat(self) -> str:
        raise NotImplementedError

    def lines(self, indent: int, used: int, trailing: int) -> str:
        """The text, starting ``used`` columns into its first line and followed by
        ``trailing`` characters on its last one; later lines carry their own indent."""
        flat = self.flat()
        if used + len(flat) + trailing <= LINE_LENGTH:
            return flat
        return self.exploded(indent)

    def exploded(self, indent: int) -> str:
        return self.flat()  # atoms cannot be split


@dataclass(frozen=True)
class Literal(Code):
    value: str | int | float | bool | None

    def flat(self) -> str:
        value = self.value
        if isinstance(value, str):
            return string_literal(value)
        return repr(value)


@dataclass(frozen=True)
class Name(Code):
    id: str

    def flat(self) -> str:
        return self.id


@dataclass(frozen=True)
class Bracketed(Code):
    """Items between brackets; each item is (prefix, expression)."""

    opening: str
    closing: str
    items: tuple[tuple[str, Code], ...]

    def flat(self) -> str:
        return self._flat

    @functools.cached_property
    def _flat(self) -> str:  # asked at every level of a deep tree: computed once
        inner = ", ".join(prefix + code.flat() for prefix, code in self.items)
        return f"{self.opening}{inner}{self.closing}"

    def exploded(self, indent: int) -> str:
        if not self.items:
            return self.flat()
        inner = indent + INDENT
        pad = " " * inner
        lines = [self.opening]
        for prefix, code in self.items:
            text = code.lines(inner, inner + len(prefix), 1)
            lines.append(f"{pad}{prefix}{text},")
        lines.append(" " * indent + self.closing)
        return "\n".join(lines)


def dict_of(items: Sequence[tuple[str, Code]]) -> Bracketed:
    return Bracketed("{", "}", tuple((string_literal(key) + ": ", code) for key, code in items))


def list_of(items: Sequence[Code]) -> Bracketed:
    return Bracketed("[", "]", tuple(("", code) for code in items))


def call(function: str, keywords: Sequence[tuple[str, Code]]) -> Bracketed:
    return Bracketed(f"{function}(", ")", tuple((f"{name}=", code) for name, code in keywords))


def assignment(target: str, value: Code) -> str:
    """``target = value`` as a statement at module level."""
    prefix = f"{target} = "
    return prefix + value.lines(0, len(prefix), 0)


def string_literal(text: str) -> str:
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    quote = "'" if text.count('"') > text.count("'") else '"'
    body = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    for char, escape in _ESCAPES.items():
        body = body.replace(char, escape)
    if not body.isprintable():
        body = _UNPRINTABLE.sub(_escape_unprintable, body)
    return quote + body + quote


def _escape_unprintable(match: re.Match[str]) -> str:
    char = match.group(0)
    if char.isprintable():
        return char
    code = ord(char)
    return "\\" + ("x%02x" if code < 0x100 else "u%04x" if code < 0x10000 else "U%08x") % code


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")

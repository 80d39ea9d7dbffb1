"""JSON as Grafana's Go server reads and writes it (grafana-api.md §14.2).

``loads`` follows ``json.NewDecoder(body).Decode``: one value is read and whatever follows
it is ignored; an empty body is "no value" (Go's ``io.EOF``, which ``web.Bind`` accepts);
``NaN``/``Infinity`` are syntax errors; nesting may go down to Go's limit of 10,000
levels (deeper is an error, never a crash); invalid UTF-8 and lone surrogate escapes
become U+FFFD. ``dumps`` and ``clone`` never recurse, so a 10,000-level dashboard can be
stored, copied and served back.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any

import orjson

MAX_NESTING_DEPTH = 10000  # encoding/json's maxNestingDepth
_WHITESPACE = " \t\n\r"
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERALS = (("true", True), ("false", False), ("null", None))


class GoJSONError(ValueError):
    """The body is not JSON that Go's decoder accepts."""


def loads(body: bytes) -> tuple[bool, Any]:
    """``(True, value)`` for the first JSON value of ``body``; ``(False, None)`` when the
    body holds only whitespace. Raises ``GoJSONError`` where Go's decoder fails."""
    try:
        return True, orjson.loads(body)  # strict RFC 8259: Go accepts whatever it accepts
    except orjson.JSONDecodeError:
        pass
    text = body.decode("utf-8", errors="replace")
    start = _skip(text, 0)
    if start == len(text):
        return False, None
    return True, _parse(text, start)


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _string(text: str, index: int) -> tuple[str, int]:
    """The string whose opening quote is at ``index - 1``."""
    try:
        value, end = scanstring(text, index, True)
    except ValueError as error:
        raise GoJSONError(str(error)) from None
    if not value.isascii() and _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return value, end


def _key(text: str, index: int) -> tuple[str, int]:
    index = _skip(text, index)
    if text[index : index + 1] != '"':
        raise GoJSONError(f"expected an object key at {index}")
    key, index = _string(text, index + 1)
    index = _skip(text, index)
    if text[index : index + 1] != ":":
        raise GoJSONError(f"expected ':' at {index}")
    return key, index + 1


def _scalar(text: str, index: int) -> tuple[Any, int]:
    char = text[index : index + 1]
    if char == '"':
        return _string(text, index + 1)
    found = _NUMBER.match(text, index)
    if found:
        literal = found.group(0)
        if found.group(1) or found.group(2):
            return float(literal), found.end()
        return int(literal), found.end()
    for word, value in _LITERALS:
        if text.startswith(word, index):
            return value, index + len(word)
    raise GoJSONError(f"invalid character {char!r} looking for beginning of value")


def _parse(text: str, index: int) -> Any:
    """One value starting at ``index``, with an explicit stack instead of recursion."""
    stack: list[Any] = []  # open containers, innermost last
    keys: list[str | None] = []  # the key being filled in each open object
    while True:
        index = _skip(text, index)
        opener = text[index : index + 1]
        if opener in ("{", "["):
            if len(stack) + 1 > MAX_NESTING_DEPTH:
                raise GoJSONError("exceeded max depth")
            index = _skip(text, index + 1)
            empty_close = "}" if opener == "{" else "]"
            if text[index : index + 1] == empty_close:
                value: Any = {} if opener == "{" else []
                index += 1
            elif opener == "{":
                key, index = _key(text, index)
                stack.append({})
                keys.append(key)
                continue
            else:
                stack.append([])
                keys.append(None)
                continue
        else:
            value, index = _scalar(text, index)
        # Attach the finished value to its parents, closing every container that ends here.
        while True:
            if not stack:
                return value
            parent = stack[-1]
            if isinstance(parent, dict):
                parent[keys[-1]] = value
            else:
                parent.append(value)
            index = _skip(text, index)
            char = text[index : index + 1]
            if char == ",":
                if isinstance(parent, dict):
                    keys[-1], index = _key(text, index + 1)
                else:
                    index += 1
                break
            if char == ("}" if isinstance(parent, dict) else "]"):
                index += 1
                value = stack.pop()
                keys.pop()
                continue
            raise GoJSONError(f"invalid character {char!r} after a value")


def dumps(value: Any) -> bytes:
    """Compact JSON bytes of ``value``, however deep it is."""
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        pass  # >64-bit integers, nesting deeper than orjson's limit
    try:
        return json.dumps(value, separators=(",", ":")).encode()
    except RecursionError:
        return _dumps_iteratively(value).encode()


def _dumps_iteratively(value: Any) -> str:
    parts: list[str] = []
    # Work items: a value to write, or a literal piece of text (closing brackets, commas).
    work: list[tuple[bool, Any]] = [(False, value)]
    while work:
        is_text, item = work.pop()
        if is_text:
            parts.append(item)
        elif isinstance(item, dict):
            parts.append("{")
            pending: list[tuple[bool, Any]] = [(True, "}")]
            for position, (key, child) in enumerate(reversed(list(item.items()))):
                pending.append((False, child))
                comma = "," if position < len(item) - 1 else ""
                pending.append((True, comma + json.dumps(str(key)) + ":"))
            work.extend(pending)
        elif isinstance(item, list | tuple):
            parts.append("[")
            pending = [(True, "]")]
            for position, child in enumerate(reversed(item)):
                pending.append((False, child))
                if position < len(item) - 1:
                    pending.append((True, ","))
            work.extend(pending)
        else:
            parts.append(json.dumps(item))
    return "".join(parts)


def clone(value: Any) -> Any:
    """A deep copy of a JSON value, without recursion limits."""
    try:
        return orjson.loads(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError):
        return loads(dumps(value))[1]

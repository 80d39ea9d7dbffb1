"""Where values are in JSON text: the line of a JSON path, and how deep the text nests.

Parsers (orjson, json) give values but not positions, so problems about a value (a panel's
``gridPos``, the ``uid``) would all point at line 1. ``json_lines`` scans the text once,
iteratively (any depth), for the paths asked about, steps over the values on the way to
none of them with the C scanner, and stops when it has them all. It runs
only when there is a problem to place, never on a good build.
"""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Iterable
from typing import Any

from dashgen.model.problem import JsonPath

# A string (escapes included), one punctuation character, or a bare literal/number.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)
_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', re.S)


def json_lines(text: str, paths: Iterable[JsonPath]) -> dict[JsonPath, int]:
    """The line of each path in ``text``: of its key inside an object, of the value itself
    inside an array. A path that is not in the text gets its deepest ancestor's line (the
    dashboard's first line at worst). Text that is no JSON gives what it can."""
    wanted = {tuple(p) for p in paths}
    if not wanted:
        return {}
    scan = _Scan(text, {p[:i] for p in wanted for i in range(len(p) + 1)})
    position: int | None = 0
    while position is not None:
        position = scan.run(position)
    return {path: _deepest(path, scan.lines) for path in wanted}


class _Scan:
    """One pass over the tokens; values on the way to nothing wanted are stepped over by
    the C scanner of the ``json`` module instead of token by token."""

    def __init__(self, text: str, prefixes: set[JsonPath]) -> None:
        self.text = text
        self.prefixes = prefixes
        self.lines: dict[JsonPath, int] = {}
        self.line = 1
        self.counted = 0
        # Open containers: [path (None: on the way to nothing wanted), is_object, index,
        # key_next]
        self.stack: list[list[Any]] = []
        self.next_path: JsonPath | None = ()

    def run(self, start: int) -> int | None:
        """Scan from ``start``; the position to resume at after a skipped value, or None."""
        text, stack = self.text, self.stack
        for match in _TOKEN.finditer(text, start):
            token = match.group()
            first = token[0]
            if first == ",":
                if stack:
                    frame = stack[-1]
                    if frame[1]:
                        frame[3] = True
                    else:
                        frame[2] += 1
                        self.next_path = self._child(frame, frame[2])
                continue
            if first == ":":
                continue
            if first in "]}":
                if stack:
                    stack.pop()
                continue
            if stack and stack[-1][1] and stack[-1][3]:  # an object key
                frame = stack[-1]
                frame[3] = False
                key = token[1:-1] if "\\" not in token else _decoded(token)
                self.next_path = self._child(frame, key)
                if self.next_path is not None and self._record(self.next_path, match.start()):
                    return None
                continue
            path, self.next_path = self.next_path, None
            if path is not None and self._record(path, match.start()):
                return None
            if first not in "{[":
                continue
            if path is None:
                end = _value_end(text, match.start())
                if end is not None:
                    return end  # resume after the value, in the same container
            frame = [path, first == "{", 0, True]
            stack.append(frame)
            if first == "[":
                self.next_path = self._child(frame, 0)
        return None

    def _record(self, path: JsonPath, position: int) -> bool:
        """Note the line of ``path``; True when every wanted line is known."""
        if path not in self.lines:
            self.line += self.text.count("\n", self.counted, position)
            self.counted = position
            self.lines[path] = self.line
        return len(self.lines) == len(self.prefixes)

    def _child(self, frame: list[Any], key: str | int) -> JsonPath | None:
        parent = frame[0]
        if parent is None:
            return None
        path = (*parent, key)
        return path if path in self.prefixes else None


_SCAN_ONCE = json.scanner.make_scanner(json.JSONDecoder())


def _value_end(text: str, position: int) -> int | None:
    """Where the JSON value starting at ``position`` ends; None if it cannot tell."""
    try:
        return _SCAN_ONCE(text, position)[1]
    except (StopIteration, ValueError, RecursionError):
        return None


def deepest_nesting(text: str) -> tuple[int, int]:
    """``(depth, line)``: how deep arrays and objects nest at most, and the line where."""
    depth = deepest = 0
    position = 0
    for match in _BRACKET.finditer(text):
        first = match.group()[0]
        if first in "[{":
            depth += 1
            if depth > deepest:
                deepest, position = depth, match.start()
        elif first in "]}":
            depth -= 1
    return deepest, text.count("\n", 0, position) + 1


def _deepest(path: JsonPath, lines: dict[JsonPath, int]) -> int:
    for length in range(len(path), -1, -1):
        found = lines.get(path[:length])
        if found is not None:
            return found
    return 1


def _decoded(token: str) -> str:
    try:
        return json.loads(token)
    except ValueError:
        return token[1:-1]

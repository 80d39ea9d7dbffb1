"""Where values are in JSON text: the line of a JSON path, and how deep the text nests.

Parsers (orjson, json) give values but not positions, so problems about a value (a panel's
``gridPos``, the ``uid``) would all point at line 1. ``json_lines`` scans the text once,
iteratively (any depth), for the paths asked about and stops when it has them all. It runs
only when there is a problem to place, never on a good build.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

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
    prefixes = {p[:i] for p in wanted for i in range(len(p) + 1)}
    lines: dict[JsonPath, int] = {}
    line, counted = 1, 0
    # Open containers: [path (None: on the way to nothing wanted), is_object, index, key_next]
    stack: list[list] = []
    next_path: JsonPath | None = ()
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == ",":
            if stack:
                frame = stack[-1]
                if frame[1]:
                    frame[3] = True
                else:
                    frame[2] += 1
                    next_path = _child(frame, frame[2], prefixes)
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
            next_path = _child(frame, key, prefixes)
            if next_path is not None and next_path not in lines:
                line += text.count("\n", counted, match.start())
                counted = match.start()
                lines[next_path] = line
                if len(lines) == len(prefixes):
                    break
            continue
        path = next_path
        if path is not None and path not in lines:
            line += text.count("\n", counted, match.start())
            counted = match.start()
            lines[path] = line
            if len(lines) == len(prefixes):
                break
        if first in "{[":
            frame = [path, first == "{", 0, True]
            stack.append(frame)
            next_path = _child(frame, 0, prefixes) if first == "[" else None
        else:
            next_path = None
    return {path: _deepest(path, lines) for path in wanted}


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


def _child(frame: list, key: str | int, prefixes: set[JsonPath]) -> JsonPath | None:
    parent = frame[0]
    if parent is None:
        return None
    path = (*parent, key)
    return path if path in prefixes else None


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

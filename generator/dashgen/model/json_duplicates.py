"""Keys written twice in one JSON object of a source's text.

Every JSON parser here (and Go's, in Grafana) keeps the last of two equal keys, so the
first value vanishes without a word: a second ``"panels"`` written further down replaces
every panel above it. The build warns where that happens. Counting is cheap (a regex over
the text against the keys the parse kept); only a text that writes more keys than its
objects hold is parsed again, slowly, to say which ones.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from dashgen.model.problem import WARNING, JsonPath, Problem

# Every JSON string, in order; a key is one followed by a colon (a string's own text can
# hold neither an unescaped quote nor start a match, so matches never overlap wrongly).
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?')


def duplicate_keys(json_text: str) -> list[Problem]:
    """A warning for each key written more than once in one object, pointing at it."""
    try:
        parsed = orjson.loads(json_text)
    except orjson.JSONDecodeError:
        return []  # (the loader said what is wrong, or it was not read as JSON)
    written = sum(1 for match in _STRING.finditer(json_text) if match.group(1))
    if written <= _kept_keys(parsed):
        return []
    return [
        Problem(
            WARNING,
            f"key {key!r} is written {'twice' if count == 2 else f'{count} times'} in this "
            "object: JSON keeps only the last, so what is written before it is lost; write "
            "it once",
            pointer=(*path, key),
        )
        for path, key, count in _written_twice(json_text)
    ]


def _kept_keys(value: Any) -> int:
    count, stack = 0, [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += len(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


def _written_twice(json_text: str) -> list[tuple[JsonPath, str, int]]:
    """(path of the object, key, times written), in document order."""
    repeated: dict[int, tuple[dict[str, Any], dict[str, int]]] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            counts: dict[str, int] = {}
            for key, _ in pairs:
                counts[key] = counts.get(key, 0) + 1
            repeated[id(result)] = (result, {k: n for k, n in counts.items() if n > 1})
        return result

    try:
        document = json.loads(json_text, object_pairs_hook=pairs_hook)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[JsonPath, str, int]] = []
    stack: list[tuple[JsonPath, Any]] = [((), document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            if id(node) in repeated:
                found.extend((path, key, n) for key, n in repeated[id(node)][1].items())
            stack.extend(((*path, k), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))))
    return found

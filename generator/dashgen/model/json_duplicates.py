"""Keys written twice in one JSON object of a source's text.

Every JSON parser here (and Go's, in Grafana) keeps the last of two equal keys, so the
first value vanishes without a word: a second ``"panels"`` written further down replaces
every panel above it. The build warns where that happens. Counting is cheap: the key ends
(``":``) in the text against those in the compact form of what was parsed from it; only a
text that writes more keys than its objects hold is parsed again, slowly, to say which.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from dashgen.model.problem import WARNING, JsonPath, Problem

# A key ends with a quote and a colon. Outside strings that is all "": a string's own text
# can hold a quote only escaped, so `\\":` counts as a key only after an even run of
# backslashes (the quote closes the string). Keys spaced from their colon are rare.
_SPACED_KEY_END = re.compile(r'"[ \t\r\n]+:')  # (a literal first: the scan stays in C)


def duplicate_keys(json_text: str, parsed: Any) -> list[Problem]:
    """A warning for each key written more than once in one object of ``json_text``,
    pointing at it. ``parsed``: what was read from it (a subtree, or a converted form, only
    costs the slow path)."""
    if _written_keys(json_text) <= _written_keys(_compact(parsed), spaced=False):
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


def _written_keys(text: str, *, spaced: bool = True) -> int:
    """The keys ``text`` writes (``spaced``: some may stand apart from their colon)."""
    count = text.count('":')
    if '\\":' in text:  # (rare: inside a string, or a key ending in a backslash)
        at = text.find('\\":')
        while at >= 0:
            count -= _escaped(text, at + 1)
            at = text.find('\\":', at + 1)
    for match in _SPACED_KEY_END.finditer(text) if spaced else ():
        count += 1 - _escaped(text, match.start())
    return count


def _escaped(text: str, quote: int) -> int:
    """1 when the quote at ``quote`` is escaped (an odd run of backslashes before it)."""
    start = quote
    while start > 0 and text[start - 1] == "\\":
        start -= 1
    return (quote - start) % 2


def _compact(parsed: Any) -> str:
    try:
        return orjson.dumps(parsed).decode()
    except (TypeError, orjson.JSONEncodeError):
        return ""  # (nothing here is not JSON; if it were, the slow path decides)


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

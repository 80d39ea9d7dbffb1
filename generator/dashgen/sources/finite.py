"""NaN and infinities in what a Python source hands over: found, and named by their JSON path.

JSON has no NaN or infinity. orjson writes ``float("nan")``, ``math.inf`` and ``1e999`` as
``null``, as Grafana's frontend does when it saves (``JSON.stringify``), and a threshold's base
step of ``-math.inf`` is what Grafana itself stores as ``null``. Anything else written as null
is likely a mistake (a ``max`` of NaN is no maximum; a ``gridPos.w`` of NaN is a missing
width), so each is a warning naming its path. A walk over every value in Python would cost
more than the rest of turning a grafanalib dashboard into JSON, so the look is two steps:

1. ``may_hold_non_finite``: the plain containers that orjson was given (the source's value
   and every ``to_json_data()``/``to_json()`` result) are pickled in C, stopping at other
   objects (their own results are among the containers), and the bytes are searched for a
   float whose exponent bits are all ones (pickle writes a float as ``G`` and its 8 bytes,
   big-endian). No such float means no NaN and no infinity; a match, which other bytes can
   make by chance, only sends the value to step 2.
2. ``non_finite_paths``: the value turned into JSON again by the stdlib (slow, exact), which
   writes ``NaN``/``Infinity``, read back with a marker for each, and the markers' paths.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import json
import pickle
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["may_hold_non_finite", "non_finite_paths", "unwritable", "warnings"]

# b"G" (BINFLOAT), then the first two bytes of a double with all 11 exponent bits set.
_NON_FINITE_FLOAT = re.compile(rb"G[\x7f\xff][\xf0-\xff]")
# What a pickled object becomes when its own values are looked at elsewhere.
_STOP = (int, ())
# Where -Infinity is what Grafana means by null: a threshold's base step.
_BASE_STEP = re.compile(r"(?:^|\.)thresholds\.steps\[\d+\]\.value$")


class _PlainPickler(pickle.Pickler):
    """Pickles dicts, lists, tuples, strings and numbers in C; ``reducer_override`` is only
    called for other types (each class once: the memo has it after that): what orjson
    serialises natively goes on to its values, anything else stops."""

    def __init__(self, out: io.BytesIO) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        # per pickler, not per process: a watch session's rebuilds define new classes
        self._reduction_by_type: dict[type, Callable[[Any], Any]] = {}

    def reducer_override(self, obj: Any) -> Any:
        reduction = self._reduction_by_type.get(type(obj))
        if reduction is None:
            reduction = self._reduction_by_type[type(obj)] = _reduction(obj)
        return reduction(obj)


def _reduction(obj: Any) -> Callable[[Any], Any]:
    """How ``_PlainPickler`` reduces objects of ``obj``'s type."""
    if isinstance(obj, type):
        return lambda _cls: NotImplemented  # a class: saved by name
    if isinstance(obj, float):
        return lambda number: (float, (float(number),))
    if isinstance(obj, dict):
        return lambda mapping: (list, (list(mapping.values()),))
    if isinstance(obj, list | tuple):
        return lambda sequence: (list, (list(sequence),))
    if isinstance(obj, enum.Enum):
        return lambda member: (list, ([member.value],))
    if dataclasses.is_dataclass(obj):
        return lambda data: (
            list,
            ([getattr(data, f.name, None) for f in dataclasses.fields(data)],),
        )
    return lambda _other: _STOP


def may_hold_non_finite(containers: Iterable[Any]) -> bool:
    """False when no float in ``containers`` (outside the objects among them) is NaN or
    infinite; True when one may be."""
    out = io.BytesIO()
    pickler = _PlainPickler(out)
    try:
        pickler.dump(list(containers))
    except Exception:  # anything pickle cannot take: let the exact look decide
        return True
    return _NON_FINITE_FLOAT.search(out.getbuffer()) is not None


class _NonFinite:
    def __init__(self, name: str) -> None:
        self.name = name  # "NaN", "Infinity" or "-Infinity"


def non_finite_paths(value: Any, default: Callable[[Any], Any]) -> list[tuple[str, str]]:
    """(JSON path, ``NaN``/``Infinity``/``-Infinity``) of each non-finite number in ``value``,
    turned into JSON with ``default``; empty when there is none or the stdlib cannot say."""

    def as_orjson_does(obj: Any) -> Any:
        if isinstance(obj, enum.Enum):
            return obj.value
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return {field.name: getattr(obj, field.name) for field in dataclasses.fields(obj)}
        return default(obj)

    try:
        text = json.dumps(value, default=as_orjson_does)
    except Exception:  # what the stdlib cannot serialise: no path to name
        return []
    data = json.loads(text, parse_constant=_NonFinite)
    return [(path, marker.name) for path, marker in _markers(data, "")]


def _markers(node: Any, path: str) -> Iterator[tuple[str, _NonFinite]]:
    if isinstance(node, _NonFinite):
        yield path, node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _markers(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _markers(child, f"{path}[{index}]")


def warnings(found: list[tuple[str, str]]) -> tuple[str, ...]:
    """The warning of each non-finite number ``non_finite_paths`` found, but a threshold
    step's -Infinity (Grafana's own base step, stored as null), and of each key ``noting``
    found twice."""
    return tuple(
        _TWICE.format(key=repr(path))
        if name == _WRITTEN_TWICE
        else f"{path or 'the value'} is {name}, which JSON cannot hold: written as null (as "
        "Grafana writes it); write a finite number, or None to leave the setting out"
        for path, name in found
        if not (name == "-Infinity" and _BASE_STEP.search(path))
    )


_WRITTEN_TWICE = "twice"
_TWICE = (
    "key {key} is written twice in one object once turned into JSON (Python keys such as 1 "
    'and "1", or True and "true", are one JSON key): JSON keeps only the last, so the value '
    "before it is lost; write it once"
)


def noting(twice: list[tuple[str, str]]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A ``json.loads`` object hook that adds ``(key, "twice")`` to ``twice`` for each key
    an object has more than once (for ``warnings``)."""

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) < len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    twice.append((key, _WRITTEN_TWICE))
                seen.add(key)
        return result

    return pairs_hook


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def unwritable(data: Any) -> str | None:
    """What in plain JSON data (the stdlib's reading of a source's value, which orjson
    refused) no JSON reader takes, by its path: an integer beyond a double (orjson, Go's
    encoding/json and Grafana's frontend read numbers as doubles; JSON text refuses it as
    an infinity) or a string with a lone surrogate (no UTF-8 text holds one). None: fine."""
    pending: list[tuple[Any, str]] = [(data, "")]
    while pending:
        node, path = pending.pop()
        where = path or "the value"
        if isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{path}.{key}" if path else str(key)
                if _LONE_SURROGATE.search(key):
                    return f"the key {_quoted(key)} of {_escaped(where)} {_SURROGATE}"
                pending.append((child, child_path))
        elif isinstance(node, list):
            pending.extend((child, f"{path}[{i}]") for i, child in enumerate(node))
        elif isinstance(node, str) and _LONE_SURROGATE.search(node):
            return f"{_escaped(where)} (the string {_quoted(node)}) {_SURROGATE}"
        elif type(node) is int and abs(node) > sys.float_info.max:
            return (
                f"{_escaped(where)} is an integer of {len(str(abs(node)))} digits, beyond what "
                "a double holds (JSON readers, Grafana's included, read numbers as doubles): "
                "write a smaller number"
            )
    return None


_SURROGATE = (
    "holds a lone surrogate (a '\\ud800'-like escape with no pair), which no UTF-8 text "
    "can hold: remove it or write the character it stands for"
)


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 60 else f"{text[:57]}...")  # repr escapes surrogates


def _escaped(text: str) -> str:
    """A path that may hold a key with a surrogate, escaped (other characters kept)."""
    return text.encode("utf-8", "backslashreplace").decode()

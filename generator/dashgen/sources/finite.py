"""NaN and Infinity in a Python source's value: JSON has neither, and orjson writes ``null``.

A YAML or JSON source refuses them where it reads them; a Python source's value is turned
into JSON by orjson, which silently writes ``null`` for a float NaN or ±Infinity (a
threshold of ``-math.inf`` would vanish). The check has two steps:

- cheap, on every value: the pieces the conversion went through (the value itself and
  what each ``to_json_data()``/``to_json()`` returned, which the conversion's ``default``
  hook records) are pickled in C with every other object left opaque, and the bytes are
  searched for a float whose exponent is all ones (pickle writes floats as big-endian
  IEEE 754 after the ``G`` opcode); a few microseconds for a usual dashboard;
- slow, only when that search finds something (it may find a lookalike in other bytes): a
  walk of the value through the recorded conversions, for the JSON path of the first one.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import math
import pickle
import re
from collections.abc import Callable, Iterator
from typing import Any

from dashgen.model.structure import path_text

# BINFLOAT, then sign + all-ones exponent: 0x7ff/0xfff in the first 12 bits
_NON_FINITE_FLOAT = re.compile(rb"G[\x7f\xff][\xf0-\xff]")


class Conversions:
    """What the conversion's ``default`` hook turned each object into (kept alive, so that
    their ids stay theirs until the check is done)."""

    def __init__(self) -> None:
        self.objects: list[Any] = []
        self.results: list[Any] = []

    def recording(self, default: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def record(value: Any) -> Any:
            result = default(value)
            self.objects.append(value)
            self.results.append(result)
            return result

        return record

    def clear(self) -> None:
        self.objects.clear()
        self.results.clear()


def non_finite(value: Any, conversions: Conversions) -> str | None:
    """``panels[0].max is NaN`` for the first non-finite float of ``value``, or None."""
    if not _maybe(value, conversions):
        return None
    converted = {id(o): r for o, r in zip(conversions.objects, conversions.results, strict=True)}
    for path, number in _floats(value, (), converted):
        if not math.isfinite(number):
            shown = "NaN" if math.isnan(number) else ("-Infinity" if number < 0 else "Infinity")
            return f"{path_text(path) or 'the value'} is {shown}"
    return None


def _maybe(value: Any, conversions: Conversions) -> bool:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _Opaque()  # type: ignore[assignment]
    try:
        pickler.dump((value, conversions.results))
    except Exception:  # something pickle cannot write (a function, a module): look closer
        return True
    return _NON_FINITE_FLOAT.search(buffer.getvalue()) is not None


def _nothing(_value: Any) -> tuple[Any, ...]:
    return (int, ())


def _fields(value: Any) -> tuple[Any, ...]:
    return (tuple, ((_plain(value),),))


def _plain(value: Any) -> Any:
    """What orjson writes of an object it serialises itself (no ``default`` call)."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list | tuple):
        return tuple(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return None


class _Opaque:
    """A pickler's dispatch table for the types pickle does not write itself: an object is
    written as nothing (what it converts to is among the recorded results), except those
    that orjson serialises without ``default`` (subclasses of dict and list, enums,
    dataclasses), whose parts are written."""

    def __getitem__(self, kind: type) -> Callable[[Any], tuple[Any, ...]]:
        if issubclass(kind, dict | list | tuple | enum.Enum) or dataclasses.is_dataclass(kind):
            return _fields
        return _nothing


def _floats(
    value: Any, path: tuple[str | int, ...], converted: dict[int, Any]
) -> Iterator[tuple[tuple[str | int, ...], float]]:
    """Every float of ``value`` with its JSON path, through the recorded conversions."""
    if isinstance(value, float):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _floats(item, (*path, str(key)), converted)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _floats(item, (*path, index), converted)
    elif isinstance(value, str | int | bytes) or value is None:
        return
    elif id(value) in converted:
        yield from _floats(converted[id(value)], path, converted)
    else:
        yield from _floats(_plain(value), path, converted)

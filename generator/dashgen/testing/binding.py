"""Request bodies bound the way Grafana's ``web.Bind`` binds them (grafana-api.md §14.2).

``web.Bind`` runs Go's ``encoding/json`` decoder into a typed command struct, then checks
the ``binding:"Required"`` fields. So: a JSON type that does not fit the field (a string
for a bool, a float for an int, a number for a string) is an error; field names match
case-insensitively (an exact match wins); unknown keys are ignored; ``null`` leaves a
plain field at its zero value and sets a pointer field to nil; a Required field still at
its zero value is an error. Every error answers 400 with the route's message (usually
``bad request data``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashgen.testing import gojson
from dashgen.testing.wire import ApiError

STRING, BOOL, INT, FLOAT, ANY, STRING_MAP, TIME, LIST = (
    "string",
    "bool",
    "int",
    "float",
    "any",
    "map[string]string",
    "time",
    "list",
)
_ZERO: dict[str, Any] = {STRING: "", BOOL: False, INT: 0, FLOAT: 0.0, TIME: None}
_INT64 = (-(2**63), 2**63 - 1)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class Field:
    """One struct field: its JSON name (the ``json:"..."`` tag) and Go type.

    ``pointer``: a ``*T`` field, None when absent or null. ``required``: the field has
    ``binding:"Required"``. ``items``: the element struct of a ``LIST`` of structs.
    """

    name: str
    kind: str
    required: bool = False
    pointer: bool = False
    items: tuple[Field, ...] = ()

    def zero(self) -> Any:
        if self.pointer or self.kind in (ANY, STRING_MAP):
            return None
        if self.kind == LIST:
            return []
        return _ZERO[self.kind]


class _Mismatch(Exception):
    """A JSON value that does not fit its Go field."""


class Bound(dict[str, Any]):
    """Field name → decoded value; ``present`` names the fields the body mentioned."""

    present: set[str]


def bind(body: bytes, fields: Sequence[Field], *, bad: str = "bad request data") -> Bound:
    """Decode ``body`` into ``fields`` (JSON name → value); raises ``ApiError`` 400 ``bad``."""
    try:
        present, value = gojson.loads(body)
    except gojson.GoJSONError:
        raise ApiError(400, {"message": bad}) from None
    bound = Bound({field.name: field.zero() for field in fields})
    bound.present = set()
    try:
        if present and value is not None:
            _decode_struct(value, fields, bound)
        _check_required(bound, fields)
    except _Mismatch:
        raise ApiError(400, {"message": bad}) from None
    return bound


def _fold(name: str) -> str:
    """Go's case folding for field names: one rune to one rune (so "ß" is not "ss")."""
    return "".join(c.casefold() if len(c.casefold()) == 1 else c for c in name)


def _field_for(key: str, fields: Sequence[Field]) -> Field | None:
    for field in fields:
        if field.name == key:
            return field
    folded = _fold(key)
    return next((field for field in fields if _fold(field.name) == folded), None)


def _decode_struct(value: Any, fields: Sequence[Field], into: dict[str, Any]) -> None:
    if not isinstance(value, dict):
        raise _Mismatch
    for key, item in value.items():
        field = _field_for(key, fields)
        if field is None:
            continue
        if isinstance(into, Bound):
            into.present.add(field.name)
        if item is None:
            if field.pointer or field.kind in (ANY, STRING_MAP, LIST):
                into[field.name] = None if field.kind != LIST else []
            continue  # null into a plain value leaves it as it was
        into[field.name] = _convert(field, item)


def _convert(field: Field, item: Any) -> Any:
    kind = field.kind
    if kind == ANY:
        return item
    if kind == STRING and isinstance(item, str):
        return item
    if kind == BOOL and isinstance(item, bool):
        return item
    if kind == INT and isinstance(item, int) and not isinstance(item, bool):
        if not _INT64[0] <= item <= _INT64[1]:
            raise _Mismatch
        return item
    if kind == FLOAT and isinstance(item, int | float) and not isinstance(item, bool):
        return float(item)
    if kind == TIME and isinstance(item, str) and _RFC3339.match(item):
        return item
    if kind == STRING_MAP and isinstance(item, dict):
        if not all(isinstance(v, str) or v is None for v in item.values()):
            raise _Mismatch
        return {k: v or "" for k, v in item.items()}
    if kind == LIST and isinstance(item, list):
        decoded = []
        for element in item:
            struct = {f.name: f.zero() for f in field.items}
            if element is not None:
                _decode_struct(element, field.items, struct)
            decoded.append(struct)
        return decoded
    raise _Mismatch


def _check_required(bound: Mapping[str, Any], fields: Sequence[Field]) -> None:
    for field in fields:
        value = bound[field.name]
        if field.required and (value is None or value == field.zero() or value == []):
            raise _Mismatch
        if field.kind == LIST:
            for element in value or []:
                _check_required(element, field.items)

"""Pure checks on a schema v2 spec → ``Problem``s, each with the JSON path of its value.

Errors: no title; ``elements`` not an object of elements (``kind`` Panel or LibraryPanel,
an object ``spec``); an element ``spec.id`` used twice (or not an integer); a layout of an
unknown kind or the wrong shape, at any depth (GridLayout, RowsLayout, TabsLayout,
AutoGridLayout); a layout item whose ``ElementReference`` names no element; a GridLayout
item whose ``x``/``y``/``width``/``height`` is not a non-negative integer or that does not
fit the 24 columns; ``variables``, ``annotations`` or ``links`` not a list of objects,
``tags`` not a list of strings. Warning: an element no layout shows. Duplicate keys in ``elements``
cannot be seen in the parsed dict (the last one wins): the build finds them in the source
text (``duplicate_element_keys``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from dashgen.model.normalize import UID_MAX_LENGTH, UID_PATTERN
from dashgen.model.problem import ERROR, WARNING, JsonPath, Problem
from dashgen.model.v2 import LAYOUT_KINDS

GRID_COLUMNS = 24
ELEMENT_KINDS = ("Panel", "LibraryPanel")
# layout kind → (the list in its spec, the kind of each item in it)
_CONTAINERS = {
    "GridLayout": ("items", "GridLayoutItem"),
    "AutoGridLayout": ("items", "AutoGridLayoutItem"),
    "RowsLayout": ("rows", "RowsLayoutRow"),
    "TabsLayout": ("tabs", "TabsLayoutTab"),
}
_GRID_FIELDS = ("x", "y", "width", "height")


def validate_v2(spec: dict[str, Any]) -> list[Problem]:
    """Every problem of one v2 spec (pointers relative to the spec)."""
    problems = list(_check_title(spec))
    elements = spec.get("elements")
    if not isinstance(elements, dict):
        problems.append(
            _error(f"elements must be an object (key → element), got {_kind(elements)}", "elements")
        )
        elements = {}
    problems.extend(_check_elements(elements))
    problems.extend(_check_lists(spec))
    referenced: set[str] = set()
    problems.extend(_check_layout(spec.get("layout"), elements, referenced))
    for key in elements:
        if key not in referenced:
            message = f"element {key!r} is in no layout: Grafana will not show it"
            problems.append(Problem(WARNING, message, pointer=("elements", key)))
    return problems


def check_v2_uid(uid: str, named: bool) -> list[Problem]:
    """The uid of a v2 dashboard: ``named`` when it is a resource's ``metadata.name`` (the
    pointer is then to it), else derived from the path (always valid)."""
    if len(uid) <= UID_MAX_LENGTH and UID_PATTERN.match(uid):
        return []
    pointer: JsonPath | None = ("metadata", "name") if named else None
    if len(uid) > UID_MAX_LENGTH:
        message = f"uid {uid!r} is {len(uid)} characters; at most 40 are allowed"
    else:
        message = f"uid {uid!r} is invalid: use only letters, digits, '-' and '_'"
    return [Problem(ERROR, f"metadata.name: {message}", pointer=pointer)]


def _check_title(spec: dict[str, Any]) -> Iterator[Problem]:
    title = spec.get("title")
    if not isinstance(title, str):
        got = "none" if title is None else f"{title!r}"
        yield _error(f"a v2 dashboard needs a title (a string), got {got}", "title")
    elif not title.strip():
        yield _error("dashboard title is empty", "title")


def _check_lists(spec: dict[str, Any]) -> Iterator[Problem]:
    """The schema's lists (DashboardV2Spec: ``[...VariableKind]``, ``[...AnnotationQueryKind]``,
    ``[...DashboardLink]``, ``[...string]``): Grafana's /apis refuses another type (422)."""
    for key, item_type, noun, one in _LISTS:
        value = spec.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            yield _error(f"{key} must be a list of {noun}, got {_kind(value)}", key)
            continue
        for index, item in enumerate(value):
            if not isinstance(item, item_type):
                yield _error(f"{key}[{index}] must be {one}, got {_short(item)}", key, index)


_LISTS = (
    ("variables", dict, "objects", "an object"),
    ("annotations", dict, "objects", "an object"),
    ("links", dict, "objects", "an object"),
    ("tags", str, "strings", "a string"),
)


def _check_elements(elements: dict[str, Any]) -> Iterator[Problem]:
    ids: dict[int, str] = {}
    for key, element in elements.items():
        at: JsonPath = ("elements", key)
        if not isinstance(element, dict):
            yield _error(f"element {key!r} must be an object, got {_kind(element)}", *at)
            continue
        kind = element.get("kind")
        if kind not in ELEMENT_KINDS:
            yield _error(
                f"element {key!r} has kind {kind!r}; an element is one of "
                + ", ".join(ELEMENT_KINDS),
                *at,
                "kind",
            )
        body = element.get("spec")
        if not isinstance(body, dict):
            yield _error(f"element {key!r}: spec must be an object, got {_kind(body)}", *at, "spec")
            continue
        if "id" not in body or body["id"] is None:
            continue
        element_id = body["id"]
        if not _is_int(element_id):
            message = f"element {key!r}: spec.id must be an integer, got {element_id!r}"
            yield _error(message, *at, "spec", "id")
        elif element_id in ids:
            message = (
                f"element {key!r} has spec.id {element_id}, like element {ids[element_id]!r}: "
                "panel ids must be unique"
            )
            yield _error(message, *at, "spec", "id")
        else:
            ids[element_id] = key


def _check_layout(layout: Any, elements: dict[str, Any], referenced: set[str]) -> Iterator[Problem]:
    """Every layout, however deeply nested (an explicit stack: no recursion limit)."""
    pending: list[tuple[Any, JsonPath]] = [(layout, ("layout",))]
    while pending:
        node, at = pending.pop()
        where = _where(at)
        if not isinstance(node, dict):
            yield _error(f"{where} must be a layout object, got {_kind(node)}", *at)
            continue
        kind = node.get("kind")
        if kind not in LAYOUT_KINDS:
            known = ", ".join(LAYOUT_KINDS)
            yield _error(f"{where} has kind {kind!r}; a layout is one of {known}", *at, "kind")
            continue
        body = node.get("spec")
        if not isinstance(body, dict):
            yield _error(
                f"{where} ({kind}): spec must be an object, got {_kind(body)}", *at, "spec"
            )
            continue
        field, item_kind = _CONTAINERS[kind]
        items = body.get(field, [])
        if not isinstance(items, list):
            message = f"{where} ({kind}): spec.{field} must be a list, got {_kind(items)}"
            yield _error(message, *at, "spec", field)
            continue
        for index, item in enumerate(items):
            item_at: JsonPath = (*at, "spec", field, index)
            label = f"{item_kind} {index + 1} of {where}"
            if not isinstance(item, dict) or not isinstance(item.get("spec"), dict):
                yield _error(f"{label} must be an object with a spec object", *item_at)
                continue
            if item.get("kind") != item_kind:
                message = f"{label} has kind {item.get('kind')!r}; {kind} holds {item_kind}s"
                yield _error(message, *item_at, "kind")
            item_spec = item["spec"]
            if kind in ("RowsLayout", "TabsLayout"):
                pending.append((item_spec.get("layout"), (*item_at, "spec", "layout")))
                continue
            yield from _check_reference(item_spec, item_at, label, elements, referenced)
            if kind == "GridLayout":
                yield from _check_grid(item_spec, item_at, label)


def _check_reference(
    item: dict[str, Any],
    at: JsonPath,
    label: str,
    elements: dict[str, Any],
    referenced: set[str],
) -> Iterator[Problem]:
    reference = item.get("element")
    at = (*at, "spec", "element")
    if not isinstance(reference, dict) or reference.get("kind") != "ElementReference":
        yield _error(
            f'{label}: element must be {{"kind": "ElementReference", "name": "<element key>"}}, '
            f"got {_short(reference)}",
            *at,
        )
        return
    name = reference.get("name")
    if not isinstance(name, str) or name not in elements:
        known = ", ".join(repr(k) for k in list(elements)[:5]) or "none"
        more = ", ..." if len(elements) > 5 else ""
        yield _error(
            f"{label} refers to element {name!r}, which elements does not define "
            f"(elements: {known}{more})",
            *at,
            "name",
        )
        return
    referenced.add(name)


def _check_grid(item: dict[str, Any], at: JsonPath, label: str) -> Iterator[Problem]:
    values: dict[str, int] = {}
    for field in _GRID_FIELDS:
        value = item.get(field)
        if not _is_int(value) or value < 0:
            got = "nothing" if value is None else repr(value)
            yield _error(
                f"{label}: {field} must be a non-negative integer, got {got}", *at, "spec", field
            )
        else:
            values[field] = value
    x, width = values.get("x"), values.get("width")
    if x is not None and x >= GRID_COLUMNS:
        yield _error(f"{label}: x is {x}; the grid has columns 0-23", *at, "spec", "x")
    elif width is not None and width > GRID_COLUMNS:
        yield _error(f"{label}: width is {width}; the grid is 24 columns", *at, "spec", "width")
    elif x is not None and width is not None and x + width > GRID_COLUMNS:
        yield _error(
            f"{label}: x {x} + width {width} reaches past column 24 (x + width must be at most 24)",
            *at,
            "spec",
            "width",
        )


def duplicate_element_keys(json_text: str, prefix: JsonPath) -> list[Problem]:
    """The keys written twice in the ``elements`` object at ``prefix`` of ``json_text``
    (JSON parsers keep the last: the first element would vanish without a word)."""
    # id → (the dict, its keys written twice); holding the dict keeps its id from reuse
    duplicates: dict[int, tuple[dict[str, Any], list[str]]] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            twice = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
            duplicates[id(result)] = (result, twice)
        return result

    try:
        doc = json.loads(json_text, object_pairs_hook=pairs_hook)
    except (ValueError, RecursionError):
        return []
    node: Any = doc
    for key in (*prefix, "elements"):
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict) or id(node) not in duplicates:
        return []
    return [
        _error(
            f"element key {key!r} is written twice in elements (first here): the second "
            "replaces the first; give each element its own key",
            "elements",
            key,
        )
        for key in dict.fromkeys(duplicates[id(node)][1])
    ]


def _where(at: JsonPath) -> str:
    text = ""
    for part in at:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _error(message: str, *pointer: str | int) -> Problem:
    return Problem(ERROR, message, pointer=tuple(pointer))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _short(value: Any) -> str:
    text = json.dumps(value) if value is not None else "nothing"
    return text if len(text) <= 60 else text[:57] + "..."

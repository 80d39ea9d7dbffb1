"""grafanalib classes for the parts of a dashboard they reproduce exactly, learnt from grafanalib.

A part (the dashboard, a panel, a row, a target, a gridPos ...) is written as a grafanalib
object only when that object, rendered as the Python loader renders it (``to_json_data``
all the way down), gives back exactly that part; anything else stays a plain dict. Panels
may carry a few differences in ``extraJson`` (grafanalib's own escape hatch), at most
``EXTRA_JSON_MAX_LEAVES`` values; beyond that a dict reads better.

Which attribute lands where in the JSON is not hand-written per class: it is learnt once per
class by probing (render the class with defaults, then with one attribute set to a marked
value, and see where the mark appears), so every grafanalib panel class takes part, and a
grafanalib release that moves a key cannot make dashgen write wrong code: the exact render
check refuses the class instead.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import attr

from dashgen.model.normalize import normalize

EXTRA_JSON_MAX_LEAVES = 6
_MARK = "\ue001probe:"
_MISSING: Any = object()
Path = tuple[str, ...]


@dataclass(frozen=True)
class Attribute:
    name: str
    paths: tuple[Path, ...]  # where its value lands (``Target.expr``: expr and query)
    default: Any  # its JSON at ``path`` with the class defaults (_MISSING: absent)
    required: bool
    typed: type | None  # an attrs class the attribute must be an instance of


@dataclass(frozen=True)
class ClassSpec:
    cls: type
    type: str | None  # the panel "type" it always renders
    attributes: tuple[Attribute, ...]
    extra_json: bool  # has grafanalib's extraJson attribute


@dataclass(frozen=True)
class Match:
    """A part as a grafanalib object: the class, its keywords (JSON values or Matches, in
    field order), and the object itself."""

    cls: type
    keywords: tuple[tuple[str, Any], ...]
    value: Any


def render(value: Any) -> Any:
    """What the Python loader makes of a grafanalib value: plain JSON."""
    with contextlib.redirect_stdout(io.StringIO()):  # Dashboard warns on rows + panels
        return json.loads(json.dumps(value, default=_to_json_data))


def _to_json_data(value: Any) -> Any:
    if isinstance(value, Match):
        return value.value.to_json_data()
    return value.to_json_data()


def runtime(value: Any) -> Any:
    """Keyword values as the class receives them: Matches become their objects."""
    if isinstance(value, Match):
        return value.value
    if isinstance(value, list):
        return [runtime(item) for item in value]
    return value


# -- learning a class ---------------------------------------------------------------------


@functools.cache
def spec(cls: type) -> ClassSpec | None:
    """How ``cls`` maps attributes to JSON paths; None when it cannot be rendered at all."""
    fields = [f for f in attr.fields(cls) if f.init and f.name != "extraJson"]
    required = {f.name: f"{_MARK}{f.name}" for f in fields if f.default is attr.NOTHING}
    try:
        base = render(cls(**required))
    except Exception:
        return None
    attributes: list[Attribute] = []
    for index, field in enumerate(fields):
        paths = _probe(cls, field, index, required, base)
        if paths:
            attributes.append(
                Attribute(
                    name=field.name,
                    paths=paths,
                    default=_MISSING if field.name in required else _get(base, paths[0]),
                    required=field.name in required,
                    typed=_instance_of(field),
                )
            )
    fixed_type = base.get("type") if isinstance(base, dict) else None
    if any(("type",) in a.paths for a in attributes) or not isinstance(fixed_type, str):
        fixed_type = None
    has_extra = any(f.name == "extraJson" for f in attr.fields(cls))
    return ClassSpec(cls, fixed_type, tuple(attributes), has_extra)


def _probe(
    cls: type, field: Any, index: int, required: dict[str, str], base: Any
) -> tuple[Path, ...]:
    """The JSON paths where ``field``'s value shows up, found by setting it to a mark."""
    if field.name in required:
        return tuple(_paths_of(base, required[field.name]))
    for probe in _probes(field, _default(field), index):
        try:
            rendered = render(cls(**{**required, field.name: probe}))
        except Exception:
            continue
        target = render(probe) if attr.has(type(probe)) else probe
        paths = _paths_of(rendered, target)
        if not isinstance(probe, str | list) or attr.has(type(probe)):
            paths = [p for p in paths if _get(base, p) != target]
        if paths:
            return tuple(paths)
    return ()


def _probes(field: Any, default: Any, index: int) -> list[Any]:
    mark = f"{_MARK}{field.name}"
    if isinstance(default, bool):
        return [not default]
    if isinstance(default, int):
        return [7_654_321 + index]
    if isinstance(default, float):
        return [0.7654321 + index]
    if isinstance(default, list):
        return [[mark]]
    if default is None or isinstance(default, str):
        options = getattr(field.validator, "options", None)
        extra = [o for o in options if o != default] if isinstance(options, list | tuple) else []
        return [mark, *extra[:1]]
    if attr.has(type(default)):
        marked = _marked(type(default), mark)
        return [marked] if marked is not None else []
    return []


def _marked(cls: type, mark: str) -> Any:
    """An instance of ``cls`` whose rendering holds ``mark`` (to find where it goes)."""
    kwargs: dict[str, Any] = {}
    for field in attr.fields(cls):
        if not field.init:
            continue
        if field.default is attr.NOTHING or isinstance(_default(field), list):
            kwargs[field.name] = [mark] if isinstance(_default(field), list) else mark
    try:
        return cls(**kwargs)
    except Exception:
        return None


def _default(field: Any) -> Any:
    default = field.default
    if isinstance(default, attr.Factory):  # type: ignore[arg-type]
        return None if default.takes_self else default.factory()
    return default


def _instance_of(field: Any) -> type | None:
    kind = getattr(field.validator, "type", None)
    return kind if isinstance(kind, type) and attr.has(kind) else None


def _paths_of(value: Any, target: Any, path: Path = ()) -> list[Path]:
    if value == target and type(value) is type(target):
        return [path]
    found: list[Path] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths_of(item, target, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_paths_of(item, target, (*path, str(i))))
    return found


def _get(value: Any, path: Path) -> Any:
    for key in path:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


# -- matching a part ----------------------------------------------------------------------

# (class, attribute) → the classes its value (or each item of it) may become
Children = Callable[[type, Attribute], list[type]]


def match(
    cls: type, part: Any, children: Children, *, whole_dashboard: bool = False
) -> Match | None:
    """``part`` as a ``cls`` object when one renders to exactly ``part``, else None."""
    found = spec(cls)
    if found is None or not isinstance(part, dict):
        return None
    if found.type is not None and part.get("type") != found.type:
        return None
    keywords: list[tuple[str, Any]] = []
    for attribute in found.attributes:
        value = _get(part, attribute.paths[0])
        if any(_get(part, path) != value for path in attribute.paths[1:]):
            return None
        if value is _MISSING:
            if attribute.required:
                return None
            continue
        if not attribute.required and value == attribute.default:
            continue
        converted = _convert(value, children(cls, attribute), children)
        if attribute.typed is not None and not isinstance(converted, Match):
            return None
        keywords.append((attribute.name, converted))
    compare = _normalized if whole_dashboard else _same
    made = _made(cls, keywords)
    if made is None:
        return None
    if compare(render(made), part):
        return Match(cls, tuple(keywords), made)
    if not found.extra_json:
        return None
    patch = _patch(render(made), part)
    if not patch or _leaves(patch) > EXTRA_JSON_MAX_LEAVES:
        return None
    keywords.append(("extraJson", patch))
    made = _made(cls, keywords)
    if made is None or not compare(render(made), part):
        return None
    return Match(cls, tuple(keywords), made)


def _convert(value: Any, classes: list[type], children: Children) -> Any:
    if not classes:
        return value
    if isinstance(value, list):
        return [_convert_one(item, classes, children) for item in value]
    return _convert_one(value, classes, children)


def candidates(classes: list[type], value: Any) -> list[type]:
    """The classes that may render ``value`` (a panel class only renders its own type)."""
    if not isinstance(value, dict):
        return []
    kind = value.get("type")
    found = []
    for cls in classes:
        learnt = spec(cls)
        if learnt is not None and (learnt.type is None or learnt.type == kind):
            found.append(cls)
    return found


def _convert_one(value: Any, classes: list[type], children: Children) -> Any:
    for cls in candidates(classes, value):
        found = match(cls, value, children)
        if found is not None:
            return found
    return value


def _made(cls: type, keywords: list[tuple[str, Any]]) -> Any:
    try:
        return cls(**{name: runtime(value) for name, value in keywords})
    except Exception:
        return None


def _same(rendered: Any, part: Any) -> bool:
    return bool(rendered == part)


def _normalized(rendered: Any, part: Any) -> bool:
    return isinstance(rendered, dict) and normalize(rendered) == normalize(part)


def _patch(rendered: Any, wanted: Any) -> dict[str, Any] | None:
    """What ``extraJson`` must add or change so ``rendered`` becomes ``wanted`` (grafanalib
    deep-merges it); None when a key would have to be removed."""
    if not isinstance(rendered, dict) or not isinstance(wanted, dict):
        return None
    if any(key not in wanted for key in rendered):
        return None
    patch: dict[str, Any] = {}
    for key, value in wanted.items():
        if key not in rendered:
            patch[key] = value
        elif rendered[key] != value:
            if isinstance(rendered[key], dict):
                inner = _patch(rendered[key], value)
                if inner is None:
                    return None
                patch[key] = inner
            else:
                patch[key] = value
    return patch


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(item) for item in value.values()) or 1
    return 1

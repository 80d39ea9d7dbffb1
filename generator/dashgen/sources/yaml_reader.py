"""YAML read as the JSON it encodes: the one YAML reader of the build and of ``import``.

What gcx writes (``gcx resources pull -o yaml``, Go's sigs.k8s.io/yaml from JSON) and what
a person writes by hand both read here, each document with the line of every value:

- Only JSON's values. A key that is not a string (``on:``, ``1:``), ``.inf``/``.nan``, a
  ``!!binary``/``!!set``/``!!timestamp`` or any other tag (``!!python/object`` included:
  nothing is ever constructed but strings, numbers, booleans, null, lists and mappings)
  is an error naming its line. A plain timestamp stays the string it is in JSON.
- Aliases (``*name``) and merge keys (``<<``) are refused: gcx never writes them, and a
  value shared between two places would be normalised twice (panel ids) in the build.
- A key written twice in one mapping is an error (YAML forbids it; Go's yaml.v3 refuses it).
- YAML 1.1 (PyYAML's) and 1.2 (Go's yaml.v3) read some plain scalars apart; where they
  disagree, dashgen refuses rather than guesses: ``yes``/``no``/``on``/``off`` (booleans in
  1.1, strings in 1.2), ``1:30`` / ``1_000`` (numbers in 1.1 only) and ``010`` (8 in 1.1,
  10 in 1.2) are errors asking for quotes. ``1e3``, ``1e-05`` (how Go writes small floats)
  and ``0o17`` are numbers, as in 1.2.

libyaml's parser and composer are used when PyYAML has them (a tenth of the Python ones'
time); only this module imports PyYAML, and only a YAML source (or ``import``) imports it.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dashgen.model.problem import JsonPath

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP, _MERGE, _TIMESTAMP = (f"{_TAG}{t}" for t in ("seq", "map", "merge", "timestamp"))
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})
_PLAIN_STR = "tag:dashgen,2026:plain-str"  # an untagged plain scalar YAML 1.1 reads as a string
# YAML 1.2 core schema numbers that YAML 1.1 (PyYAML) leaves as strings.
_FLOAT_12 = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_OCTAL_12 = re.compile(r"0o[0-7]+")
_NUMBER_START = frozenset("0123456789+-.")
_OCTAL_11 = re.compile(r"[-+]?0[0-7_]+")  # 1.1: octal; 1.2: decimal


class YamlProblem(ValueError):
    """YAML that is no JSON document; ``line`` (1-based) is where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# libyaml's parser and composer (C) when PyYAML has them: ten times faster than Python's.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """The safe loader, without timestamps: a date stays the string JSON has. A plain
    scalar without a tag that resolves to a string is tagged ``_PLAIN_STR``: only those may
    be YAML 1.2 numbers (``!!str 1e3`` and ``'1e3'`` are strings in both)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        tag = str(super().resolve(kind, value, implicit))
        if tag == _STR and kind is ScalarNode and implicit[0]:
            return _PLAIN_STR
        return tag


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class YamlDocument:
    value: Any  # JSON data (None for an empty document)
    node: Node
    index: int  # 1-based, among the file's documents
    line: int  # where it starts

    def lines(self, paths: list[JsonPath]) -> dict[JsonPath, int]:
        """The line of each JSON path: of its key in a mapping, of the item in a list; a
        path that is not there gets its deepest ancestor's line."""
        return {tuple(path): _line_of(self.node, path) for path in paths}


def read_documents(text: str) -> list[YamlDocument]:
    """Every document of a YAML stream; ``YamlProblem`` naming the line of the first fault."""
    loader = _Loader(text)
    documents: list[YamlDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            value = _Values().value(node)
            documents.append(YamlDocument(value, node, len(documents) + 1, _line(node)))
    except _Alias:
        raise _alias_problem(text) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlProblem(f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None
    except RecursionError:
        raise YamlProblem(
            "nests lists and mappings too deeply for dashgen to read (no Grafana dashboard "
            "nests like this): flatten it"
        ) from None
    finally:
        loader.dispose()
    return documents


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Alias(Exception):
    """A node met twice: the composer resolved an alias (``*name``) to it."""


class _Values:
    """JSON values from the nodes of one document."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def value(self, node: Node) -> Any:
        if id(node) in self.seen:
            raise _Alias
        self.seen.add(id(node))
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise _tag_problem(node)
            return [self.value(item) for item in node.value]
        if not isinstance(node, MappingNode) or node.tag != _MAP:
            raise _tag_problem(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise YamlProblem(
                    "YAML merge keys (<<) are not read (JSON has none): write the keys out",
                    _line(key_node),
                )
            key = _scalar(key_node) if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                shown = repr(key) if isinstance(key_node, ScalarNode) else "a list or mapping"
                raise YamlProblem(
                    f"key {shown} is not a string (JSON's keys are): quote it", _line(key_node)
                )
            if key in result:
                raise YamlProblem(
                    f"key {key!r} is written twice in this mapping (YAML forbids it; the second "
                    "would replace the first): keep one",
                    _line(key_node),
                )
            result[key] = self.value(value_node)
        return result


_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def _scalar(node: ScalarNode) -> Any:
    try:
        value = _scalar_value(node)
    except YamlProblem:
        raise
    except ValueError:  # an integer past Python's 4300 digits of int()
        value = math.inf
    if type(value) is int and not _INT64_MIN <= value <= _UINT64_MAX:
        # read as a JSON file's number is (orjson: a double past 64 bits), so the build output
        # is byte-identical; past a double's range that is an infinity, refused below
        value = math.inf if abs(value) > sys.float_info.max else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        shown = node.value if len(node.value) <= 40 else f"a number of {len(node.value)} digits"
        raise YamlProblem(f"{shown} is not a JSON number: write a finite number", _line(node))
    return value


def _scalar_value(node: ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == _PLAIN_STR:  # most scalars: the text itself, unless YAML 1.2 reads a number
        if text[:1] in _NUMBER_START:
            if _FLOAT_12.fullmatch(text):
                return float(text)
            if _OCTAL_12.fullmatch(text):
                return int(text[2:], 8)
        return text
    if tag == _STR:  # quoted, a block scalar, or tagged !!str
        return text
    if tag not in _SCALAR_TAGS:
        raise _tag_problem(node)
    if not node.style:  # plain (None, or "" from libyaml): what YAML 1.1 and 1.2 read apart
        if tag == _BOOL and text.lower() not in ("true", "false"):
            raise _ambiguous(node, "a boolean in YAML 1.1, a string in YAML 1.2", "true/false")
        if tag in (_INT, _FLOAT) and (":" in text or "_" in text):
            raise _ambiguous(node, "a number in YAML 1.1, a string in YAML 1.2", "the number")
        if tag == _INT and _OCTAL_11.fullmatch(text):
            raise _ambiguous(node, "octal in YAML 1.1, decimal in YAML 1.2", "the number")
    return _Loader.yaml_constructors[tag](_CONSTRUCTOR, node)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _alias_problem(text: str) -> YamlProblem:
    """The first alias of the text, found again by its parse events (this runs on errors only)."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            return YamlProblem(
                f"YAML alias *{event.anchor} is not read (a dashboard is JSON, which has none): "
                "write the value out in full",
                event.start_mark.line + 1,
            )
    return YamlProblem("a value is used twice through a YAML alias: write it out in full")


def _ambiguous(node: ScalarNode, how: str, instead: str) -> YamlProblem:
    return YamlProblem(
        f"{node.value} is {how} (readers of Grafana files disagree on it): quote it "
        f"('{node.value}') for the string, or write {instead} without quotes",
        _line(node),
    )


def _tag_problem(node: Node) -> YamlProblem:
    return YamlProblem(
        f"the YAML tag {node.tag.replace(_TAG, '!!')} is not read (a dashboard holds only "
        "JSON values: strings, numbers, booleans, null, lists and mappings): remove it",
        _line(node),
    )


def _line_of(node: Node, path: JsonPath) -> int:
    line = _line(node)
    for part in path:
        if isinstance(node, MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == part), None)
            if found is None:
                break
            line, node = _line(found[0]), found[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = _line(node)
        else:
            break
    return line

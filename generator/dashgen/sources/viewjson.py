"""View JSON sources (``*.json``): a dashboard document as Grafana's View JSON shows it.

The file is parsed here; its form (View JSON, the ``GET /api/dashboards/uid/:uid``
envelope, a Share > Export file, or something that is no dashboard) is decided by
``dashgen.model.forms`` in the build, as for every other source kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from dashgen.errors import SourceError
from dashgen.model.problem import JsonPath
from dashgen.sources import LoadContext, LoadedDocument, Source
from dashgen.sources.kinds import read_source_text
from dashgen.sources.positions import json_lines


def load(source: Source, ctx: LoadContext) -> list[LoadedDocument]:
    text = read_source_text(source.path, source.rel, data=ctx.source_bytes)
    doc = parse_json(text, source.rel)

    def locate(pointers: list[JsonPath]) -> dict[JsonPath, tuple[str, int]]:
        return {p: (source.rel, line) for p, line in json_lines(text, pointers).items()}

    return [
        LoadedDocument(
            doc,
            source.name,
            line=1,
            text=text,
            keys_in_text=True,
            json_text=text,
            locate=locate,
        )
    ]


def parse_json(text: str, where: str) -> Any:
    """Parse JSON text; the error names the line."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        failure = json_failure(text, exc)
    if failure.too_deep:  # valid JSON, only deeper than any parser here reads
        raise SourceError(where, failure.reason, failure.line)
    message = f"invalid JSON: {failure.reason} (column {failure.column}), near: {failure.snippet}"
    raise SourceError(where, message, failure.line)


# What Python's json.dumps and a Jinja {{ }} of a float write for NaN and the infinities.
_NON_FINITE = re.compile(r"-?(?:NaN|Infinity|inf|nan)\b")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class JsonFailure:
    reason: str
    line: int
    column: int
    snippet: str
    too_deep: bool = False


def json_failure(text: str, exc: orjson.JSONDecodeError) -> JsonFailure:
    """What is wrong with JSON text, and where. A trailing comma is blamed on the comma
    (the line that wrote it), not on the bracket after it."""
    position = min(max(exc.pos, 0), len(text))
    reason = exc.msg
    constant = None
    too_deep = "depth limit" in reason
    if too_deep:
        reason = (
            "nests arrays and objects more than 1024 levels deep, more than dashgen reads "
            "(no Grafana dashboard nests like this): flatten it"
        )
    elif (surrogate := _LONE_SURROGATE.search(text)) is not None and "surrogate" in reason:
        # orjson reads UTF-8 and stops at 0 on text with a lone surrogate ("\ud800" in a
        # Jinja string literal, or a variable holding one): point at the character itself
        position = surrogate.start()
        escape = surrogate.group().encode("unicode_escape").decode()
        reason = f"a lone surrogate ({escape} with no pair, which no UTF-8 text can hold)"
    elif "trailing comma" in reason:
        comma = text.rfind(",", 0, position)
        if comma >= 0 and not text[comma + 1 : position].strip():
            position = comma
    elif (constant := _non_finite_at(text, position)) is not None:
        reason = f"{constant} is not a JSON number"
    if constant is not None or "infinity when parsed" in reason:
        reason += (
            " (JSON has no NaN or infinity, and Grafana cannot store one): write a finite number"
        )
    line = text.count("\n", 0, position) + 1
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line_text = text[line_start : line_end if line_end >= 0 else len(text)]
    return JsonFailure(
        reason, line, position - line_start + 1, _near(line_text, position - line_start), too_deep
    )


def _non_finite_at(text: str, position: int) -> str | None:
    """``NaN``, ``-Infinity``, ``inf`` ... where parsing stopped (orjson stops after a minus)."""
    start = position - 1 if text[position - 1 : position] == "-" else position
    found = _NON_FINITE.match(text, start)
    return found.group() if found else None


def _near(line_text: str, column: int) -> str:
    """At most 120 characters of the line, with the failing column among them."""
    start = 0 if column < 80 else column - 60
    snippet = line_text[start : start + 120].strip()
    return f"...{snippet}" if start else snippet

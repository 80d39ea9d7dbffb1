"""Which template line produced each line of a template's output.

A problem found in rendered JSON (text that is no JSON, a panel's bad ``gridPos``) is
about the template, not about line 37 of an output nobody sees. ``traced_render`` renders
again chunk by chunk: Jinja compiles a template to a generator that yields text, and the
generator's suspended frame says which template (``__jinja_template__``) and which line
(its debug info) yielded each chunk. Includes, extends and blocks are followed to the
innermost template; a macro's output belongs to the line that called it. Text copied from
the template as it is keeps its own lines; an expression's output belongs to its line.

It runs only when there is something to place (it costs a second render), never on a good
build.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from types import GeneratorType
from typing import Any

import jinja2


@dataclass
class _Span:
    output_line: int  # the output line the chunk starts on
    filename: str  # the template file that yielded it
    template_line: int  # the template line that yielded it
    text: str


@dataclass
class RenderMap:
    """Output line → (template file, template line)."""

    spans: list[_Span]
    _starts: list[int] = field(default_factory=list)
    _sources: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._starts = [span.output_line for span in self.spans]

    def template_line(self, output_line: int) -> tuple[Path, int] | None:
        index = bisect.bisect_right(self._starts, output_line) - 1
        if index < 0:
            return None
        span = self.spans[index]
        offset = output_line - span.output_line
        start = self._copied_from(span)
        if start is not None:
            return Path(span.filename), start + offset
        # Template text with a constant folded in ({{ 42 }}) is no longer a copy; a line
        # that still lines up with a template line holding an expression is that line.
        lines = self._lines(span.filename)
        candidate = span.template_line + offset
        if offset and 0 < candidate <= len(lines):
            written = span.text.split("\n")[offset].strip()
            template_text = lines[candidate - 1].strip()
            if template_text == written or ("{{" in template_text and written):
                return Path(span.filename), candidate
        return Path(span.filename), span.template_line  # an expression's output: its line

    def _source(self, filename: str) -> str | None:
        if filename not in self._sources:
            try:
                self._sources[filename] = Path(filename).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._sources[filename] = None
        return self._sources[filename]

    def _lines(self, filename: str) -> list[str]:
        return (self._source(filename) or "").split("\n")

    def _copied_from(self, span: _Span) -> int | None:
        """The template line the chunk's text starts on when it is template text as it is."""
        source = self._source(span.filename)
        if not source or not span.text:
            return None
        offset = _line_offset(source, span.template_line)
        found = source.find(span.text, offset)
        if found < 0:
            return None
        line = span.template_line + source.count("\n", offset, found)
        return line if line <= span.template_line + 1 else None


def traced_render(template: jinja2.Template) -> tuple[str, RenderMap] | None:
    """Render ``template`` again, recording where each chunk came from; None if it fails."""
    debug_lines: dict[int, list[tuple[int, int]]] = {}
    spans: list[_Span] = []
    pieces: list[str] = []
    line = 1
    try:
        generator = template.root_render_func(template.new_context())
        for chunk in generator:
            frame = _innermost(generator).gi_frame
            if frame is not None:
                filename, template_line = frame.f_code.co_filename, 1
                owner = frame.f_globals.get("__jinja_template__")
                if owner is not None:
                    template_line = _template_line(owner, frame.f_lineno, debug_lines)
                spans.append(_Span(line, filename, template_line, chunk))
            pieces.append(chunk)
            line += chunk.count("\n")
    except Exception:
        return None
    return "".join(pieces), RenderMap(spans)


def _innermost(generator: GeneratorType) -> GeneratorType:
    """The generator that really yielded: through ``yield from`` (extends, blocks) and the
    local ``gen`` that an ``{% include %}`` loops over."""
    while True:
        inner: Any = generator.gi_yieldfrom
        if inner is None and generator.gi_frame is not None:
            inner = generator.gi_frame.f_locals.get("gen")
            if not (
                isinstance(inner, GeneratorType)
                and inner.gi_frame is not None
                and "__jinja_template__" in inner.gi_frame.f_globals
            ):
                inner = None
        if not isinstance(inner, GeneratorType) or inner.gi_frame is None:
            return generator
        generator = inner


def _template_line(
    template: jinja2.Template, code_line: int, cache: dict[int, list[tuple[int, int]]]
) -> int:
    """``Template.get_corresponding_lineno`` without parsing the debug info every time."""
    pairs = cache.get(id(template))
    if pairs is None:
        pairs = sorted((code, source) for source, code in template.debug_info)
        cache[id(template)] = pairs
    index = bisect.bisect_right(pairs, (code_line, float("inf"))) - 1
    return pairs[index][1] if index >= 0 else 1


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset

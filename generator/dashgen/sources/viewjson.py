"""View JSON sources (``*.json``): the dashboard model as Grafana's View JSON shows it.

The body of ``GET /api/dashboards/uid/:uid`` (``{"dashboard": ..., "meta": ...}``) is
unwrapped; a Share > Export file is converted when every input has a value
(``dashgen.export_convert``) and refused otherwise; v2 resources and single panels are refused.
"""

from __future__ import annotations

from typing import Any

import orjson

from dashgen.errors import ExportFormatError, SourceError
from dashgen.export_convert import resolve_export
from dashgen.exports import Form, export_message, form_message, unwrap
from dashgen.sources import LoadContext, LoadedDashboard, Source


def load(source: Source, ctx: LoadContext) -> list[LoadedDashboard]:
    try:
        text = source.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(source.rel, f"cannot read: {exc}") from exc
    doc = parse_json(text, source.rel)
    name = source.name
    return [dashboard_from_document(doc, source.rel, text, name, ctx)]


def parse_json(text: str, where: str, *, rendered: bool = False) -> Any:
    """Parse JSON text; the error names the line (of the rendered output for templates)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        lines = text.splitlines()
        snippet = lines[exc.lineno - 1].strip() if 0 < exc.lineno <= len(lines) else ""
        if rendered:
            message = (
                f"rendered output is not valid JSON: {exc.msg} at line {exc.lineno} "
                f"column {exc.colno} of the rendered output, near: {snippet[:120]}"
            )
            raise SourceError(where, message) from exc
        message = f"invalid JSON: {exc.msg} (column {exc.colno}), near: {snippet[:120]}"
        raise SourceError(where, message, exc.lineno) from exc


def dashboard_from_document(
    doc: Any, where: str, text: str | None, name: str, ctx: LoadContext | None = None
) -> LoadedDashboard:
    """The v1 dashboard in a parsed document, or a clear error for any other form.

    With ``ctx``, a Share > Export document is converted with the build's input values;
    without, it is refused."""
    form, body = unwrap(doc)
    if form is Form.EXPORT:
        line = _line_of(text, '"__inputs"') or _line_of(text, '"__elements"')
        if ctx is None:
            raise ExportFormatError(where, export_message(body), line)
        converted = resolve_export(body, ctx, where, line)
        start = _line_of(text, '"dashboard"') if body is not doc else 1
        return LoadedDashboard(data=converted, name=name, line=start, text=text)
    if form is not Form.VIEW:
        raise SourceError(where, form_message(form))
    line = _line_of(text, '"dashboard"') if body is not doc else 1
    return LoadedDashboard(data=body, name=name, line=line, text=text)


def _line_of(text: str | None, needle: str) -> int | None:
    if not text:
        return None
    position = text.find(needle)
    return text.count("\n", 0, position) + 1 if position >= 0 else None

"""View JSON sources (``*.json``): a dashboard document as Grafana's View JSON shows it.

The file is parsed here; its form (View JSON, the ``GET /api/dashboards/uid/:uid``
envelope, a Share > Export file, or something that is no dashboard) is decided by
``dashgen.model.forms`` in the build, as for every other source kind.
"""

from __future__ import annotations

from typing import Any

import orjson

from dashgen.errors import SourceError
from dashgen.sources import LoadContext, LoadedDocument, Source


def load(source: Source, ctx: LoadContext) -> list[LoadedDocument]:
    try:
        text = source.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(source.rel, f"cannot read: {exc}") from exc
    doc = parse_json(text, source.rel)
    return [LoadedDocument(doc, source.name, line=1, text=text, keys_in_text=True)]


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

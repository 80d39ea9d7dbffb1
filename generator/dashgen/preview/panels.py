"""What a preview box says about one panel: its datasource, its first query, its text.

Only data leaves this module (strings and the safe node trees of ``preview.markdown``);
the page puts every string into the DOM as text, never as HTML.
"""

from __future__ import annotations

from typing import Any

import orjson

from dashgen.preview.markdown import markdown_nodes

# Where the query text lives in a target, by datasource kind, most specific first:
# Prometheus/Loki expr, SQL rawSql, Graphite target, Elasticsearch/Influx/Tempo query,
# CloudWatch expression, Flux/Kusto queryText...
QUERY_KEYS = ("expr", "rawSql", "query", "target", "expression", "queryText", "rawQuery", "sql")
# Target fields that say nothing about what is queried, left out of the JSON fallback.
NOISE_KEYS = frozenset({"refId", "datasource", "hide", "key", "editorMode", "range", "instant"})
MAX_QUERY_CHARS = 600
MAX_TEXT_CHARS = 20_000


def datasource_text(panel: dict[str, Any]) -> str | None:
    """The panel's datasource as Grafana names it (uid and type), or its first target's."""
    reference = panel.get("datasource")
    if reference is None:
        targets = _targets(panel)
        reference = next((t.get("datasource") for t in targets if t.get("datasource")), None)
    return _reference_text(reference)


def first_query(panel: dict[str, Any]) -> str | None:
    """``A: <query text>`` of the first target that is not hidden (else the first one)."""
    targets = _targets(panel)
    if not targets:
        return None
    target = next((t for t in targets if not t.get("hide")), targets[0])
    text = next(
        (v for k in QUERY_KEYS if isinstance(v := target.get(k), str) and v.strip()),
        None,
    )
    if text is None:
        rest = {k: v for k, v in target.items() if k not in NOISE_KEYS}
        if not rest:
            return None
        text = orjson.dumps(rest, option=orjson.OPT_SORT_KEYS).decode()
    ref = target.get("refId")
    text = f"{ref}: {text.strip()}" if isinstance(ref, str) and ref else text.strip()
    return text if len(text) <= MAX_QUERY_CHARS else text[: MAX_QUERY_CHARS - 1] + "…"


def text_content(panel: dict[str, Any]) -> dict[str, Any] | None:
    """A text panel's content: markdown as safe nodes, HTML and code as their source text."""
    if panel.get("type") != "text":
        return None
    options = panel.get("options") if isinstance(panel.get("options"), dict) else {}
    content = options.get("content", panel.get("content"))  # options: Grafana 7+
    mode = options.get("mode", panel.get("mode")) or "markdown"
    if not isinstance(content, str):
        content = ""
    content = content[:MAX_TEXT_CHARS]
    if mode == "markdown":
        return {"mode": "markdown", "nodes": markdown_nodes(content)}
    # HTML is shown as its source: the preview never turns a dashboard's text into markup.
    return {"mode": mode if mode in ("html", "code") else "text", "source": content}


def repeat_info(panel: dict[str, Any]) -> dict[str, Any] | None:
    variable = panel.get("repeat")
    if not isinstance(variable, str) or not variable:
        return None
    direction = panel.get("repeatDirection")
    info: dict[str, Any] = {"variable": variable}
    if panel.get("type") != "row":
        info["direction"] = "vertical" if direction == "v" else "horizontal"
        if isinstance(panel.get("maxPerRow"), int):
            info["maxPerRow"] = panel["maxPerRow"]
    return info


def library_panel(panel: dict[str, Any]) -> str | None:
    library = panel.get("libraryPanel")
    if not isinstance(library, dict):
        return None
    name = library.get("name") or library.get("uid")
    return str(name) if name else "library panel"


def _targets(panel: dict[str, Any]) -> list[dict[str, Any]]:
    targets = panel.get("targets")
    if not isinstance(targets, list):
        return []
    return [t for t in targets if isinstance(t, dict)]


def _reference_text(reference: Any) -> str | None:
    if isinstance(reference, str):
        return reference or None
    if not isinstance(reference, dict):
        return None
    uid, kind = reference.get("uid"), reference.get("type")
    if uid == "-- Mixed --":  # Grafana's mixed datasource
        return "mixed"
    if isinstance(uid, str) and uid and isinstance(kind, str) and kind:
        return f"{uid} ({kind})"
    return str(uid or kind) if (uid or kind) else None

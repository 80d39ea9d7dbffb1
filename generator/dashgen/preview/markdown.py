"""A small, safe Markdown subset for text panels, as a tree of plain data.

The page builds DOM elements from this tree with a fixed set of tags and text nodes, so
nothing a dashboard says can become markup or script: raw HTML inside Markdown is shown as
text, and links keep only ``http``, ``https`` and ``mailto`` targets. Supported: ATX
headings, paragraphs, ``-``/``*``/``+`` and ``1.`` lists, ``>`` quotes, fenced and indented
code, rules, and inline code, ``**strong**``, ``*em*``/``_em_``, ``[text](url)``.

Node: a string (text), or ``{"t": tag, "c": [children]}`` (``"href"`` on links).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

Node = str | dict[str, Any]

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,9}[.)]\s+(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE = re.compile(
    r"(?P<code>`+)(?P<code_text>.+?)(?P=code)"
    r"|\*\*(?P<strong>.+?)\*\*|__(?P<strong2>.+?)__"
    r"|\*(?P<em>[^*\s](?:.*?[^*\s])?)\*|(?<!\w)_(?P<em2>[^_\s](?:.*?[^_\s])?)_(?!\w)"
    r"|\[(?P<link_text>[^\]]+)\]\((?P<href>(?:[^()\s]|\([^()\s]*\))+)(?:\s+\"[^\"]*\")?\)"
)


def markdown_nodes(text: str) -> list[Node]:
    """The block nodes of ``text``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Node] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
        elif _FENCE.match(line):
            index = _fenced(lines, index, blocks)
        elif line.startswith(("    ", "\t")):
            index = _indented(lines, index, blocks)
        elif match := _HEADING.match(line):
            blocks.append({"t": f"h{len(match.group(1))}", "c": inline_nodes(match.group(2))})
            index += 1
        elif _RULE.match(line):
            blocks.append({"t": "hr", "c": []})
            index += 1
        elif line.lstrip().startswith(">"):
            index = _quote(lines, index, blocks)
        elif _BULLET.match(line) or _NUMBERED.match(line):
            index = _list(lines, index, blocks)
        else:
            index = _paragraph(lines, index, blocks)
    return blocks


def inline_nodes(text: str) -> list[Node]:
    nodes: list[Node] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            nodes.append(text[position : match.start()])
        nodes.append(_inline(match))
        position = match.end()
    if position < len(text):
        nodes.append(text[position:])
    return nodes


def _inline(match: re.Match[str]) -> Node:
    groups = match.groupdict()
    if groups["code_text"] is not None:
        return {"t": "code", "c": [groups["code_text"].strip()]}
    if (strong := groups["strong"] or groups["strong2"]) is not None:
        return {"t": "strong", "c": inline_nodes(strong)}
    if (em := groups["em"] or groups["em2"]) is not None:
        return {"t": "em", "c": inline_nodes(em)}
    children = inline_nodes(groups["link_text"])
    href = groups["href"]
    if urlsplit(href).scheme.lower() not in SAFE_SCHEMES:
        return {"t": "span", "c": children}  # javascript:, data:, relative: text only
    return {"t": "a", "href": href, "c": children}


def _fenced(lines: list[str], index: int, blocks: list[Node]) -> int:
    fence = _FENCE.match(lines[index])
    marker = fence.group(1) if fence else "```"
    body: list[str] = []
    index += 1
    while index < len(lines) and not lines[index].strip().startswith(marker):
        body.append(lines[index])
        index += 1
    blocks.append({"t": "pre", "c": [{"t": "code", "c": ["\n".join(body)]}]})
    return index + 1


def _indented(lines: list[str], index: int, blocks: list[Node]) -> int:
    body: list[str] = []
    while index < len(lines) and (lines[index].startswith(("    ", "\t")) or not lines[index]):
        body.append(lines[index][4:] if lines[index].startswith("    ") else lines[index][1:])
        index += 1
    blocks.append({"t": "pre", "c": [{"t": "code", "c": ["\n".join(body).rstrip("\n")]}]})
    return index


def _quote(lines: list[str], index: int, blocks: list[Node]) -> int:
    body: list[str] = []
    while index < len(lines) and lines[index].lstrip().startswith(">"):
        body.append(lines[index].lstrip()[1:].removeprefix(" "))
        index += 1
    blocks.append({"t": "blockquote", "c": markdown_nodes("\n".join(body))})
    return index


def _list(lines: list[str], index: int, blocks: list[Node]) -> int:
    numbered = bool(_NUMBERED.match(lines[index]))
    pattern = _NUMBERED if numbered else _BULLET
    items: list[Node] = []
    while index < len(lines) and (match := pattern.match(lines[index])):
        items.append({"t": "li", "c": inline_nodes(match.group(1))})
        index += 1
    blocks.append({"t": "ol" if numbered else "ul", "c": items})
    return index


def _paragraph(lines: list[str], index: int, blocks: list[Node]) -> int:
    body: list[str] = []
    while index < len(lines) and lines[index].strip() and not _starts_block(lines[index]):
        body.append(lines[index].strip())
        index += 1
    blocks.append({"t": "p", "c": inline_nodes(" ".join(body))})
    return index


def _starts_block(line: str) -> bool:
    return bool(
        _HEADING.match(line)
        or _FENCE.match(line)
        or _RULE.match(line)
        or line.lstrip().startswith(">")
        or _BULLET.match(line)
        or _NUMBERED.match(line)
    )

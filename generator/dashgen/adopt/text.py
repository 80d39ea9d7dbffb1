"""The View JSON and Jinja writers: a dashboard (placeholders included) → source text.

Both keep the dashboard's own key order (as Grafana's JSON Model shows it) with a 2-space
indent. The Jinja writer turns each datasource placeholder into ``"{{ name }}"`` and makes
every other ``{{``, ``{%`` and ``{#`` in the JSON literal, so that a legend such as
``{{instance}}`` renders as itself: a string holding them is wrapped in
``{% raw %}...{% endraw %}`` (or, if it holds ``endraw`` itself, each delimiter is written
as an expression printing it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from dashgen.adopt.datasources import MARK as _MARK
from dashgen.adopt.datasources import DatasourceVariable, placeholder_name

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JINJA_DELIMITER = re.compile(r"\{[{%#]")


def view_json(dashboard: dict[str, Any]) -> str:
    return json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"


def jinja_template(
    dashboard: dict[str, Any], variables: Sequence[DatasourceVariable], header: str
) -> str:
    """The template text; ``header`` becomes a Jinja comment (it renders to nothing)."""
    body = _JSON_STRING.sub(_template_string, view_json(dashboard))
    names = ", ".join(v.name for v in variables)
    lines = [header]
    if names:
        lines.append(f"Datasource uids come from the org's variables: {names}.")
    comment = "\n".join(line.replace("#}", "# }") for line in lines)
    return "{#\n" + comment + "\n#}\n" + body


def _template_string(match: re.Match[str]) -> str:
    token = match.group(0)
    if _MARK in token and (name := placeholder_name(json.loads(token))) is not None:
        return '"{{ ' + name + ' }}"'
    if not _JINJA_DELIMITER.search(token):
        return token
    inner = token[1:-1]
    if "endraw" not in inner:
        return '"{% raw %}' + inner + '{% endraw %}"'
    return '"' + _JINJA_DELIMITER.sub(lambda m: "{{ '" + m.group(0) + "' }}", inner) + '"'

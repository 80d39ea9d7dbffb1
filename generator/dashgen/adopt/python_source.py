"""The Python writer: a module that assigns ``dashboard``, as a person would write it.

Datasource uids are read from the org being built with ``dashgen.context.var(...)`` into
constants at the top (``PROMETHEUS_UID = context.var("prometheus_uid")``), so the source is
built once per org with that org's values. The dashboard, its panels, rows, targets,
template variables, time settings and grid positions are grafanalib objects where
grafanalib reproduces them exactly (``dashgen.adopt.grafanalib_match``), plain dicts
otherwise. The text is laid out as black / ``ruff format`` lay it out (``adopt.pycode``).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Sequence
from typing import Any

from dashgen.adopt import grafanalib_match
from dashgen.adopt.datasources import DatasourceVariable, placeholder_name
from dashgen.adopt.grafanalib_match import Attribute, Match
from dashgen.adopt.pycode import (
    LINE_LENGTH,
    Code,
    Literal,
    Name,
    assignment,
    call,
    dict_of,
    list_of,
)


def python_module(
    dashboard: dict[str, Any], variables: Sequence[DatasourceVariable], header: str
) -> str:
    writer = _Writer()
    code = writer.dashboard(dashboard)
    parts = [_docstring(header, variables), ""]
    imports = []
    if variables:
        imports.append("from dashgen import context")
    if writer.imported:
        imports.append(_import_line("grafanalib.core", sorted(writer.imported)))
    if imports:
        parts += [*imports, ""]
    if variables:
        parts += [f"{_constant(v.name)} = context.var({Literal(v.name).flat()})" for v in variables]
        parts.append("")
    parts.append(assignment("dashboard", code))
    return "\n".join(parts) + "\n"


class _Writer:
    def __init__(self) -> None:
        self.imported: set[str] = set()

    def dashboard(self, dashboard: dict[str, Any]) -> Code:
        core = _core()
        found = grafanalib_match.match(core.Dashboard, dashboard, children, whole_dashboard=True)
        if found is not None:
            return self.code(found)
        return self.plain(dashboard)

    def plain(self, value: Any) -> Code:
        """A dict dashboard (or panel) whose panels and rows may still be grafanalib objects."""
        items = []
        for key, item in value.items():
            if key in ("panels", "rows") and isinstance(item, list):
                classes = _panel_classes() if key == "panels" else [_core().Row]
                items.append((key, list_of([self.part(p, classes) for p in item])))
            else:
                items.append((key, self.code(item)))
        return dict_of(items)

    def part(self, value: Any, classes: list[type]) -> Code:
        for cls in grafanalib_match.candidates(classes, value):
            found = grafanalib_match.match(cls, value, children)
            if found is not None:
                return self.code(found)
        if isinstance(value, dict) and ("panels" in value or "rows" in value):
            return self.plain(value)
        return self.code(value)

    def code(self, value: Any) -> Code:
        if isinstance(value, Match):
            self.imported.add(value.cls.__name__)
            return call(value.cls.__name__, [(k, self.code(v)) for k, v in value.keywords])
        if isinstance(value, dict):
            return dict_of([(key, self.code(item)) for key, item in value.items()])
        if isinstance(value, list):
            return list_of([self.code(item) for item in value])
        name = placeholder_name(value)
        if name is not None:
            return Name(_constant(name))
        return Literal(value)


def children(cls: type, attribute: Attribute) -> list[type]:
    """The grafanalib classes an attribute's value (or each of its items) may be."""
    core = _core()
    if attribute.typed is not None:
        return [attribute.typed]
    name = attribute.name
    if name == "gridPos":
        return [core.GridPos]
    if name == "panels":
        return _panel_classes()
    if name == "rows":
        return [core.Row]
    if name == "targets":
        return [core.Target]
    if cls is core.Templating and name == "list":
        return [core.Template]
    return []


def _core() -> Any:
    import grafanalib.core  # only --as python needs it

    return grafanalib.core


@functools.cache
def _panel_classes() -> list[type]:
    core = _core()
    return sorted(
        (
            value
            for value in vars(core).values()
            if isinstance(value, type) and issubclass(value, core.Panel) and value is not core.Panel
        ),
        key=lambda cls: cls.__name__,
    )


def _constant(name: str) -> str:
    return name.upper()


def _import_line(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= LINE_LENGTH:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")"


def _docstring(header: str, variables: Sequence[DatasourceVariable]) -> str:
    text = header.replace("\\", "/").replace('"""', "'''")
    paragraphs = [text]
    if variables:
        paragraphs.append(
            "Datasource uids are read from the org being built (dashgen.context.var): set "
            "them in [orgs.<org>.vars] of dashgen.toml."
        )
    text = "\n\n".join("\n".join(textwrap.wrap(p, LINE_LENGTH - 6)) for p in paragraphs)
    if text.endswith('"'):
        text += " "  # a quote right before the closing ones would end the string early
    if "\n" not in text:
        return f'"""{text}"""'
    return f'"""{text}\n"""'

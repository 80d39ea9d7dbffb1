"""Datasource references → variables, so that one imported dashboard publishes to many orgs.

A reference is the value of any ``datasource`` key (panels, targets, template variables,
annotations, at any depth): ``{"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}`` or, in
older dashboards, a plain string (a datasource name, sometimes a uid). References that
name no concrete datasource stay as they are: template variables (``$ds``, ``${ds}``),
Grafana's built-ins (``-- Grafana --``, ``-- Mixed --``, ``-- Dashboard --``, the
``datasource``/``grafana`` types, expressions ``__expr__``) and ``null``.

Variables are named after the datasource type: ``prometheus_uid``, ``loki_uid``,
``grafana_testdata_uid`` (``grafana-testdata-datasource``); a string reference becomes
``<type>_datasource`` when the export's inputs tell its plugin, else ``datasource``. When
a dashboard (or one import run) uses several datasources of one type they are numbered in
order of first use: ``prometheus_uid``, ``prometheus_2_uid``. A name the config already
gives another value (``[vars]`` or ``[orgs.<org>.vars]``) is skipped; one it gives this
very value is reused, so re-importing adds nothing to the config.

In the dashboard the uid is replaced by a placeholder string (``placeholder(name)``) that
the Jinja and Python writers turn into ``{{ name }}`` and ``context.var("name")``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BUILTIN_UIDS = frozenset(
    {"-- Grafana --", "-- Mixed --", "-- Dashboard --", "grafana", "__expr__", "default"}
)
BUILTIN_TYPES = frozenset({"datasource", "grafana", "__expr__"})
MARK = "\ue000"  # a private-use character: never part of a real dashboard
_PLACEHOLDER = re.compile(f"^{MARK}dashgen-var:([A-Za-z_][A-Za-z0-9_]*){MARK}$")


def placeholder(name: str) -> str:
    return f"{MARK}dashgen-var:{name}{MARK}"


def placeholder_name(value: Any) -> str | None:
    """The variable name when ``value`` is a placeholder string, else None."""
    if isinstance(value, str) and value.startswith(MARK):
        match = _PLACEHOLDER.match(value)
        return match.group(1) if match else None
    return None


@dataclass(frozen=True)
class DatasourceVariable:
    name: str
    value: str
    type: str | None  # plugin id, when known
    new: bool  # not in the config yet (to be written or suggested)


@dataclass
class VariableNames:
    """The names given so far (shared by every dashboard of one run) and the config's."""

    existing: Mapping[str, Any]  # the effective variables of the target org
    given: dict[tuple[str, str | None, str], str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # name → value, this run

    def name_for(self, kind: str, plugin: str | None, value: str) -> str:
        key = (kind, plugin, value)
        if key in self.given:
            return self.given[key]
        stem, suffix = _stem(kind, plugin)
        number = 1
        while True:
            name = f"{stem}{suffix}" if number == 1 else f"{stem}_{number}{suffix}"
            taken = self.values.get(name, self.existing.get(name))
            if taken is None or taken == value:
                self.given[key] = name
                self.values[name] = value
                return name
            number += 1

    def variable(self, name: str) -> DatasourceVariable:
        kind_plugin = next(key for key, given in self.given.items() if given == name)
        return DatasourceVariable(
            name=name,
            value=self.values[name],
            type=kind_plugin[1],
            new=self.existing.get(name) != self.values[name],
        )


def templated(
    dashboard: dict[str, Any],
    names: VariableNames,
    plugins: Mapping[str, str] | None = None,
    *,
    v2: bool = False,
) -> tuple[dict[str, Any], list[DatasourceVariable]]:
    """A copy of ``dashboard`` with each concrete datasource uid replaced by a placeholder,
    and the variables it uses (in order of first use). ``plugins``: string reference →
    plugin id (from an export's inputs). ``v2``: a schema v2 dashboard (or its resource),
    whose queries name the uid as ``{"name": uid}`` beside the type in ``group``."""
    used: list[str] = []

    def visit(value: Any) -> Any:
        if isinstance(value, dict):
            group = value.get("group") if isinstance(value.get("group"), str) else None
            return {
                key: reference(item, group) if key == "datasource" else visit(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [visit(item) for item in value]
        return value

    def reference(ref: Any, group: str | None) -> Any:
        if v2 and isinstance(ref, dict) and not {"uid", "type"} & set(ref):
            uid = ref.get("name")
            if not _concrete(uid) or group in BUILTIN_TYPES:
                return visit(ref)
            return {**visit(ref), "name": use(names.name_for("uid", group or None, uid))}
        if isinstance(ref, dict):
            uid, plugin = ref.get("uid"), ref.get("type")
            plugin = plugin if isinstance(plugin, str) and plugin else None
            if not _concrete(uid) or plugin in BUILTIN_TYPES:
                return visit(ref)
            return {**visit(ref), "uid": use(names.name_for("uid", plugin, uid))}
        if _concrete(ref):
            return use(names.name_for("name", (plugins or {}).get(ref), ref))
        return visit(ref)

    def use(name: str) -> str:
        if name not in used:
            used.append(name)
        return placeholder(name)

    result = visit(dashboard)
    return result, [names.variable(name) for name in used]


def substitute(value: Any, values: Mapping[str, str]) -> Any:
    """``value`` with every placeholder replaced by its variable's value."""
    if isinstance(value, dict):
        return {key: substitute(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, values) for item in value]
    name = placeholder_name(value)
    return values[name] if name is not None else value


def _concrete(value: Any) -> bool:
    """A string naming one real datasource (not a variable, not a built-in)."""
    return (
        isinstance(value, str)
        and bool(value.strip())
        and not value.startswith("$")
        and "${" not in value
        and "[[" not in value
        and value not in BUILTIN_UIDS
    )


def _stem(kind: str, plugin: str | None) -> tuple[str, str]:
    if plugin:
        slug = re.sub(r"[^0-9a-zA-Z]+", "_", plugin).strip("_").lower()
        slug = re.sub(r"_datasource$", "", slug) or "datasource"
        if slug[0].isdigit():
            slug = f"ds_{slug}"
        return slug, "_uid" if kind == "uid" else "_datasource"
    return ("datasource", "_uid") if kind == "uid" else ("datasource", "")

"""Turn a Share > Export file into a dashboard model, the way ``POST /api/dashboards/import`` does.

Every ``__inputs`` entry needs a value: a mapped one, else a constant's own ``value`` (an
input for the expression datasource ``__expr__`` is always ``__expr__``); a datasource input
has no fallback. Each ``${NAME}`` inside any string value is replaced for the NAMEs that are
``__inputs`` entries; any other ``${...}`` (an ordinary template variable) stays, as in
Grafana. Object keys are not touched (Grafana's evaluator only rewrites values). Then
``__inputs``, ``__requires`` and ``__elements`` are dropped.

Library panels cannot be converted: an export holding them (a non-empty ``__elements``,
panels reduced to ``{gridPos, id, libraryPanel}`` stubs) needs Grafana to create them, which
dashgen does not do.

``convert_export`` is pure; ``resolve_export`` is what the loaders call with a build's
``LoadContext``: it picks the values for the org being built and turns every failure into an
``ExportFormatError`` naming the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dashgen.errors import ExportFormatError
from dashgen.exports import ExportInput, export_inputs

if TYPE_CHECKING:
    from dashgen.sources import LoadContext

STRIPPED_KEYS = ("__inputs", "__requires", "__elements")
EXPRESSION_DATASOURCE = "__expr__"
# Grafana's evaluator: `(\$\{.+?\})`, then an exact lookup of the whole match.
_PLACEHOLDER = re.compile(r"\$\{.+?\}")
_BARE_TOML_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class ExportConversionError(ValueError):
    """Why an export cannot be converted (the loader adds the file name)."""


class MissingInputsError(ExportConversionError):
    def __init__(self, missing: list[ExportInput]) -> None:
        self.missing = missing
        super().__init__("missing dashboard inputs: " + ", ".join(i.name for i in missing))


class LibraryPanelsError(ExportConversionError):
    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__("library panels cannot be converted: " + ", ".join(names))


def convert_export(doc: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """The dashboard model for an export, given a value per ``__inputs`` name.

    Raises ``LibraryPanelsError`` when the export holds library panels and
    ``MissingInputsError`` (listing every missing input) when an input has no value.
    """
    names = library_panel_names(doc)
    if names:
        raise LibraryPanelsError(names)
    replacements, missing = _replacements(doc, values)
    if missing:
        raise MissingInputsError(missing)
    return {
        key: _substitute(value, replacements)
        for key, value in doc.items()
        if key not in STRIPPED_KEYS
    }


def missing_inputs(doc: Mapping[str, Any], values: Mapping[str, str]) -> list[ExportInput]:
    """The ``__inputs`` entries that ``values`` (and their own fallbacks) leave without a value."""
    return _replacements(doc, values)[1]


def library_panel_names(doc: Mapping[str, Any]) -> list[str]:
    """The names of the library panels in ``__elements`` (their uid when a name is missing)."""
    elements = doc.get("__elements")
    if not elements:
        return []
    if isinstance(elements, dict):
        pairs = [(str(uid), item) for uid, item in elements.items()]
    elif isinstance(elements, list):
        pairs = [(f"#{i + 1}", item) for i, item in enumerate(elements)]
    else:
        return ["<unreadable __elements>"]
    return [
        str(item.get("name") or item.get("uid") or uid) if isinstance(item, dict) else uid
        for uid, item in pairs
    ]


def _replacements(
    doc: Mapping[str, Any], values: Mapping[str, str]
) -> tuple[dict[str, str], list[ExportInput]]:
    raw = doc.get("__inputs")
    entries = [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
    replacements: dict[str, str] = {}
    missing: list[ExportInput] = []
    for entry, described in zip(entries, export_inputs(doc), strict=True):
        name = described.name
        if not name:
            continue
        value = _value_for(entry, values)
        if value is None:
            if described not in missing:
                missing.append(described)
            continue
        replacements["${" + name + "}"] = value
    return replacements, missing


def _value_for(entry: dict[str, Any], values: Mapping[str, str]) -> str | None:
    name = str(entry.get("name", ""))
    if name in values:
        return str(values[name])
    if entry.get("pluginId") == EXPRESSION_DATASOURCE:
        return EXPRESSION_DATASOURCE
    if entry.get("type") != "datasource" and entry.get("value") is not None:
        return str(entry["value"])
    return None


def _substitute(value: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        if "${" not in value:
            return value
        return _PLACEHOLDER.sub(lambda m: replacements.get(m.group(0), m.group(0)), value)
    if isinstance(value, dict):
        return {key: _substitute(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, replacements) for item in value]
    return value


# -- what the loaders call


def input_values(ctx: LoadContext) -> dict[str, str]:
    """The input values for the org being built: ``[inputs]``, ``[orgs.<org>.inputs]``,
    then ``--input``."""
    config = ctx.config
    return {**config.inputs, **ctx.org.inputs, **config.input_overrides}


def depends_on_org(ctx: LoadContext, doc: Mapping[str, Any]) -> bool:
    """Whether any declared org maps one of this export's inputs itself (not overridden by
    ``--input``): then the export is converted, and built, once per org."""
    config = ctx.config
    names = {item.name for item in export_inputs(doc)} - set(config.input_overrides)
    return any(not names.isdisjoint(org.inputs) for org in config.orgs.values())


def resolve_export(
    doc: dict[str, Any], ctx: LoadContext, where: str, line: int | None
) -> dict[str, Any]:
    """The converted dashboard, or an ``ExportFormatError`` naming ``where`` and the fix."""
    per_org = depends_on_org(ctx, doc)
    if per_org:
        ctx.uses_org = True  # set before converting: a failure is per org too
    try:
        return convert_export(doc, input_values(ctx))
    except LibraryPanelsError as exc:
        raise ExportFormatError(where, library_panels_message(exc.names), line) from None
    except MissingInputsError as exc:
        org = ctx.org.name if per_org else None
        prefix = "tool.dashgen." if _in_pyproject(ctx) else ""
        message = missing_inputs_message(doc, exc.missing, org=org, prefix=prefix)
        raise ExportFormatError(where, message, line) from None


def _in_pyproject(ctx: LoadContext) -> bool:
    config_file = ctx.config.config_file
    return config_file is not None and config_file.name == "pyproject.toml"


def library_panels_message(names: list[str]) -> str:
    listed = ", ".join(f'"{name}"' for name in names)
    return (
        "this is a Share > Export file ('Export for sharing externally') with library panels "
        f"in __elements ({listed}); its panels are only stubs pointing at them, and dashgen "
        "cannot create library panels. Fix: save the dashboard's View JSON (Settings > JSON "
        "Model) instead, or unlink the library panels in Grafana (inline them) and export again"
    )


def missing_inputs_message(
    doc: Mapping[str, Any], missing: list[ExportInput], *, org: str | None, prefix: str = ""
) -> str:
    """What an export needs, which inputs have no value, and the config lines that fix it."""
    needed = ", ".join(item.describe() for item in export_inputs(doc)) or "none"
    table = f"[{prefix}orgs.{org}.inputs]" if org else f"[{prefix}inputs]"
    lines = [table, *(f"{_toml_key(i.name)} = {_placeholder(i)}" for i in missing)]
    flags = " ".join(f"--input {_shell_word(i.name + '=...')}" for i in missing)
    where = (
        f"for org {org!r} add to the config"
        if org
        else f"add to the config (or per org under [{prefix}orgs.<org>.inputs])"
    )
    return (
        "this is a Share > Export file ('Export for sharing externally'), not a dashboard "
        f"model: it needs inputs {needed}; missing: {', '.join(i.name for i in missing)}. "
        f"Fix: {where}:\n    " + "\n    ".join(lines) + f"\nor pass {flags} to dashgen build; "
        "or save the dashboard's View JSON (Settings > JSON Model) instead"
    )


def _toml_key(name: str) -> str:
    return name if _BARE_TOML_KEY.match(name) else json.dumps(name)


def _placeholder(item: ExportInput) -> str:
    if item.type == "datasource":
        kind = f"{item.plugin} " if item.plugin else ""
        return f'"<{kind}datasource uid>"'
    return '"<value>"'


def _shell_word(text: str) -> str:
    return text if _BARE_TOML_KEY.match(text.replace("=", "").replace(".", "")) else repr(text)

"""The forms of dashboard JSON, and the one step that turns any of them into a model.

Every source kind (Python, Jinja, View JSON) hands its parsed document to
``dashboard_model``, so an export is treated the same whatever produced it.

Telling the forms apart, above all Share > Export from View JSON: an export "for
sharing externally" declares the datasources it needs in a non-empty ``__inputs`` (and
library panels in ``__elements``) and refers to them as ``${DS_...}`` placeholders that
only an import fills in. Real files blur this, so the rules are:

- ``"__inputs": []`` (grafanalib writes it) and ``__requires`` alone are not exports;
- a ``${DS_X}`` that names no ``__inputs`` entry is an ordinary template variable;
- ``{"dashboard": {...}}`` (the body of ``GET /api/dashboards/uid/:uid``, with or
  without ``meta``) is unwrapped, then classified;
- a Kubernetes-style resource (``apiVersion``/``kind``/``spec``, the v2 schema), a
  single panel object and a row (a row panel, or a legacy ``rows`` item, whose own
  ``panels`` list would pass it for a dashboard) are not v1 dashboards.

Converting an export, the way ``POST /api/dashboards/import`` does: every ``__inputs``
entry needs a value (a mapped one, else a constant's own ``value``; an input for the
expression datasource ``__expr__`` is always ``__expr__``; a datasource input has no
fallback). Each ``${NAME}`` inside any string value is replaced for the NAMEs that are
``__inputs`` entries; any other ``${...}`` stays, as in Grafana. Object keys are not
touched (Grafana's evaluator only rewrites values). Then ``__inputs``, ``__requires`` and
``__elements`` are dropped. Library panels cannot be converted: their panels are only
stubs pointing at models Grafana would have to create.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_DASHBOARD_KEYS = ("panels", "rows", "templating", "schemaVersion", "title", "uid", "time")
_PANEL_KEYS = ("gridPos", "targets", "datasource", "fieldConfig", "options")
# Keys a dashboard has and a panel or row never has.
_DASHBOARD_ONLY_KEYS = ("schemaVersion", "templating", "annotations", "time", "uid", "rows")
STRIPPED_KEYS = ("__inputs", "__requires", "__elements")
EXPRESSION_DATASOURCE = "__expr__"
# Grafana's evaluator: `(\$\{.+?\})`, then an exact lookup of the whole match.
_PLACEHOLDER = re.compile(r"\$\{.+?\}")
_BARE_TOML_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class Form(enum.Enum):
    VIEW = "view"  # the dashboard model as View JSON shows it
    API_WRAPPER = "api-wrapper"  # {"dashboard": {...}, "meta": {...}}
    EXPORT = "export"  # Share > Export for sharing externally
    K8S_RESOURCE = "k8s-resource"  # apiVersion/kind/spec (dashboard v2 schema)
    PANEL = "panel"  # a single panel object
    ROW = "row"  # a row panel, or a legacy row (an item of ``rows``)
    NOT_DASHBOARD = "not-dashboard"  # anything else


@dataclass(frozen=True)
class ExportInput:
    name: str
    type: str
    label: str
    plugin: str

    def describe(self) -> str:
        kind = self.plugin or self.type
        label = f' "{self.label}"' if self.label and self.label != self.name else ""
        return f"{self.name} ({kind}{label})" if kind else f"{self.name}{label}"


# -- errors: why a document is not (yet) a dashboard model --------------------------------


class FormError(ValueError):
    """A document that cannot become a dashboard model. ``anchor`` is the top-level key
    the message is about (for pointing at its line), when there is one."""

    anchor: str | None = None


class NotADashboardError(FormError):
    def __init__(self, form: Form, document: str = "JSON", body: Any = None) -> None:
        self.form, self.body = form, body
        super().__init__(form_message(form, document, body))


class ExportConversionError(FormError):
    """Why an export cannot be converted."""

    anchor = "__inputs"


class MissingInputsError(ExportConversionError):
    def __init__(self, missing: list[ExportInput], export: Mapping[str, Any] | None = None) -> None:
        self.missing = missing
        self.export = export or {}
        super().__init__("missing dashboard inputs: " + ", ".join(i.name for i in missing))


class LibraryPanelsError(ExportConversionError):
    anchor = "__elements"

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__("library panels cannot be converted: " + ", ".join(names))


class ExportNeedsValuesError(ExportConversionError):
    """An export met where no input values can be given (outside a build)."""

    def __init__(self, export: Mapping[str, Any]) -> None:
        super().__init__(export_message(export))


# -- classification ---------------------------------------------------------------------


def classify(doc: Any) -> Form:
    """The form of a parsed JSON document (an API wrapper is classified as a wrapper)."""
    if not isinstance(doc, dict):
        return Form.NOT_DASHBOARD
    if isinstance(doc.get("dashboard"), dict) and not _looks_like_dashboard(doc):
        return Form.API_WRAPPER
    if "apiVersion" in doc and "kind" in doc and "spec" in doc:
        return Form.K8S_RESOURCE
    if doc.get("__inputs") or doc.get("__elements"):
        return Form.EXPORT
    if _looks_like_row(doc):
        return Form.ROW
    if (
        isinstance(doc.get("type"), str)
        and any(key in doc for key in _PANEL_KEYS)
        and not any(key in doc for key in _DASHBOARD_ONLY_KEYS)
    ):
        return Form.PANEL
    if _looks_like_dashboard(doc):
        return Form.VIEW
    return Form.NOT_DASHBOARD


def unwrap(doc: Any) -> tuple[Form, Any]:
    """``(form, dashboard)``: the wrapped dashboard's form and body for an API wrapper."""
    form = classify(doc)
    if form is Form.API_WRAPPER:
        inner = doc["dashboard"]
        return classify(inner), inner
    return form, doc


def _looks_like_row(doc: dict[str, Any]) -> bool:
    """A row panel (``"type": "row"``) or a legacy row (``rows`` item: height, showTitle),
    whose ``panels`` list would otherwise pass it for a dashboard."""
    if any(key in doc for key in _DASHBOARD_ONLY_KEYS):
        return False
    return doc.get("type") == "row" or ("showTitle" in doc and "height" in doc)


def _looks_like_dashboard(doc: dict[str, Any]) -> bool:
    if isinstance(doc.get("panels"), list) or isinstance(doc.get("rows"), list):
        return True
    return sum(1 for key in _DASHBOARD_KEYS if key in doc) >= 2 and "gridPos" not in doc


# -- the step between loading and normalising -------------------------------------------


@dataclass(frozen=True)
class DashboardModel:
    dashboard: dict[str, Any]
    form: Form  # VIEW, EXPORT (converted) or NOT_DASHBOARD (a lenient dict)
    wrapped: bool  # it came inside a {"dashboard": ..., "meta": ...} envelope


def dashboard_model(
    doc: Any, values: Mapping[str, str] | None, *, lenient: bool = False
) -> DashboardModel:
    """The v1 dashboard model in ``doc``: unwrapped, an export converted with ``values``.

    ``values`` None means no input values can be had (an export is then refused).
    ``lenient`` accepts any dict that is not another known form (Python sources build
    dashboards that need not look like one yet). Raises a ``FormError``.
    """
    form, body = unwrap(doc)
    wrapped = body is not doc
    if form is Form.EXPORT:
        if values is None:
            raise ExportNeedsValuesError(body)
        return DashboardModel(convert_export(body, values), form, wrapped)
    if form is Form.VIEW or (lenient and form is Form.NOT_DASHBOARD and isinstance(body, dict)):
        return DashboardModel(body, form, wrapped)
    raise NotADashboardError(form, body=body)


# -- export conversion ------------------------------------------------------------------


def export_inputs(doc: Mapping[str, Any]) -> list[ExportInput]:
    """The ``__inputs`` of an export (what an import would ask for)."""
    inputs = doc.get("__inputs")
    if not isinstance(inputs, list):
        return []
    return [
        ExportInput(
            name=str(item.get("name", "")),
            type=str(item.get("type", "")),
            label=str(item.get("label", "")),
            plugin=str(item.get("pluginId", "")),
        )
        for item in inputs
        if isinstance(item, dict)
    ]


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
        raise MissingInputsError(missing, doc)
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
    raw = doc.get("__inputs") or []  # (an export of library panels alone may have none)
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ExportConversionError("__inputs is not a list of input objects (name, type, …)")
    entries = raw
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
        value = str(values[name])
        # an empty datasource uid is no value: the panels would name no datasource
        return None if entry.get("type") == "datasource" and not value.strip() else value
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


# -- messages ---------------------------------------------------------------------------


def form_message(form: Form, document: str = "JSON", body: Any = None) -> str:
    """The error for a document that is not a v1 dashboard model (``document``: what the
    source holds, as its reader says it: "JSON", "YAML document" ...; ``body``: the document,
    when known)."""
    if form is Form.K8S_RESOURCE:
        return (
            "this is a Kubernetes-style resource (apiVersion/kind/spec, the dashboard v2 "
            "schema), not a v1 dashboard model; save the dashboard's classic JSON Model"
        )
    if form is Form.PANEL:
        return (
            f"this is a single panel's {document}, not a dashboard; put it in a dashboard's "
            '"panels" list'
        )
    if form is Form.ROW:
        return (
            f"this is a row's {document}, not a dashboard; put it (with its panels) in a "
            'dashboard\'s "panels" list (a legacy row: in "rows")'
        )
    if isinstance(body, list):
        return (
            f"this {document} is a list, not a Grafana dashboard model (an object with a title, "
            "panels, rows or templating): a file holds one dashboard"
        )
    if body is not None and not isinstance(body, dict):
        what = "a string" if isinstance(body, str) else f"the value {json.dumps(body)[:40]}"
        return f"this {document} is {what}, not a Grafana dashboard model (an object)"
    return (
        f"this {document} is not a Grafana dashboard model (no title, panels, rows or templating)"
    )


def export_message(doc: Mapping[str, Any]) -> str:
    """Why an export cannot be used where no input values can be given, and the fix."""
    inputs = export_inputs(doc)
    listed = ", ".join(item.describe() for item in inputs) or "none"
    elements = doc.get("__elements") or {}
    library_note = f"; {len(elements)} library panel(s) in __elements" if elements else ""
    return (
        "this is a Share > Export file ('Export for sharing externally'), not a dashboard "
        f"model: it needs inputs {listed}{library_note}. Fix: in Grafana open the dashboard, "
        "Settings > JSON Model (or Export without 'share externally') and save that JSON "
        "instead, or replace each ${DS_...} placeholder with your datasource uid and "
        "remove __inputs/__elements"
    )


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
    """What an export needs, which inputs have no value, and the config lines that fix it.

    ``org`` names the org whose inputs table to fill (None: the global ``[inputs]``);
    ``prefix`` is ``tool.dashgen.`` when the config lives in pyproject.toml."""
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

"""Tell the forms of dashboard JSON apart, above all Share > Export from View JSON.

An export "for sharing externally" declares the datasources it needs in a non-empty
``__inputs`` (and library panels in ``__elements``) and refers to them as ``${DS_...}``
placeholders that only an import fills in. Real files blur this, so the rules are:

- ``"__inputs": []`` (grafanalib writes it) and ``__requires`` alone are not exports;
- a ``${DS_X}`` that names no ``__inputs`` entry is an ordinary template variable;
- ``{"dashboard": {...}}`` (the body of ``GET /api/dashboards/uid/:uid``, with or
  without ``meta``) is unwrapped, then classified;
- a Kubernetes-style resource (``apiVersion``/``kind``/``spec``, the v2 schema) and a
  single panel object are not v1 dashboards.

Converting an export, given a value per input, is ``dashgen.export_convert``; the message
here is for a caller that cannot convert (no build context).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

_DASHBOARD_KEYS = ("panels", "rows", "templating", "schemaVersion", "title", "uid", "time")
_PANEL_KEYS = ("gridPos", "targets", "datasource", "fieldConfig", "options")


class Form(enum.Enum):
    VIEW = "view"  # the dashboard model as View JSON shows it
    API_WRAPPER = "api-wrapper"  # {"dashboard": {...}, "meta": {...}}
    EXPORT = "export"  # Share > Export for sharing externally
    K8S_RESOURCE = "k8s-resource"  # apiVersion/kind/spec (dashboard v2 schema)
    PANEL = "panel"  # a single panel object
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
    if _looks_like_dashboard(doc):
        return Form.VIEW
    if isinstance(doc.get("type"), str) and any(k in doc for k in _PANEL_KEYS):
        return Form.PANEL
    return Form.NOT_DASHBOARD


def unwrap(doc: Any) -> tuple[Form, Any]:
    """``(form, dashboard)``: the wrapped dashboard's form and body for an API wrapper."""
    form = classify(doc)
    if form is Form.API_WRAPPER:
        inner = doc["dashboard"]
        inner_form = classify(inner)
        return inner_form, inner
    return form, doc


def export_inputs(doc: dict[str, Any]) -> list[ExportInput]:
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


def export_message(doc: dict[str, Any]) -> str:
    """Why an export cannot be built, what it needs, and how to fix it."""
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


def form_message(form: Form) -> str:
    """The error for a document that is not a v1 dashboard model."""
    if form is Form.K8S_RESOURCE:
        return (
            "this is a Kubernetes-style resource (apiVersion/kind/spec, the dashboard v2 "
            "schema), not a v1 dashboard model; save the dashboard's classic JSON Model"
        )
    if form is Form.PANEL:
        return (
            "this is a single panel's JSON, not a dashboard; put it in a dashboard's "
            '"panels" list'
        )
    return "this JSON is not a Grafana dashboard model (no title, panels, rows or templating)"


def _looks_like_dashboard(doc: dict[str, Any]) -> bool:
    if isinstance(doc.get("panels"), list) or isinstance(doc.get("rows"), list):
        return True
    return sum(1 for key in _DASHBOARD_KEYS if key in doc) >= 2 and "gridPos" not in doc

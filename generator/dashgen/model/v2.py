"""Schema v2 dashboards (``dashboard.grafana.app/v2…``): recognising and normalising a spec.

A v2 spec is the dict with ``elements`` (panels by key) and ``layout`` (GridLayout,
RowsLayout, TabsLayout, AutoGridLayout, nested), ``title``, ``timeSettings`` ...
(grafana-apis.md §3.2, §7.2). The build output of a v2 dashboard is its spec alone: the
uid is the output file's name and the manifest's (from the resource's ``metadata.name``),
never a field of the spec.

Normalising a v2 spec is only what makes the output deterministic: a deep copy, whose text
``normalize.dumps`` writes with sorted keys. None of the classic model's normalisation
applies (no panel ids assigned, no ``gridPos`` flow layout, no ``id``/``version``): the
layout positions are the author's, and validated, never rewritten. Nothing converts
between v1 and v2.
"""

from __future__ import annotations

from typing import Any

from dashgen.model.integers import integral_ints_v2_in_place
from dashgen.model.normalize import copy_json

SCHEMA_V1 = "v1"  # the classic model, what a v0alpha1/v1beta1/v1 resource builds as
SCHEMA_V2 = "v2"  # what a v2 spec without an apiVersion (a Python builder, a dict) is
LAYOUT_KINDS = ("GridLayout", "RowsLayout", "TabsLayout", "AutoGridLayout")
# Keys a classic dashboard has at top level and a v2 spec never has: with elements and
# layout, they would make the document ambiguous.
_CLASSIC_ONLY_KEYS = ("panels", "rows", "schemaVersion", "templating")


def is_v2_spec(doc: Any) -> bool:
    """A bare v2 spec: ``elements`` and ``layout``, none of the classic model's own keys."""
    return (
        isinstance(doc, dict)
        and "elements" in doc
        and "layout" in doc
        and not any(key in doc for key in _CLASSIC_ONLY_KEYS)
    )


def normalize_v2(spec: dict[str, Any]) -> dict[str, Any]:
    """The canonical copy of a v2 spec (key order is the serialiser's: sorted)."""
    return integral_ints_v2_in_place(copy_json(spec))  # 12.0 → 12 (dashgen.model.integers)


def v2_title(spec: dict[str, Any]) -> str:
    title = spec.get("title")
    return title.strip() if isinstance(title, str) else ""

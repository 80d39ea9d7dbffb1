"""Prometheus datasource and query helpers.

Every panel points at the ``${datasource}`` template variable instead of a fixed uid, so the
same dashboard works in every organization: each org's Grafana fills the dropdown with its
own Prometheus datasources. The preselected one is the org's ``prometheus_uid`` from
dashgen.toml (``[orgs.<org>.vars]``), read through ``dashgen.context``.
"""

from __future__ import annotations

from typing import Any

from grafanalib.core import Target, Template

from dashgen import context

DATASOURCE_VARIABLE = "datasource"
DATASOURCE: dict[str, str] = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}


def datasource_variable(label: str = "Data source") -> Template:
    """A datasource picker limited to Prometheus datasources."""
    return Template(
        name=DATASOURCE_VARIABLE,
        label=label,
        type="datasource",
        query="prometheus",
        refresh=1,
        default=context.var("prometheus_uid", default="prometheus"),
    )


def label_values_variable(
    name: str,
    query: str,
    *,
    label: str | None = None,
    multi: bool = False,
    include_all: bool = False,
) -> Template:
    """A query variable over ``label_values(...)``, refreshed when the time range changes."""
    return Template(
        name=name,
        label=label or name,
        query=query,
        dataSource=DATASOURCE,
        multi=multi,
        includeAll=include_all,
        refresh=2,
        sort=1,
    )


def target(expr: str, legend: str = "", ref_id: str = "A", **extra: Any) -> Target:
    return Target(
        expr=expr,
        legendFormat=legend,
        refId=ref_id,
        datasource=DATASOURCE,
        intervalFactor=1,
        **extra,
    )


def targets(*queries: tuple[str, str]) -> list[Target]:
    """Targets from ``(expr, legend)`` pairs, with refIds A, B, C, ..."""
    return [
        target(expr, legend, ref_id=chr(ord("A") + index))
        for index, (expr, legend) in enumerate(queries)
    ]

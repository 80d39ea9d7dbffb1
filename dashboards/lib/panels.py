"""Panel factories with the defaults this team wants on every node dashboard."""

from __future__ import annotations

from collections.abc import Sequence

from grafanalib.core import RowPanel, Stat, Target, TimeSeries

from lib.prometheus import DATASOURCE

# For ratios in 0..1 (unit percentunit).
GREEN_AMBER_RED = [
    {"color": "green", "value": None},
    {"color": "#EAB839", "value": 0.7},
    {"color": "red", "value": 0.9},
]


def timeseries(
    title: str,
    targets: Sequence[Target],
    *,
    unit: str = "short",
    description: str = "",
    stacked: bool = False,
    fill: int = 10,
    min_value: int | None = None,
    max_value: int | None = None,
    legend_calcs: Sequence[str] = ("mean", "max", "lastNotNull"),
) -> TimeSeries:
    return TimeSeries(
        title=title,
        description=description or None,
        dataSource=DATASOURCE,
        targets=list(targets),
        unit=unit,
        fillOpacity=fill,
        lineWidth=1,
        stacking={"mode": "normal", "group": "A"} if stacked else {"mode": "none"},
        valueMin=min_value,
        valueMax=max_value,
        legendDisplayMode="table",
        legendPlacement="bottom",
        legendCalcs=list(legend_calcs),
        tooltipMode="multi",
        tooltipSort="desc",
        thresholds=[{"color": "green", "value": None}],
    )


def stat(
    title: str,
    target: Target,
    *,
    unit: str = "none",
    description: str = "",
    thresholds: Sequence[dict] | None = None,
    decimals: int | None = None,
    graph: bool = False,
) -> Stat:
    return Stat(
        title=title,
        description=description or None,
        dataSource=DATASOURCE,
        targets=[target],
        format=unit,
        decimals=decimals,
        graphMode="area" if graph else "none",
        color={"mode": "thresholds"},
        colorMode="value",
        reduceCalc="lastNotNull",
        thresholds=list(thresholds or [{"color": "green", "value": None}]),
    )


def row(title: str) -> RowPanel:
    return RowPanel(title=title)

"""Generate a synthetic dashgen project for benchmarks.

``make_project(root, count=1000)`` writes ``dashgen.toml``, ``dashboards/`` and ``templates/``
under ``root``: ``count`` dashboards, the three source kinds in turn (index % 3), so a third
each, with 10-40 panels apiece (chosen by ``random.Random(seed)``, so the same arguments
always give byte-identical files):

- Python ``dashboards/python/svc_NNNN.dashboard.py``: grafanalib, importing the shared helper
  ``dashboards/python/synth_panels.py`` (a helper, not a source: it defines no ``dashboard``).
  The names follow grafanalib's ``*.dashboard.py`` convention, so ``generate-dashboards`` runs
  on the same files (with ``PYTHONPATH=dashboards/python``).
- Jinja ``dashboards/jinja/svc_NNNN.json.j2``: every one imports the one shared macro file
  ``templates/synth_panels.j2``, so editing it (``edit_shared_macro``) rebuilds exactly the
  Jinja third. Uses the config vars ``prometheus_uid`` and ``environment``.
- View JSON ``dashboards/json/svc_NNNN.json``: the dashboard model as Grafana's View JSON shows
  it (schemaVersion 39, ``${datasource}`` template variable).

Every dashboard has the explicit uid ``synth-<kind>-NNNN``.

Command line: ``python bench/synth.py DIR [--count N] [--seed S] [--org NAME ...]
[--kinds python,jinja,json]``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("python", "jinja", "json")
MIN_PANELS = 10
MAX_PANELS = 40
SHARED_MACRO = "synth_panels.j2"
SHARED_HELPER = "synth_panels.py"
_REVISION = re.compile(r"macro revision (\d+)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

# (title, PromQL with {sel} for the label selector, unit, panel type)
QUERIES: tuple[tuple[str, str, str, str], ...] = (
    ("Requests", "sum(rate(http_requests_total{{{sel}}}[$__rate_interval]))", "reqps", "ts"),
    (
        "Errors",
        'sum(rate(http_requests_total{{{sel}, status=~"5.."}}[$__rate_interval]))',
        "reqps",
        "ts",
    ),
    (
        "p99 latency",
        "histogram_quantile(0.99, sum by (le) "
        "(rate(http_request_duration_seconds_bucket{{{sel}}}[$__rate_interval])))",
        "s",
        "ts",
    ),
    (
        "CPU",
        "sum(rate(container_cpu_usage_seconds_total{{{sel}}}[$__rate_interval]))",
        "short",
        "ts",
    ),
    ("Memory", "sum(container_memory_working_set_bytes{{{sel}}})", "bytes", "ts"),
    (
        "Restarts",
        "sum(increase(kube_pod_container_status_restarts_total{{{sel}}}[1h]))",
        "none",
        "stat",
    ),
    ("Up", "min(up{{{sel}}})", "none", "stat"),
    ("Queue depth", "sum(queue_depth{{{sel}}})", "short", "ts"),
    ("GC pause", "rate(go_gc_duration_seconds_sum{{{sel}}}[$__rate_interval])", "s", "ts"),
    ("Open connections", "sum(db_connections_open{{{sel}}})", "short", "stat"),
)


@dataclass(frozen=True)
class PanelSpec:
    title: str
    expr: str
    unit: str
    kind: str  # "ts" (timeseries) or "stat"
    width: int
    height: int


@dataclass
class SynthProject:
    """What ``make_project`` wrote. All paths are absolute."""

    root: Path
    config_file: Path
    shared_macro: Path
    shared_helper: Path
    sources: dict[str, list[Path]] = field(default_factory=dict)  # kind -> source files
    orgs: tuple[str, ...] = ()

    @property
    def all_sources(self) -> list[Path]:
        return [path for kind in KINDS for path in self.sources.get(kind, [])]

    @property
    def python_dir(self) -> Path:
        return self.root / "dashboards" / "python"


def make_project(
    root: Path,
    count: int = 1000,
    seed: int = 0,
    orgs: Sequence[str] = ("apiorg",),
    kinds: Sequence[str] = KINDS,
) -> SynthProject:
    """Write a synthetic project of ``count`` dashboards under ``root`` and describe it.

    ``kinds``: the source kinds to use, in turn (default all three; e.g. ``("jinja",
    "json")`` for a project that builds in a fraction of the time, without grafanalib).

    ``root`` should be empty or absent: files of an earlier, larger project would stay.

    ``orgs``: organizations declared in ``dashgen.toml`` (each builds every source, with its
    own ``prometheus_uid``); ``()`` declares none, so the build uses the implicit target.
    """
    root = root.resolve()
    rng = random.Random(seed)
    project = SynthProject(
        root=root,
        config_file=root / "dashgen.toml",
        shared_macro=root / "templates" / SHARED_MACRO,
        shared_helper=root / "dashboards" / "python" / SHARED_HELPER,
        sources={kind: [] for kind in KINDS},
        orgs=tuple(orgs),
    )
    for directory in ("templates", "dashboards/python", "dashboards/jinja", "dashboards/json"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    project.config_file.write_text(_config_toml(project.orgs))
    project.shared_macro.write_text(_MACRO_FILE)
    project.shared_helper.write_text(_HELPER_MODULE)

    for index in range(count):
        kind = kinds[index % len(kinds)]
        panels = _panel_specs(rng, index)
        number = f"{index:04d}"
        if kind == "python":
            path = root / "dashboards" / "python" / f"svc_{number}.dashboard.py"
            text = _python_source(number, panels)
        elif kind == "jinja":
            path = root / "dashboards" / "jinja" / f"svc_{number}.json.j2"
            text = _jinja_source(number, panels)
        else:
            path = root / "dashboards" / "json" / f"svc_{number}.json"
            text = json.dumps(_view_json(number, panels), indent=2) + "\n"
        path.write_text(text)
        project.sources[kind].append(path)
    return project


def edit_shared_macro(project: SynthProject) -> int:
    """Change the shared macro's output (bump its revision); return the new revision.

    A content change, not just an mtime bump, so content-hash based rebuilds see it.
    """
    text = project.shared_macro.read_text()
    revision = int(_REVISION.search(text).group(1)) + 1
    project.shared_macro.write_text(_REVISION.sub(f"macro revision {revision}", text))
    return revision


def edit_shared_helper(project: SynthProject) -> int:
    """Same as ``edit_shared_macro`` for the Python helper every Python source imports."""
    text = project.shared_helper.read_text()
    revision = int(_REVISION.search(text).group(1)) + 1
    project.shared_helper.write_text(_REVISION.sub(f"macro revision {revision}", text))
    return revision


def _panel_specs(rng: random.Random, index: int) -> list[PanelSpec]:
    specs = []
    for _ in range(rng.randint(MIN_PANELS, MAX_PANELS)):
        title, expr, unit, kind = rng.choice(QUERIES)
        selector = f'job="svc-{index:04d}", namespace="ns-{rng.randint(0, 9)}"'
        width = 4 if kind == "stat" else rng.choice((8, 12, 24))
        height = 4 if kind == "stat" else 8
        specs.append(PanelSpec(title, expr.format(sel=selector), unit, kind, width, height))
    return specs


def _layout(panels: Sequence[PanelSpec]) -> list[dict[str, int]]:
    """Left-to-right, wrapping on the 24-column grid."""
    positions, x, y, line_height = [], 0, 0, 0
    for panel in panels:
        if x + panel.width > 24:
            x, y, line_height = 0, y + line_height, 0
        positions.append({"h": panel.height, "w": panel.width, "x": x, "y": y})
        x += panel.width
        line_height = max(line_height, panel.height)
    return positions


def _config_toml(orgs: Sequence[str]) -> str:
    lines = [
        "# Synthetic benchmark project (bench/synth.py).",
        'grafana_url = "http://localhost:3000"',
        "",
        "[vars]",
        'environment = "bench"',
        'prometheus_uid = "prometheus"',
    ]
    for org in orgs:
        key = org if _BARE_KEY.match(org) else json.dumps(org)
        lines += [
            "",
            f"[orgs.{key}]",
            f'folder = "Synthetic {org}"',
            f'folder_uid = "synth-{org}"',
            "",
            f"[orgs.{key}.vars]",
            f'prometheus_uid = "prom-{org}"',
        ]
    return "\n".join(lines) + "\n"


# --- Python (grafanalib) -------------------------------------------------------------------

_HELPER_MODULE = '''\
"""Shared panel helpers for the synthetic grafanalib sources (macro revision 0)."""

from grafanalib.core import GridPos, Stat, Target, Template, Templating, TimeSeries

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
DESCRIPTION = "synthetic panel, macro revision 0"


def templating():
    return Templating(
        list=[
            Template(
                name="datasource", query="prometheus", type="datasource", label="Data source"
            )
        ]
    )


def panels(specs, positions):
    built = []
    for number, (spec, pos) in enumerate(zip(specs, positions), start=1):
        title, expr, unit, kind = spec
        common = dict(
            id=number,
            title=f"{title} #{number}",
            description=DESCRIPTION,
            dataSource=DATASOURCE,
            targets=[
                Target(
                    expr=expr, refId="A", legendFormat="{{instance}}", datasource=DATASOURCE
                )
            ],
            gridPos=GridPos(**pos),
        )
        if kind == "stat":
            built.append(
                Stat(
                    format=unit,
                    reduceCalc="lastNotNull",
                    thresholds=[{"color": "green", "value": None}],
                    **common,
                )
            )
        else:
            built.append(TimeSeries(unit=unit, fillOpacity=10, legendDisplayMode="table", **common))
    return built
'''


def _python_source(number: str, panels: Sequence[PanelSpec]) -> str:
    specs = ",\n".join(f"    {(p.title, p.expr, p.unit, p.kind)!r}" for p in panels)
    positions = ",\n".join(f"    {pos!r}" for pos in _layout(panels))
    return f"""\
from grafanalib.core import Dashboard

from synth_panels import panels, templating

SPECS = [
{specs},
]
POSITIONS = [
{positions},
]

dashboard = Dashboard(
    title="Service {number} (python)",
    uid="synth-python-{number}",
    tags=["synthetic", "python"],
    schemaVersion=39,
    timezone="browser",
    templating=templating(),
    panels=panels(SPECS, POSITIONS),
)
"""


# --- Jinja ---------------------------------------------------------------------------------

_MACRO_FILE = """\
{#- Shared panel macro for the synthetic Jinja sources (macro revision 0). -#}
{%- macro panel(id, title, expr, unit, kind, pos, datasource) -%}
{
  "datasource": {{ datasource | tojson }},
  "description": "synthetic panel, macro revision 0",
  "fieldConfig": {
    "defaults": {
      "color": {"mode": {{ ("thresholds" if kind == "stat" else "palette-classic") | tojson }}},
      "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": null}]},
      "unit": {{ unit | tojson }}
    },
    "overrides": []
  },
  "gridPos": {{ pos | tojson }},
  "id": {{ id }},
  "options": {
    {%- if kind == "stat" %}
    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false}
    {%- else %}
    "legend": {"displayMode": "table", "placement": "bottom", "showLegend": true},
    "tooltip": {"mode": "multi", "sort": "none"}
    {%- endif %}
  },
  "targets": [
    {"datasource": {{ datasource | tojson }}, "expr": {{ expr | tojson }},
     "legendFormat": "{{ '{{instance}}' }}", "refId": "A"}
  ],
  "title": {{ title | tojson }},
  "type": {{ ("stat" if kind == "stat" else "timeseries") | tojson }}
}
{%- endmacro -%}
"""


def _jinja_source(number: str, panels: Sequence[PanelSpec]) -> str:
    rows = []
    for panel_id, (panel, pos) in enumerate(zip(panels, _layout(panels), strict=True), start=1):
        rows.append(
            f"    {{{{ p.panel({panel_id}, {json.dumps(f'{panel.title} #{panel_id}')}, "
            f"{json.dumps(panel.expr)}, {json.dumps(panel.unit)}, {json.dumps(panel.kind)}, "
            f"{json.dumps(pos)}, ds) }}}}"
        )
    body = ",\n".join(rows)
    return f"""\
{{%- import "{SHARED_MACRO}" as p -%}}
{{%- set ds = {{"type": "prometheus", "uid": prometheus_uid}} -%}}
{{
  "editable": true,
  "panels": [
{body}
  ],
  "schemaVersion": 39,
  "tags": ["synthetic", "jinja", {{{{ environment | tojson }}}}],
  "templating": {{"list": []}},
  "time": {{"from": "now-6h", "to": "now"}},
  "timezone": "browser",
  "title": "Service {number} (jinja)",
  "uid": "synth-jinja-{number}"
}}
"""


# --- View JSON -----------------------------------------------------------------------------

_VIEW_DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def _view_panel(panel_id: int, panel: PanelSpec, pos: dict[str, int]) -> dict[str, Any]:
    is_stat = panel.kind == "stat"
    options: dict[str, Any] = (
        {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
        if is_stat
        else {
            "legend": {"displayMode": "table", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "none"},
        }
    )
    return {
        "datasource": _VIEW_DATASOURCE,
        "description": "synthetic panel",
        "fieldConfig": {
            "defaults": {
                "color": {"mode": "thresholds" if is_stat else "palette-classic"},
                "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}]},
                "unit": panel.unit,
            },
            "overrides": [],
        },
        "gridPos": pos,
        "id": panel_id,
        "options": options,
        "targets": [
            {
                "datasource": _VIEW_DATASOURCE,
                "expr": panel.expr,
                "legendFormat": "{{instance}}",
                "refId": "A",
            }
        ],
        "title": f"{panel.title} #{panel_id}",
        "type": "stat" if is_stat else "timeseries",
    }


def _view_json(number: str, panels: Sequence[PanelSpec]) -> dict[str, Any]:
    return {
        "annotations": {"list": []},
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 0,
        "id": None,
        "links": [],
        "panels": [
            _view_panel(panel_id, panel, pos)
            for panel_id, (panel, pos) in enumerate(
                zip(panels, _layout(panels), strict=True), start=1
            )
        ],
        "schemaVersion": 39,
        "tags": ["synthetic", "json"],
        "templating": {
            "list": [
                {
                    "current": {},
                    "hide": 0,
                    "label": "Data source",
                    "name": "datasource",
                    "options": [],
                    "query": "prometheus",
                    "type": "datasource",
                }
            ]
        },
        "time": {"from": "now-6h", "to": "now"},
        "timezone": "browser",
        "title": f"Service {number} (json)",
        "uid": f"synth-json-{number}",
        "version": 1,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="directory to write the project into")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--org", action="append", dest="orgs", help="declare this org (repeatable; default apiorg)"
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated source kinds (default: all)"
    )
    args = parser.parse_args(argv)
    kinds = tuple(kind for kind in args.kinds.split(",") if kind)
    unknown = set(kinds) - set(KINDS)
    if unknown or not kinds:
        parser.error(f"--kinds: choose from {', '.join(KINDS)}")
    orgs = tuple(args.orgs or ("apiorg",))
    project = make_project(args.root, args.count, args.seed, orgs, kinds)
    counts = ", ".join(f"{len(paths)} {kind}" for kind, paths in project.sources.items())
    print(f"wrote {args.count} dashboards ({counts}) under {project.root}")


if __name__ == "__main__":
    main()

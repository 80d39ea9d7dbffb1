"""Builds holding schema v2 dashboards, as the build writes them (issue 16's contract):
``build/<org>/<uid>.json`` is the v2 spec, the manifest entry says its ``schema``.

Until v2 sources exist (helper i16-src), tests write such builds themselves and publish them
through the library's ``publish``/``plan`` (the CLI would rebuild from the sources first).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from backends_support import ORG, Setup

from dashgen.build.manifest import MANIFEST_NAME, BuiltDashboard, manifest_bytes
from dashgen.config import load_config
from dashgen.grafana.client import Connection, RetryPolicy
from dashgen.grafana.discovery import ApiChoice
from dashgen.model.normalize import content_hash, dumps, normalize
from dashgen.publish import plan, publish
from dashgen.publish.events import PlanReport, PublishReport
from v2_dashboards import grid, panel, tabs

FAST_RETRY = RetryPolicy(attempts=4, initial_wait_s=0.001, max_wait_s=0.005, max_retry_after_s=0.01)
V2_PATH = "/apis/dashboard.grafana.app/{version}/namespaces/*/dashboards"


def v2_spec(title: str = "Tabs board", panel_title: str = "CPU") -> dict[str, Any]:
    """A schema v2 spec with what v1 cannot hold (tabs)."""
    return {
        "title": title,
        "tags": ["v2"],
        "elements": {"panel-1": panel(1, panel_title)},
        "layout": tabs(("Overview", grid(("panel-1", 0, 0, 12, 8)))),
    }


class V2Build:
    """One org's build with v1 and v2 dashboards, written as ``dashgen build`` writes it."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.output = setup.root / "build"
        self.entries: dict[str, BuiltDashboard] = {}

    def v2(self, uid: str, spec: dict[str, Any], schema: str = "v2") -> BuiltDashboard:
        document = copy.deepcopy(spec)
        return self._write(uid, str(document["title"]), document, schema)

    def v1(self, document: dict[str, Any]) -> BuiltDashboard:
        canonical = normalize(document)
        return self._write(str(canonical["uid"]), str(canonical["title"]), canonical, "v1")

    def _write(self, uid: str, title: str, document: dict[str, Any], schema: str) -> BuiltDashboard:
        path = self.output / ORG / f"{uid}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(document))
        built = BuiltDashboard(
            org=ORG,
            uid=uid,
            title=title,
            source=Path("dashboards") / f"{uid}.json",
            path=path,
            content_hash=content_hash(document),
            folder="Platform",
            folder_uid="platform",
            schema=schema,
        )
        self.entries[uid] = built
        (self.output / MANIFEST_NAME).write_bytes(manifest_bytes(self.entries.values()))
        return built

    @property
    def dashboards(self) -> list[BuiltDashboard]:
        return sorted(self.entries.values(), key=lambda built: built.uid)


def connection(setup: Setup, api: str = "auto") -> Connection:
    return Connection(url=setup.server.url, retry=FAST_RETRY, api=ApiChoice(api, "--api"))


def publish_build(
    setup: Setup, build: V2Build, *, api: str = "auto", **options: Any
) -> PublishReport:
    config = load_config(setup.root)
    return publish(
        config, [ORG], connection=connection(setup, api), dashboards=build.dashboards, **options
    )


def plan_build(setup: Setup, build: V2Build, *, api: str = "auto") -> PlanReport:
    config = load_config(setup.root)
    return plan(config, [ORG], connection=connection(setup, api), dashboards=build.dashboards)


def actions(report: PublishReport) -> dict[str, str]:
    return {event.uid: event.label for event in report.events}


def errors(report: PublishReport) -> dict[str, str]:
    return {event.uid: event.error or "" for event in report.events if event.error}

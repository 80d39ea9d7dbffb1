"""watch over a real temporary project: YAML sources are watched, built and removed like
the other kinds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from watch_helpers import WatchRun, output

from dashgen.watch.status import StatusKind, WatchStatus

StartWatch = Callable[..., WatchRun]


def resource_yaml(uid: str, title: str) -> str:
    return (
        "apiVersion: dashboard.grafana.app/v1\nkind: Dashboard\n"
        f"metadata:\n  name: {uid}\nspec:\n  title: {title}\n  schemaVersion: 41\n"
        "  panels: []\n"
    )


def built_with(uid: str) -> Callable[[WatchStatus], bool]:
    return lambda s: s.kind == StatusKind.BUILT and uid in s.rebuilt_names


def test_a_yaml_source_is_built_rebuilt_and_removed(project: Path, start_watch: StartWatch) -> None:
    run = start_watch(project)
    mark = run.mark()
    source = project / "dashboards" / "team" / "gamma.yaml"
    source.parent.mkdir()
    source.write_text(resource_yaml("gamma", "Gamma"))
    run.wait_for(built_with("gamma"), after=mark)
    assert json.loads(output(project, "gamma").read_text())["title"] == "Gamma"

    mark = run.mark()
    source.write_text(resource_yaml("gamma", "Gamma v2"))
    run.wait_for(built_with("gamma"), after=mark)
    assert json.loads(output(project, "gamma").read_text())["title"] == "Gamma v2"
    assert {n for s in run.statuses[mark:] for n in s.rebuilt_names} == {"gamma"}

    mark = run.mark()
    source.unlink()
    removed = output(project, "gamma")
    run.wait_for(lambda s: s.kind == StatusKind.BUILT and removed in s.result.removed, after=mark)
    assert not removed.exists()

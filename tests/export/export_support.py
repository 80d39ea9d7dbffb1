"""Test support for export tests: a throwaway project on disk driven through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from dashgen.cli import main
from project_files import write_file

TWO_ORGS = """\
[orgs.prod]
folder = "Platform"
folder_uid = "platform"
[orgs.prod.folders]
"team-a" = { title = "Team A", uid = "team-a" }
[orgs.staging]
"""


def view_dashboard(uid: str, title: str | None = None, panels: int = 1) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title or uid.replace("-", " ").title(),
        "schemaVersion": 39,
        "tags": ["export"],
        "panels": [
            {
                "id": i + 1,
                "type": "timeseries",
                "title": f"Panel {i + 1}",
                "gridPos": {"x": 12 * (i % 2), "y": 8 * (i // 2), "w": 12, "h": 8},
            }
            for i in range(panels)
        ],
    }


class Project:
    """A temp project: write sources, run the CLI, read what export wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def write(self, rel: str, content: str | dict[str, Any]) -> Path:
        return write_file(self.root, rel, content)

    def dashboard(self, rel: str, uid: str, **kwargs: Any) -> Path:
        return self.write(f"dashboards/{rel}", view_dashboard(uid, **kwargs))

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["-C", str(self.root), *args], catch_exceptions=False)

    def files(self, folder: str, *, hidden: bool = False) -> dict[str, bytes]:
        """Files under ``folder`` by relative posix path (``hidden``: the marker too)."""
        base = self.root / folder
        found = (p for p in sorted(base.rglob("*")) if p.is_file())
        return {
            p.relative_to(base).as_posix(): p.read_bytes()
            for p in found
            if hidden or not p.name.startswith(".")
        }

    def read(self, rel: str) -> dict[str, Any]:
        return json.loads((self.root / rel).read_text())

    def build_output(self, org: str, uid: str) -> dict[str, Any]:
        return self.read(f"build/{org}/{uid}.json")


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output and "internal error" not in result.output


def v2_resource(
    name: str, title: str, version: str = "v2", folder_uid: str | None = None
) -> dict[str, Any]:
    """A schema v2 dashboard resource: one panel in a GridLayout."""
    element = {"kind": "ElementReference", "name": "panel-1"}
    item = {"x": 0, "y": 0, "width": 12, "height": 8, "element": element}
    metadata: dict[str, Any] = {"name": name}
    if folder_uid:
        metadata["annotations"] = {"grafana.app/folder": folder_uid}
    return {
        "apiVersion": f"dashboard.grafana.app/{version}",
        "kind": "Dashboard",
        "metadata": metadata,
        "spec": {
            "title": title,
            "elements": {"panel-1": {"kind": "Panel", "spec": {"id": 1, "title": "Up"}}},
            "layout": {
                "kind": "GridLayout",
                "spec": {"items": [{"kind": "GridLayoutItem", "spec": item}]},
            },
            "timeSettings": {"from": "now-6h", "to": "now"},
            "tags": [],
        },
    }

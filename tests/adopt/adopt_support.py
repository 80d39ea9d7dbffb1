"""Helpers for import/pull tests (imported by name: keep it unique)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli_run import Run, invoke
from dashgen.build import build
from dashgen.config import load_config
from dashgen.model.normalize import comparable


@dataclass
class Project:
    root: Path

    def dashgen(self, *args: str, env: Mapping[str, str] | None = None) -> Run:
        return invoke(self.root, *args, env=env)

    def write(self, name: str, content: Any) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content, indent=2)
        path.write_text(text)
        return path

    def config(self, text: str) -> None:
        (self.root / "dashgen.toml").write_text(text)

    def sources(self) -> list[str]:
        base = self.root / "dashboards"
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())

    def built(self, org: str | None = None) -> dict[str, dict[str, Any]]:
        """Build the project for real; uid → the comparable built dashboard."""
        result = build(load_config(self.root), orgs=[org] if org else None)
        assert result.ok, [str(p) for p in result.errors]
        return {d.uid: comparable(d.load()) for d in result.dashboards}


def dashboard(uid: str = "svc", **extra: Any) -> dict[str, Any]:
    """A small View JSON dashboard with one Prometheus panel."""
    return {
        "id": 12,
        "uid": uid,
        "title": f"Service {uid}",
        "version": 7,
        "schemaVersion": 39,
        "panels": [
            {
                "id": 1,
                "type": "timeseries",
                "title": "Requests",
                "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "prom-a"},
                "targets": [
                    {
                        "refId": "A",
                        "datasource": {"type": "prometheus", "uid": "prom-a"},
                        "expr": "sum by (instance) (rate(http_requests_total[5m]))",
                        "legendFormat": "{{instance}}",
                    }
                ],
            }
        ],
        **extra,
    }

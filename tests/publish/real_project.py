"""The third-party dashboards of tests/fixtures/real (SOURCES.tsv) laid out as one dashgen
project, as a user would lay them out: each file copied byte for byte into dashboards/,
the Share > Export inputs mapped in ``[inputs]`` (README "Sources"), and the datasources
and library panels the dashboards name created in each org before publishing."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from corpus_project import seed_datasources

from dashgen.model.forms import Form, export_inputs
from dashgen.model.normalize import iter_panels
from dashgen.testing import Emulator
from real_fixtures import REAL_DIR, body_of, dashboards

REAL_ORG = "real"
# What a release cannot store, published on its own to check the refusal.
REFUSED_ORG = "refused"
ORGS = (REAL_ORG, REFUSED_ORG)

# Datasources the View JSON files name literally (by name or uid): (name, plugin, uid).
LITERAL_DATASOURCES = (
    ("prometheus", "prometheus", "prometheus-literal"),
    ("test-uid", "grafana-testdata-datasource", "test-uid"),
    ("default-ds-uid", "prometheus", "default-ds-uid"),
    ("loki-uid", "loki", "loki-uid"),
    ("gdev-elasticsearch-v2-metrics", "elasticsearch", "es-v2-metrics"),
    ("gdev-elasticsearch-v2-logs", "elasticsearch", "es-v2-logs"),
    ("Elastic 5 Logs", "elasticsearch", "es-5-logs"),
    ("tempo", "tempo", "tempo-uid"),
    ("TestData", "grafana-testdata-datasource", "PD8C576611E62080A"),
)


def input_uid(name: str) -> str:
    """A datasource uid for an ``__inputs`` name: its ASCII letters and digits
    (``DS_GDEV-TESTDATA`` → ``ds-gdev-testdata``), a hash of it when it has none of them
    beyond ``DS`` (``DS_蓝鲸监控_-_指标数据``): Grafana's uids are ``[a-zA-Z0-9_-]``."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in name.lower()).split()
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return "-".join(words) if len(words) > 1 else f"{'-'.join(words)}-{digest}"


@dataclass
class RealProject:
    root: Path
    published: list[str] = field(default_factory=list)  # files published to REAL_ORG
    refused: list[str] = field(default_factory=list)  # files this release refuses
    inputs: dict[str, str] = field(default_factory=dict)  # ``__inputs`` name → value
    datasources: dict[str, tuple[str, str]] = field(default_factory=dict)  # uid → name, type
    library_panels: dict[str, str] = field(default_factory=dict)  # uid → name

    def source(self, name: str) -> Path:
        return self.root / "dashboards" / ("refused" if name in self.refused else "real") / name

    def config(self) -> str:
        lines = [
            'project = "real"',
            f"[orgs.{REAL_ORG}]",
            'sources = ["real/*.json"]',
            f"[orgs.{REFUSED_ORG}]",
            'sources = ["refused/*.json"]',
            "[inputs]",
        ]
        lines += [f"{json.dumps(name)} = {json.dumps(uid)}" for name, uid in self.inputs.items()]
        return "\n".join(lines) + "\n"

    def seed(self, emulator: Emulator, org_id: int) -> None:
        seed_datasources(emulator, org_id, self.datasources, LITERAL_DATASOURCES)
        for uid, name in self.library_panels.items():
            model = {"type": "text", "title": name, "options": {"content": name}}
            emulator.create_library_panel(org_id, uid, name, model)


def lay_out(root: Path, refused: set[str]) -> RealProject:
    project = RealProject(root)
    for name in dashboards():
        form, body = body_of(name)
        if form is Form.EXPORT:
            for item in export_inputs(body):
                if item.type == "datasource":
                    project.inputs[item.name] = input_uid(item.name)
                    project.datasources[input_uid(item.name)] = (item.label, item.plugin)
        for panel in iter_panels(body.get("panels") or []):
            library = panel.get("libraryPanel")
            if isinstance(library, dict) and library.get("uid"):
                project.library_panels[library["uid"]] = library.get("name") or library["uid"]
        (project.refused if name in refused else project.published).append(name)
        target = project.source(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL_DIR / name, target)
    (root / "dashgen.toml").write_text(project.config())
    return project

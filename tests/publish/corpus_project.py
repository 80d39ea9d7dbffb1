"""The corpus (../shared/corpus) laid out as one dashgen project, for the publish tests:
which org and folder each file goes to, the inputs of the Share > Export files, and the
datasources and library panels a Grafana needs before the dashboards can be written."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dashgen.model.forms import Form, export_inputs, unwrap
from dashgen.testing import Emulator

CORPUS_ORG = "corpus"
# rfmoz__node-exporter-full@8182f69 has the uid of rfmoz__node-exporter-full (its newer
# self), and two uids cannot share an org: the older copy goes to an org of its own.
HISTORY_ORG = "history"
# What this release cannot store, published on its own to check the refusal.
REFUSED_ORG = "refused"
ORGS = (CORPUS_ORG, HISTORY_ORG, REFUSED_ORG)

# A third "Node Exporter Full" in the corpus org's General folder would be 412 name-exists on
# 11.2 (unique titles per folder, grafana-api.md §13): it goes to a folder of its own.
OLDER_DIR = "older"
PLACES = {
    "rfmoz__node-exporter-full@8182f69.json": HISTORY_ORG,
    "rfmoz__node-exporter-full@34c169c.json": OLDER_DIR,
}
# Corpus files that are not published, with the reason (test_build_corpus checks the
# build's sentence for each).
NOT_PUBLISHED = {
    "powerwall__savings-panel-NOT-DASHBOARD.json": "a single panel, not a dashboard",
    # README "Sources": exports holding library panels are refused (their panels are only
    # stubs); `dashgen import` converts one, keeping the references.
    "powerwall__mysql-readme-LIBPANELS-export.json": "an export with library panels",
}
V2_RESOURCE = "grafana__all-colapsed-rows-v2-RESOURCE.json"

# Datasources the View JSON files name literally (by name or uid), beside the inputs.
LITERAL_DATASOURCES = (
    ("elasticsearch", "elasticsearch", "es"),
    ("prometheus", "prometheus", "prom"),
    ("grr-server", "prometheus", "grr-server"),
    ("InfluxDB (Powerwall Simple)", "influxdb", "wzyByQkRz"),
    ("InfluxDB (Local Weather)", "influxdb", "b0nLdBHVk"),
)


def manifest(corpus_dir: Path) -> list[dict[str, str]]:
    with (corpus_dir / "MANIFEST.tsv").open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def input_uid(name: str) -> str:
    """A datasource uid for an ``__inputs`` name (``DS_SUN_AND MOON`` → ``ds-sun-and-moon``)."""
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


@dataclass
class CorpusProject:
    root: Path
    published: dict[str, str]  # corpus file → the org it is published to
    refused: list[str]  # corpus files this release refuses (in REFUSED_ORG)
    inputs: dict[str, str]  # ``__inputs`` name → the uid of its datasource
    datasources: dict[str, tuple[str, str]]  # uid → (name, plugin) of the inputs' datasources
    library_panels: dict[str, tuple[str, dict[str, Any]]]  # uid → (name, model)

    def source(self, name: str) -> Path:
        place = PLACES.get(name, "")
        folder = "refused" if name in self.refused else place if place != HISTORY_ORG else "history"
        return self.root / "dashboards" / folder / name

    def config(self) -> str:
        lines = [
            'project = "corpus"',
            f"[orgs.{CORPUS_ORG}]",
            f'sources = ["*.json", "{OLDER_DIR}/*.json"]',
            f"[orgs.{CORPUS_ORG}.folders]",
            f'{OLDER_DIR} = "Older versions"',
            f"[orgs.{HISTORY_ORG}]",
            'sources = ["history/*.json"]',
            f"[orgs.{REFUSED_ORG}]",
            'sources = ["refused/*.json"]',
            "[inputs]",
        ]
        lines += [f"{json.dumps(name)} = {json.dumps(uid)}" for name, uid in self.inputs.items()]
        return "\n".join(lines) + "\n"

    def seed(self, emulator: Emulator, org_id: int) -> None:
        """The datasources every dashboard names and the library panels it shows."""
        seed_datasources(emulator, org_id, self.datasources, LITERAL_DATASOURCES)
        for uid, (name, model) in self.library_panels.items():
            emulator.create_library_panel(org_id, uid, name, model)


def seed_datasources(
    emulator: Emulator,
    org_id: int,
    by_uid: Mapping[str, tuple[str, str]],
    literal: Sequence[tuple[str, str, str]],
) -> None:
    """The inputs' datasources (uid → name, plugin) and those the files name literally
    ((name, plugin, uid)), made in the org."""
    for uid, (label, plugin) in by_uid.items():
        emulator.create_datasource(org_id, label, plugin, uid=uid)
    for name, plugin, uid in literal:
        emulator.create_datasource(org_id, name, plugin, uid=uid)


def lay_out(corpus_dir: Path, root: Path, refused: set[str]) -> CorpusProject:
    """Copy every corpus dashboard (byte for byte) into ``root``'s sources."""
    project = CorpusProject(root, {}, [], {}, {}, {})
    for row in manifest(corpus_dir):
        name = row["file"]
        if name in NOT_PUBLISHED:
            continue
        raw = (corpus_dir / "dashboards" / name).read_bytes()
        form, body = unwrap(orjson.loads(raw))
        if form is Form.EXPORT:
            for item in export_inputs(body):
                if item.type == "datasource":
                    project.inputs[item.name] = input_uid(item.name)
                    project.datasources[input_uid(item.name)] = (item.label, item.plugin)
        for panel in body.get("panels") or []:
            library = panel.get("libraryPanel") if isinstance(panel, dict) else None
            if isinstance(library, dict) and library.get("uid"):
                model = {k: v for k, v in panel.items() if k not in ("libraryPanel", "id")}
                project.library_panels[library["uid"]] = (library["name"], model)
        if name in refused:
            project.refused.append(name)
        else:
            project.published[name] = HISTORY_ORG if PLACES.get(name) == HISTORY_ORG else CORPUS_ORG
        target = project.source(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus_dir / "dashboards" / name, target)
    (root / "dashgen.toml").write_text(project.config())
    return project

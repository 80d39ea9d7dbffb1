"""Every real dashboard of ../shared/corpus goes through `dashgen import` as View JSON, Jinja
and Python, and `dashgen build` of what was written gives back the same dashboard (the v2
resource as its v2 spec); the files that are not dashboards are refused, saying what they
are."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from adopt_support import Project

from dashgen.model.forms import Form, convert_export, export_inputs, unwrap
from dashgen.model.normalize import comparable, normalize

pytestmark = pytest.mark.corpus

REFUSALS = {Form.PANEL: "single panel"}
SUFFIXES = {"json": ".json", "jinja": ".json.j2", "python": ".dashboard.py"}


def _rows(corpus_dir: Path) -> list[dict[str, str]]:
    with (corpus_dir / "MANIFEST.tsv").open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _inputs(body: dict[str, Any]) -> dict[str, str]:
    """A value for every datasource input (constants keep their own)."""
    return {i.name: f"uid-{i.name.lower()}" for i in export_inputs(body) if i.type == "datasource"}


def _expected(
    body: dict[str, Any], form: Form, inputs: dict[str, str], name: str
) -> dict[str, Any]:
    """What the dashboard is, worked out here independently of dashgen.adopt: an export
    converted with the inputs (its library panels stay references), normalised (a missing
    uid is derived from the source's name, as the build does), without Grafana's fields.
    A schema v2 resource builds as its spec."""
    if form is Form.K8S_RESOURCE:
        return body["spec"]
    if form is Form.EXPORT:
        body = convert_export({k: v for k, v in body.items() if k != "__elements"}, inputs)
    return comparable(normalize(body, source=name))


@pytest.mark.parametrize("output_format", ["json", "jinja", "python"])
def test_corpus_round_trip(corpus_dir: Path, tmp_path: Path, output_format: str) -> None:
    checked = 0
    for index, row in enumerate(_rows(corpus_dir)):
        source = corpus_dir / "dashboards" / row["file"]
        form, body = unwrap(orjson.loads(source.read_bytes()))
        project = Project(tmp_path / f"p{index}")
        (project.root / "dashboards").mkdir(parents=True)
        inputs = _inputs(body) if form is Form.EXPORT else {}
        flags = [f"--input={name}={value}" for name, value in inputs.items()]
        result = project.dashgen(
            "import", str(source), "--as", output_format, "--write-config", *flags
        )
        if form in REFUSALS:
            assert result.code == 1, (row["file"], result.output)
            assert REFUSALS[form] in result.stderr and row["file"] in result.stderr
            assert project.sources() == [], row["file"]
            continue
        assert result.code == 0, (row["file"], result.output)
        [written] = project.sources()
        assert written.endswith(SUFFIXES[output_format]), written
        built = project.built()
        expected = _expected(body, form, inputs, written)
        uid = body["metadata"]["name"] if form is Form.K8S_RESOURCE else expected["uid"]
        assert built[uid] == expected, row["file"]
        checked += 1
    assert checked >= 25


def test_corpus_python_sources_are_formatted_as_ruff_formats_them(
    corpus_dir: Path, project: Project
) -> None:
    names = [
        "grafanalib__example.dashboard.json",
        "rfmoz__haproxy.json",
        "kube-prometheus__nodes.json",
        "grr__legacy-workers.json",
    ]
    for name in names:
        doc = orjson.loads((corpus_dir / "dashboards" / name).read_bytes())
        flags = [f"--input={k}={v}" for k, v in _inputs(unwrap(doc)[1]).items()]
        result = project.dashgen(
            "import", str(corpus_dir / "dashboards" / name), "--as", "python", *flags
        )
        assert result.code == 0, result.output
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff is not None, "ruff (a dev dependency) is not installed next to python"
    check = subprocess.run(
        [ruff, "format", "--isolated", "--line-length", "88", "--check", "--diff", "dashboards"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_grafanalib_output_is_written_back_with_grafanalib_classes(
    corpus_dir: Path, project: Project
) -> None:
    source = corpus_dir / "dashboards" / "grafanalib__example.dashboard.json"
    assert project.dashgen("import", str(source), "--as", "python").code == 0
    [written] = (project.root / "dashboards").glob("*.dashboard.py")
    text = written.read_text()
    assert "from grafanalib.core import" in text
    assert "dashboard = Dashboard(" in text and "TimeSeries(" in text and "GridPos(" in text
    assert "Target(" in text


def test_legacy_rows_kept_unless_upgrade_rows(corpus_dir: Path, tmp_path: Path) -> None:
    source = corpus_dir / "dashboards" / "grafana__v16.grid_layout_upgrade.json"
    kept, upgraded = Project(tmp_path / "kept"), Project(tmp_path / "upgraded")
    for project in (kept, upgraded):
        (project.root / "dashboards").mkdir(parents=True)
    result = kept.dashgen("import", str(source))
    assert result.code == 0 and "--upgrade-rows converts them" in result.stdout
    assert upgraded.dashgen("import", str(source), "--upgrade-rows").code == 0
    [kept_built] = kept.built().values()
    [upgraded_built] = upgraded.built().values()
    assert "rows" in kept_built and "rows" not in upgraded_built
    assert upgraded_built["schemaVersion"] == 16
    assert any(p.get("type") == "row" for p in upgraded_built["panels"])

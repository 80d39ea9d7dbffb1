"""Every real dashboard in ../shared/corpus is classified as its MANIFEST.tsv says."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import orjson
import pytest
from build_support import Project

from dashgen.build import build
from dashgen.config import load_config
from dashgen.model.forms import Form, classify, unwrap
from dashgen.model.normalize import (
    comparable,
    dumps_bytes,
    hash_canonical,
    hash_canonical_bytes,
    normalize,
)

pytestmark = pytest.mark.corpus

# MANIFEST form → (form after unwrapping, what `dashgen build` must say about the file).
BUILDS = "builds"
EXPORT_ERROR = "Share > Export"
NOT_DASHBOARD = "not a dashboard"
EXPECTED_BY_FORM: dict[str, tuple[Form, str]] = {
    "view": (Form.VIEW, BUILDS),
    "export(__inputs=0)": (Form.VIEW, BUILDS),
    "api-wrapper/export(__inputs=0)": (Form.VIEW, BUILDS),
    "export(__requires only)": (Form.VIEW, BUILDS),
    "export(__requires only)+${DS_}": (Form.VIEW, BUILDS),
    "export(__inputs=1)": (Form.EXPORT, EXPORT_ERROR),
    # a schema v2 resource builds as such (its spec is the output)
    "k8s-resource(dashboard.grafana.app/v2)": (Form.K8S_RESOURCE, BUILDS),
    "not-dashboard(graph panel)": (Form.PANEL, NOT_DASHBOARD),
}


def _expected(form: str) -> tuple[Form, str]:
    if form in EXPECTED_BY_FORM:
        return EXPECTED_BY_FORM[form]
    if form.startswith("export(__inputs=") and form != "export(__inputs=0)":
        return Form.EXPORT, EXPORT_ERROR  # e.g. export(__inputs=5)+${DS_}
    raise AssertionError(f"MANIFEST form {form!r} has no expectation in this test")


def _manifest(corpus_dir: Path) -> list[dict[str, str]]:
    with (corpus_dir / "MANIFEST.tsv").open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_corpus_file_is_classified(corpus_dir: Path) -> None:
    rows = _manifest(corpus_dir)
    assert len(rows) >= 27
    for row in rows:
        doc = orjson.loads((corpus_dir / "dashboards" / row["file"]).read_bytes())
        form, _ = unwrap(doc)
        assert form is _expected(row["form"])[0], row["file"]
    wrapper = next(r for r in rows if r["form"].startswith("api-wrapper"))
    doc = orjson.loads((corpus_dir / "dashboards" / wrapper["file"]).read_bytes())
    assert classify(doc) is Form.API_WRAPPER


def test_building_the_corpus_reports_each_file_as_expected(
    corpus_dir: Path, project: Project
) -> None:
    rows = _manifest(corpus_dir)
    for row in rows:
        target = project.root / "dashboards" / row["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus_dir / "dashboards" / row["file"], target)
    result = build(load_config(project.root))
    messages: dict[str, list[str]] = {}
    for problem in result.errors:
        messages.setdefault(Path(problem.path).name, []).append(problem.message)
    for row in rows:
        expectation = _expected(row["form"])[1]
        found = messages.get(row["file"], [])
        if expectation == BUILDS:
            # A file that builds may still share its uid with its own older copy.
            assert all("is produced by both" in m for m in found), (row["file"], found)
        else:
            assert found and expectation in found[0], (row["file"], found)
    export = next(r["file"] for r in rows if r["form"].startswith("export(__inputs=5)"))
    assert "DS_" in messages[export][0] and "Fix:" in messages[export][0]


def test_corpus_dashboards_normalize_idempotently(corpus_dir: Path) -> None:
    for row in _manifest(corpus_dir):
        doc = orjson.loads((corpus_dir / "dashboards" / row["file"]).read_bytes())
        form, body = unwrap(doc)
        if form is not Form.VIEW:
            continue
        once = normalize(body, source=row["file"])
        assert normalize(once) == once, row["file"]
        # What Grafana returns after a save: server id and version set.
        live = {**once, "id": 42, "version": 7}
        assert comparable(live) == comparable(once), row["file"]
        # The build hashes its output text instead of dumping the dashboard twice.
        assert hash_canonical_bytes(once, dumps_bytes(once)) == hash_canonical(once), row["file"]

"""The real dashboards of ../shared/corpus through build → export → build (both formats)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from export_support import Project

pytestmark = pytest.mark.corpus

# MANIFEST forms that build (the others are refused by the build, and tested there)
BUILDING_FORMS = ("view", "export(__inputs=0)", "api-wrapper/", "export(__requires only)")
RESOURCE_FORM = "k8s-resource("
FORMATS = {"gcx": "resources", "git-sync": "git-sync"}


def _building_files(corpus_dir: Path) -> list[str]:
    with (corpus_dir / "MANIFEST.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        row["file"]
        for row in rows
        if row["form"].startswith(BUILDING_FORMS) or row["form"].startswith(RESOURCE_FORM)
    ]


@pytest.mark.parametrize("export_format", FORMATS)
def test_corpus_round_trip(corpus_dir: Path, tmp_path: Path, export_format: str) -> None:
    files = _building_files(corpus_dir)
    assert len(files) >= 16
    original = Project(tmp_path / "original")
    for name in files:
        target = original.root / "dashboards" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus_dir / "dashboards" / name, target)
    result = original.cli("export", "--format", export_format)
    assert result.exit_code == 0, result.output
    again = Project(tmp_path / "again")
    shutil.copytree(original.root / FORMATS[export_format], again.root / "dashboards")
    rebuilt = again.cli("build")
    assert rebuilt.exit_code == 0, rebuilt.output
    before = {p.name: p.read_bytes() for p in (original.root / "build/_default").glob("*.json")}
    after = {p.name: p.read_bytes() for p in (again.root / "build/_default").glob("*.json")}
    assert len(before) == len(files)
    assert after == before

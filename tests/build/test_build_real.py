"""The third-party fixtures of tests/fixtures/real through `dashgen build` one at a time,
as a user would drop each into dashboards/: each dashboard builds (its warnings are
warnings), each file that is no dashboard source fails the build with one sentence
naming it and its line (exit 1, no traceback), and `dashgen import` refuses it the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli_run import Run, invoke
from dashgen.model.forms import Form, export_inputs
from real_fixtures import NOT_SOURCES, REAL_DIR, body_of, dashboards

pytestmark = pytest.mark.corpus

# What Grafana takes and dashgen warns about, by fixture: (line, phrase).
WARNED = {
    # refresh 60 / true: the classic save stores it as it is (ValidateDashboardRefreshInterval
    # reads it as ""), schemaversion/v40.go makes it "" (no auto-refresh)
    "grafana__v40.refresh_numeric.json": (9, 'refresh is 60, not a string such as "30s"'),
    "grafana__v40.refresh_true.json": (9, 'refresh is true, not a string such as "30s"'),
}


def _build_one(tmp_path: Path, name: str, *flags: str) -> Run:
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    form, body = body_of(name) if name not in NOT_SOURCES else (None, {})
    inputs = export_inputs(body) if form is Form.EXPORT else []
    lines = ['project = "real"', "[inputs]", *(f'"{i.name}" = "uid-x"' for i in inputs)]
    (root / "dashgen.toml").write_text("\n".join(lines) + "\n")
    shutil.copy(REAL_DIR / name, root / "dashboards" / name)
    return invoke(root, "build", *flags)


@pytest.mark.parametrize("name", dashboards())
def test_each_real_dashboard_builds_alone(tmp_path: Path, name: str) -> None:
    run = _build_one(tmp_path, name)
    assert run.code == 0, run.output
    assert "Traceback" not in run.output
    if name in WARNED:
        line, phrase = WARNED[name]
        assert f"dashboards/{name}:{line}: warning: {phrase}" in run.output, run.output
        assert _build_one(tmp_path / "strict", name, "--strict").code == 1


@pytest.mark.parametrize("name", sorted(NOT_SOURCES))
def test_what_is_no_dashboard_is_refused_naming_the_file(tmp_path: Path, name: str) -> None:
    run = _build_one(tmp_path, name)
    assert run.code == 1, run.output
    assert f"dashboards/{name}:1: error: this JSON {NOT_SOURCES[name]}" in run.output
    assert "Traceback" not in run.output
    assert not list((tmp_path / "project" / "build").glob("*/*.json"))
    imported = invoke(tmp_path / "project", "import", str(REAL_DIR / name), "--to", "dashboards/x")
    assert imported.code == 1, imported.output
    assert name in imported.output and NOT_SOURCES[name] in imported.output
    assert "Traceback" not in imported.output
    assert not (tmp_path / "project" / "dashboards" / "x").exists()

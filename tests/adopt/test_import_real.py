"""Every third-party dashboard of tests/fixtures/real goes through `dashgen import` as View
JSON, Jinja and Python, as a user runs it (the real CLI, into a fresh project, the
templates' variables written to dashgen.toml), and the build of what was written is byte
for byte the build of the file itself dropped into dashboards/: the same uid (for a
dashboard without one too), the same model, the same warnings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli_run import invoke
from dashgen.model.forms import Form, export_inputs
from real_fixtures import REAL_DIR, body_of, dashboards

pytestmark = pytest.mark.corpus


@pytest.fixture
def backend_mode() -> tuple[str, str]:
    """Import reads files only: one backend (conftest's are for pull)."""
    return ("classic", "12.0")


def _inputs() -> dict[str, str]:
    """A value for every datasource input of every export fixture."""
    found = {}
    for name in dashboards():
        form, body = body_of(name)
        if form is Form.EXPORT:
            found.update({i.name: f"uid-{i.name.lower()}" for i in export_inputs(body)})
    return found


def _project(root: Path, inputs: dict[str, str]) -> Path:
    (root / "dashboards").mkdir(parents=True)
    lines = ['project = "real"', "[inputs]", *(f'"{k}" = "{v}"' for k, v in inputs.items())]
    (root / "dashgen.toml").write_text("\n".join(lines) + "\n")
    return root


def _outputs(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "build" / "_default").glob("*.json")}


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], str]:
    """The build of every fixture as a View JSON source, and what the build said."""
    root = _project(tmp_path_factory.mktemp("originals"), _inputs())
    for name in dashboards():
        shutil.copy(REAL_DIR / name, root / "dashboards" / name)
    build = invoke(root, "build")
    assert build.code == 0, build.output
    return _outputs(root), build.output


@pytest.mark.parametrize("output_format", ["json", "jinja", "python"])
def test_imported_real_dashboards_build_to_the_same_dashboards(
    originals: tuple[dict[str, bytes], str], tmp_path: Path, output_format: str
) -> None:
    expected, said = originals
    inputs = _inputs()
    root = _project(tmp_path / "imported", {})
    flags = [f for name, value in inputs.items() for f in ("--input", f"{name}={value}")]
    files = [str(REAL_DIR / name) for name in dashboards()]
    run = invoke(root, "import", *files, "--as", output_format, "--write-config", *flags)
    assert run.code == 0, run.output
    assert "Traceback" not in run.output
    build = invoke(root, "build")
    assert build.code == 0, build.output
    assert sorted(_outputs(root)) == sorted(expected)
    for output, text in _outputs(root).items():
        assert text == expected[output], output
    # the same warnings, each at the same kind of place (the source names differ)
    assert _warnings(build.output) == _warnings(said) != []


def _warnings(stderr: str) -> list[str]:
    return sorted(
        line.split(" warning: ", 1)[1] for line in stderr.splitlines() if " warning: " in line
    )


@pytest.mark.parametrize("export_format", ["gcx", "git-sync"])
def test_exported_real_dashboards_read_back_as_the_same_dashboards(
    originals: tuple[dict[str, bytes], str], tmp_path: Path, export_format: str
) -> None:
    """`dashgen export` writes the build as resource files; imported (gcx) or dropped in as
    sources (a Git Sync checkout), they build to the same dashboards."""
    expected, _ = originals
    root = _project(tmp_path / "exported", _inputs())
    for name in dashboards():
        shutil.copy(REAL_DIR / name, root / "dashboards" / name)
    run = invoke(root, "export", "--format", export_format)
    assert run.code == 0, run.output
    written = root / ("resources" if export_format == "gcx" else "git-sync")
    files = sorted(str(p) for p in written.rglob("*.json"))
    assert len(files) == len(expected)
    other = _project(tmp_path / "read-back", {})
    if export_format == "gcx":
        assert invoke(other, "import", *files).code == 0
    else:
        shutil.copytree(written, other / "dashboards" / "git-sync")
    build = invoke(other, "build")
    assert build.code == 0, build.output
    assert _outputs(other) == expected

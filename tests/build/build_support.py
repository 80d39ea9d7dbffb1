"""Test support for build tests: a throwaway project on disk driven through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dashgen.cli import main
from project_files import write_file


class Project:
    """A temp project: write files relative to its root, run `dashgen build`, read outputs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, rel: str, content: str | dict[str, Any]) -> Path:
        return write_file(self.root, rel, content)

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["-C", str(self.root), *args], catch_exceptions=False)

    def output(self, org: str, uid: str) -> dict[str, Any]:
        return json.loads((self.root / "build" / org / f"{uid}.json").read_text())

    def outputs(self, *, hidden: bool = False) -> dict[str, bytes]:
        """Files under build/ by relative path; ``hidden`` adds dotfiles (the build cache)."""
        build = self.root / "build"
        files = (p for p in sorted(build.rglob("*")) if p.is_file())
        return {
            p.relative_to(build).as_posix(): p.read_bytes()
            for p in files
            if hidden or not any(part.startswith(".") for part in p.relative_to(build).parts)
        }


def run_cli(
    project: Project, *args: str, unprivileged: bool = False
) -> subprocess.CompletedProcess:
    """The installed CLI in a subprocess. ``unprivileged``: file permissions apply to it
    even when the tests run as root (setpriv drops the capabilities that bypass them)."""
    command = [sys.executable, "-m", "dashgen", "-C", str(project.root), *args]
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be denied")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The line (1-based) of the ``occurrence``-th ``needle`` in ``text``."""
    position = -1
    for _ in range(occurrence):
        position = text.index(needle, position + 1)
    return text.count("\n", 0, position) + 1


def assert_no_traceback(*outputs: str) -> None:
    for output in outputs:
        assert "Traceback" not in output and "internal error" not in output, output

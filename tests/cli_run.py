"""One run of the real CLI in-process, shared by the tests of every area (imported by name:
keep it unique)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from dashgen.cli import main


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


def invoke(root: Path, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """``dashgen -C root *args`` through CliRunner; an exception other than the exit is raised
    again, so that a test shows its traceback."""
    result = CliRunner().invoke(main, ["-C", str(root), *args], env=dict(env or {}))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)

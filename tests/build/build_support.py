"""Test support for build tests: a throwaway project on disk driven through the real CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from dashgen.cli import main


class Project:
    """A temp project: write files relative to its root, run `dashgen build`, read outputs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, rel: str, content: str | dict[str, Any]) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            path.write_text(json.dumps(content, indent=2) + "\n")
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"))
        return path

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

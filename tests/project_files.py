"""Writing a test project's files (imported by name: keep it unique)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any


def write_file(root: Path, rel: str, content: str | dict[str, Any]) -> Path:
    """``root/rel`` with its folders: a dict as indented JSON, text dedented (a leading newline
    dropped) so that tests can write it as an indented triple-quoted string."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        path.write_text(json.dumps(content, indent=2) + "\n")
    else:
        path.write_text(textwrap.dedent(content).lstrip("\n"))
    return path

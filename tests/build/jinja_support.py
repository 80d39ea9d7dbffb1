"""Templates to compare dashgen's Jinja reading with Jinja's own on."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

from dashgen.adopt.text import jinja_template

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "dashboards"
sys.path.insert(0, str(REPO / "bench"))
import synth  # noqa: E402


def _strings_in_tests() -> list[tuple[str, str]]:
    """Every string literal of the test files that holds a Jinja tag."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and any(mark in text for mark in ("{{", "{%", "{#")):
                found.setdefault(text, f"{path.relative_to(REPO)}:{node.lineno}")
    return [(name, text) for text, name in found.items()]


def _corpus_templates() -> list[tuple[str, str]]:
    templates = []
    for path in sorted(CORPUS.glob("*.json")):
        document = json.loads(path.read_text())
        if isinstance(document, dict):
            templates.append((path.name, jinja_template(document, [], f"from {path.name}")))
    return templates


def every_template(tmp_path: Path, edges: list[str]) -> list[tuple[str, str]]:
    """(name, text) of every template the tests, the examples, the corpus (as ``dashgen
    import --as jinja`` writes them) and a small synthetic project hold, then ``edges``."""
    project = synth.make_project(tmp_path / "synth", count=30, kinds=("jinja",))
    files = [
        *REPO.glob("templates/*.j2"),
        *REPO.glob("dashboards/**/*.j2"),
        *REPO.glob("tests/**/*.j2"),
        project.shared_macro,
        *project.sources["jinja"],
    ]
    return [
        *((str(path), path.read_text()) for path in sorted(files)),
        *_corpus_templates(),
        *_strings_in_tests(),
        *((f"edge {i}", text) for i, text in enumerate(edges)),
    ]

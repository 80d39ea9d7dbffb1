"""The package's shape (docs/ARCHITECTURE.md): small modules, stages that only import
downwards, no import cycle at module level, and an emulator that stands on its own."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "generator" / "dashgen"
MAX_MODULE_LINES = 400

# Stage of each top-level module or package of dashgen: a module may import its own stage
# and lower ones, never a higher one. `testing` (the emulator) imports only itself.
STAGES: dict[str, int] = {
    "__init__": 0,
    "errors": 0,
    "secrets": 0,
    "urls": 0,
    "durations": 0,
    "dataclass_code": 0,
    "config": 1,
    "config_file": 1,
    "config_values": 1,
    "config_folders": 1,
    "tokens": 1,
    "context": 1,
    "model": 2,
    "grafana": 2,
    "messages": 3,
    "sources": 3,
    "build": 4,
    "publish": 5,
    "orgs": 5,
    "adopt": 5,
    "export": 5,
    "watch": 6,
    "cli": 7,
    "preview": 7,
    "entry": 8,
    "__main__": 8,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _top_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: not in functions, not TYPE_CHECKING."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)


def _imported_modules(name: str, path: Path, *, every_import: bool = False) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = ast.walk(tree) if every_import else _top_level_imports(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("dashgen"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("dashgen"):
                continue
            submodules = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES}
            found.update(submodules or {base})
            if len(submodules) < len(node.names):
                found.add(base)
    return {module for module in found if module in MODULES and module != name}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_the_size_limit(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module} has {lines} lines (limit {MAX_MODULE_LINES})"


def test_every_module_belongs_to_a_known_stage() -> None:
    unknown = {_stage(m) for m in MODULES} - set(STAGES) - {"testing"}
    assert not unknown, f"add these to STAGES (and docs/ARCHITECTURE.md): {sorted(unknown)}"


def test_no_stage_imports_a_higher_one() -> None:
    upward = []
    for module, path in MODULES.items():
        stage = _stage(module)
        for imported in _imported_modules(module, path, every_import=True):
            target = _stage(imported)
            if stage == "testing" or target == "testing":
                if stage != target and imported != "dashgen":
                    upward.append(f"{module} -> {imported} (the emulator stands alone)")
                continue
            if STAGES[target] > STAGES[stage]:
                upward.append(f"{module} ({stage}) -> {imported} ({target})")
    assert not upward, "imports from a higher stage:\n" + "\n".join(sorted(upward))


def test_no_import_cycle_at_module_level() -> None:
    graph = {module: _imported_modules(module, path) for module, path in MODULES.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append([*trail[trail.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "module-level import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)

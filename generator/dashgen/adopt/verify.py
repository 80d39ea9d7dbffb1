"""Verified, not hoped: a new source is built through the real build path before it is written.

``built_from_text`` writes the source into a throw-away project (same config: the org, its
variables, the legacy-rows switch), loads it with the source kind's loader and runs the
build's form step, normaliser and checks (``dashgen.build.compile.compile_source``, what
``dashgen build`` runs for every source). ``first_difference`` then compares the canonical
result with the canonical dashboard the source must reproduce.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dashgen.build.compile import Target, compile_source
from dashgen.config import Config
from dashgen.model.validate import ERROR, Problem
from dashgen.sources import CACHE_FILES, Source, kind_of

SCRATCH_SOURCES = "dashboards"


@dataclass(frozen=True)
class Built:
    dashboard: dict[str, Any] | None  # canonical, as build/<org>/<uid>.json would hold it
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


def built_from_text(
    config: Config, org: str, name: str, text: str, variables: Mapping[str, Any]
) -> Built:
    """Build the source ``text`` as if it were ``<sources>/<name>`` of org ``org``."""
    kind = kind_of(name)
    if kind is None:
        raise ValueError(f"{name!r} is not a source file name")
    with tempfile.TemporaryDirectory(prefix="dashgen-adopt-") as scratch:
        root = Path(scratch)
        sources_dir = root / SCRATCH_SOURCES
        path = sources_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        scratch_config = dataclasses.replace(
            config,
            root=root,
            config_file=None,
            sources_dir=sources_dir,
            templates_dir=root / "templates",
            output_dir=root / "build",
        )
        source = Source(path=path, rel=f"{SCRATCH_SOURCES}/{name}", name=name, kind=kind)
        target = Target(org=scratch_config.org(org), variables=dict(variables))
        [compiled] = compile_source(scratch_config, source, [target], {CACHE_FILES: {}})
    if not compiled.dashboards:
        return Built(None, compiled.problems)
    [dashboard] = compiled.dashboards
    return Built(orjson.loads(dashboard.content or b"{}"), compiled.problems)


def first_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """The JSON path of the first place where two documents differ, or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}.{key}" if path else key
            if key not in expected or key not in actual:
                return where
            found = first_difference(expected[key], actual[key], where)
            if found is not None:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found is not None:
                return found
        shorter = min(len(expected), len(actual))
        return f"{path}[{shorter}]" if len(expected) != len(actual) else None
    if expected != actual or type(expected) is not type(actual):
        return path or "(the whole document)"
    return None

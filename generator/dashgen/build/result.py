"""What one build reports: every output of the orgs it covers, what it rebuilt, its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dashgen.build.manifest import BuiltDashboard
from dashgen.model.validate import ERROR, WARNING, Problem


@dataclass
class BuildResult:
    dashboards: list[BuiltDashboard] = field(default_factory=list)  # outputs of the orgs built
    rebuilt: list[BuiltDashboard] = field(default_factory=list)  # compiled in this run
    removed: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

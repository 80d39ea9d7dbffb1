"""``--check``: whether the folder on disk is what the export would write (writes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dashgen.build.outputs import read_bytes
from dashgen.export.write import stale_files


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)  # the export would create them
    differs: list[str] = field(default_factory=list)  # the export would rewrite them
    stale: list[str] = field(default_factory=list)  # the export would remove them
    same: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.differs or self.stale)

    def lines(self) -> list[tuple[str, str]]:
        """(what, path), in path order."""
        rows = [("missing", p) for p in self.missing] + [("differs", p) for p in self.differs]
        rows += [("stale", p) for p in self.stale]
        return sorted(rows, key=lambda row: row[1])


def compare(to: Path, files: dict[str, bytes], owned: set[str] | None) -> CheckReport:
    report = CheckReport()
    for path, data in files.items():
        on_disk = read_bytes(to / path)
        if on_disk is None:
            report.missing.append(path)
        elif on_disk != data:
            report.differs.append(path)
        else:
            report.same += 1
    report.stale = stale_files(to, files, owned)
    return report

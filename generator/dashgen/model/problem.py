"""``Problem``: one thing wrong with a source or a dashboard, with where it is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

JsonPath = tuple[str | int, ...]
Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class Problem:
    severity: Severity
    message: str
    path: Path | None = None
    line: int | None = None
    # What the problem is about inside the dashboard (a panel title), so a loader that
    # kept the source text can point at the right line.
    subject: str | None = None
    # The JSON path of the offending value inside the dashboard, e.g. ("panels", 2, "gridPos")
    pointer: JsonPath | None = None

    def __post_init__(self) -> None:
        # A message may quote what a source holds; a lone surrogate in it (a Python string
        # "\ud800", a non-UTF-8 file name) cannot be printed or written as UTF-8 JSON.
        object.__setattr__(self, "message", printable(self.message))

    def __str__(self) -> str:
        where = str(self.path) if self.path else "<unknown>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}"

    def line_text(self) -> str:
        """``path:line: severity: message``: how ``dashgen build`` and ``watch`` print it."""
        where = self.path.as_posix() if self.path else "<build>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.severity}: {self.message}"

    def located(self, path: Path | None, line: int | None) -> Problem:
        return replace(self, path=self.path or path, line=self.line or line)

    def as_error(self) -> Problem:
        return replace(self, severity=ERROR)


def printable(text: str) -> str:
    """``text`` with each lone surrogate written as its escape (``\\ud800``): UTF-8 cannot
    encode one, and a message must reach the terminal and ``--output json``."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode()
    return text

"""The sentences of import and pull that are not Grafana errors (those go through
``dashgen.messages.explain``)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from dashgen.errors import DashgenError
from dashgen.model.forms import ExportInput


class AdoptError(DashgenError):
    """One dashboard cannot be adopted: names the file (or org/uid) and, when known, the line."""

    def __init__(self, origin: str, reason: str, line: int | None = None) -> None:
        self.origin = origin
        self.reason = reason
        self.line = line
        where = f"{origin}:{line}" if line else origin
        super().__init__(f"{where}: {reason}")


def missing_inputs_text(inputs: Sequence[ExportInput], missing: Sequence[ExportInput]) -> str:
    """Every input of an export (label, type, plugin), which lack a value, and the flags."""
    lines = []
    for item in inputs:
        parts = [item.type or "input"]
        if item.plugin:
            parts.append(f"plugin {item.plugin}")
        if item.label and item.label != item.name:
            parts.append(f'label "{item.label}"')
        state = "MISSING" if item in missing else "has a value"
        lines.append(f"    {item.name}: {', '.join(parts)} ({state})")
    flags = " ".join("--input " + shlex.quote(f"{item.name}={_hint(item)}") for item in missing)
    return (
        "this is a Share > Export file ('Export for sharing externally'); each of its inputs "
        "needs a value:\n" + "\n".join(lines) + f"\nAdd: {flags}"
    )


def _hint(item: ExportInput) -> str:
    if item.type == "datasource":
        return f"<{item.plugin + ' ' if item.plugin else ''}datasource uid>"
    return "<value>"


def unwritable(shown: str, error: OSError, written: Sequence[str]) -> DashgenError:
    """A source file import cannot write, and what it wrote before it."""
    before = f"; written before it: {', '.join(written)}" if written else "; nothing was written"
    return DashgenError(
        f"cannot write {shown}: {error.strerror or error}{before} (the config was not "
        "changed); fix that and import again"
    )

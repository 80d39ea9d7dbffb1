"""The Python printer: literals that mean exactly the value, laid out as ruff formats them."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dashgen.adopt.pycode import Literal, assignment, call, dict_of, list_of, string_literal

TRICKY = ["plain", 'a "quoted" word', "it's", "both \" and '", "x\ny\tz\\w", "é \u2028 \x07 \ue000"]


@pytest.mark.parametrize("text", TRICKY)
def test_string_literals_mean_the_string(text: str) -> None:
    assert ast.literal_eval(string_literal(text)) == text


def test_layout_is_what_ruff_format_keeps(tmp_path: Path) -> None:
    panel = dict_of(
        [("title", Literal("x" * 70)), ("gridPos", call("GridPos", [("h", Literal(8))]))]
    )
    value = dict_of(
        [
            ("short", list_of([Literal(1), Literal(2)])),
            ("panels", list_of([panel, panel])),
            ("long", Literal("y" * 120)),
        ]
    )
    module = tmp_path / "m.py"
    module.write_text(assignment("dashboard", value) + "\n")
    ns: dict[str, object] = {"GridPos": dict}
    exec(compile(module.read_text(), "m.py", "exec"), ns)
    assert ns["dashboard"]["short"] == [1, 2]  # type: ignore[index]
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff is not None
    check = subprocess.run(
        [ruff, "format", "--isolated", "--line-length", "88", "--diff", str(module)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr

"""No committed file holds a string shaped like a real Grafana token: secret scanners would
flag it, and a real one pasted into a fixture would leak. Tests build theirs at run time
(``messages_support.fake_token``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A service-account token: glsa_ + 32 letters/digits + _ + 8 hex digits (Grafana's format);
# any 16+ character body followed by an 8-hex checksum is close enough to be flagged.
# Legacy API keys (base64 of {"k":…}) and Grafana Cloud tokens (glc_ + base64 of {"o":…}),
# in either case, with a body long enough to be a key rather than a mention of the prefix.
TOKEN_SHAPE = re.compile(
    r"glsa_[A-Za-z0-9]{16,}_[0-9A-Fa-f]{8}"
    r"|(?i:eyJrIjoi[A-Za-z0-9+/=]{20,})"
    r"|(?i:glc_eyJ[A-Za-z0-9+/=]{20,})"
)


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.fail("git ls-files failed: the check needs the project's git checkout")
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_committed_file_holds_a_token_shaped_string() -> None:
    found = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if TOKEN_SHAPE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert not found, "token-shaped strings committed: " + ", ".join(found)


def test_the_check_sees_a_token_shaped_string() -> None:
    assert TOKEN_SHAPE.search("Bearer " + "_".join(("glsa", "A" * 32, "0badf00d")))
    assert TOKEN_SHAPE.search("key " + "eyJr" + "IjoiT0tTcG1pUlY2RnVKZTFV")
    assert TOKEN_SHAPE.search("GLC_" + "EYJVIJOIMTIZNDU2IIWIBII6")
    assert not TOKEN_SHAPE.search("legacy `eyJrIjoi…` keys")

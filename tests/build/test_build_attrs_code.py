"""grafanalib imported with the methods attrs generates compiled once (dashgen.sources.attrs_code).

Each test runs in a fresh interpreter: grafanalib can be imported once per process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("grafanalib")

# The generated methods of every grafanalib class, as marshal bytes: equal code or not.
FINGERPRINT = """
import hashlib, marshal, sys
if sys.argv[1] == "preload":
    from dashgen.sources.attrs_code import preload_grafanalib
    preload_grafanalib()
import grafanalib.core as core
digest, count = hashlib.sha256(), 0
for name in sorted(vars(core)):
    kind = getattr(core, name)
    if isinstance(kind, type) and hasattr(kind, "__attrs_attrs__"):
        for attribute in sorted(vars(kind)):
            code = getattr(vars(kind)[attribute], "__code__", None)
            if code is not None and code.co_filename.startswith("<attrs"):
                digest.update(marshal.dumps(code))
                count += 1
import attr._make
assert attr._make._compile_and_eval.__module__ == "attr._make"  # given back
print(count, digest.hexdigest())
"""


def _fingerprint(how: str, cache_home: Path) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run(
        [sys.executable, "-c", FINGERPRINT, how],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_cached_methods_are_the_ones_attrs_compiles(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    plain = _fingerprint("plain", cache)
    assert not (cache / "dashgen").exists()  # a plain import writes nothing

    first = _fingerprint("preload", cache)  # compiled, then kept
    files = list((cache / "dashgen").glob("attrs-*.marshal"))
    assert len(files) == 1 and files[0].stat().st_size > 0
    again = _fingerprint("preload", cache)  # read from the file

    assert int(plain.split()[0]) > 100
    assert first == plain and again == plain


def test_a_broken_or_unwritable_cache_is_an_ordinary_import(tmp_path: Path) -> None:
    plain = _fingerprint("plain", tmp_path / "unused")
    broken = tmp_path / "broken"
    (broken / "dashgen").mkdir(parents=True)
    for file in ("attrs-cpython-311.marshal", f"attrs-{sys.implementation.cache_tag}.marshal"):
        (broken / "dashgen" / file).write_bytes(b"not marshal data")
    assert _fingerprint("preload", broken) == plain
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    assert _fingerprint("preload", blocked) == plain

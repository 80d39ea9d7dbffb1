"""The methods ``@dataclass`` generates compiled once (dashgen.dataclass_code)."""

from __future__ import annotations

import dataclasses
import marshal
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashgen import dataclass_code

GENERATED = ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__", "__hash__")


@pytest.fixture(autouse=True)
def _disabled_again() -> Iterator[None]:
    yield
    dataclass_code._cache = None
    assert "exec" not in vars(dataclasses)


def _make_point() -> type:
    @dataclasses.dataclass(frozen=True)
    class Point:
        x: int
        y: tuple[int, ...] = dataclasses.field(default_factory=tuple)

    return Point


def _methods(kind: type) -> list[bytes]:
    return [marshal.dumps(getattr(kind, name).__code__) for name in GENERATED]


def _point_made_once_enabled(path: Path) -> type:
    dataclass_code.enable(path)
    before = path.read_bytes() if path.exists() else None
    with dataclass_code.compiled_once():
        with dataclass_code.compiled_once():  # nested: the outermost one writes
            point = _make_point()
        assert (path.read_bytes() if path.exists() else None) == before
    assert "exec" not in vars(dataclasses)  # the builtin again
    return point


def test_the_cached_methods_are_the_ones_dataclasses_compiles(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "dataclasses.marshal"
    plain = _make_point()
    first = _point_made_once_enabled(path)  # compiled, then kept
    assert path.stat().st_size > 0
    written = path.stat().st_mtime_ns
    again = _point_made_once_enabled(path)  # read from the file: nothing new to write
    assert path.stat().st_mtime_ns == written
    assert _methods(plain) == _methods(first) == _methods(again)
    point = again(1, (2,))
    assert repr(point) == "_make_point.<locals>.Point(x=1, y=(2,))"
    assert point == again(1, (2,)) and hash(point) == hash(again(1, (2,)))
    assert again(3).y == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]


def test_a_text_in_the_file_runs_the_code_kept_for_it(tmp_path: Path) -> None:
    path = tmp_path / "dataclasses.marshal"
    _point_made_once_enabled(path)
    form, python, entries = marshal.loads(path.read_bytes())
    (init_text,) = [text for text in entries if "def __init__(" in text]
    planted = init_text.replace("return __init__", "__init__.planted = True\n return __init__")
    entries[init_text] = compile(planted, "<string>", "exec", dont_inherit=True)
    path.write_bytes(marshal.dumps((form, python, entries)))
    assert getattr(_point_made_once_enabled(path).__init__, "planted", False)


@pytest.mark.parametrize(
    "content",
    [b"", b"not marshal", marshal.dumps((1, "another Python", {})), marshal.dumps(["a", "list"])],
)
def test_a_foreign_file_is_an_ordinary_import_and_then_replaced(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "dataclasses.marshal"
    path.write_bytes(content)
    point = _point_made_once_enabled(path)
    assert point(1) == point(1, ())
    assert _methods(point) == _methods(_make_point())
    form, python, entries = marshal.loads(path.read_bytes())
    assert (form, python) == (dataclass_code._FORMAT, sys.version)
    assert len(entries) == len(GENERATED)


def test_an_unwritable_cache_is_an_ordinary_import(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    point = _point_made_once_enabled(blocked / "dashgen" / "dataclasses.marshal")
    assert point(1, (2,)) == point(1, (2,))


def test_without_enable_nothing_is_cached_or_written(tmp_path: Path) -> None:
    with dataclass_code.compiled_once():
        assert "exec" not in vars(dataclasses)
        _make_point()
    assert dataclass_code.cache_file({"XDG_CACHE_HOME": str(tmp_path)}).parent == (
        tmp_path / "dashgen"
    )
    assert not (tmp_path / "dashgen").exists()


def test_the_process_entry_point_keeps_the_cli_and_command_dataclasses(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "dashgen", "publish", "--help"],
        env=env,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (path,) = (tmp_path / "dashgen").glob("dataclasses-*.marshal")
    _, _, entries = marshal.loads(path.read_bytes())
    # dashgen.publish.events (imported by the command's module), dashgen.cli.common (the CLI)
    assert any("def __init__(self,org:_type_org,uid:" in text for text in entries)
    assert any("def __init__(self,project_root:" in text for text in entries)


def test_without_a_home_directory_nothing_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    dataclass_code.enable()
    with dataclass_code.compiled_once():
        assert "exec" not in vars(dataclasses)
        point = _make_point()
    assert point(1) == point(1, ())

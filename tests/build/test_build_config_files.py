"""A config file that cannot be read, or whose [paths] and org settings cannot work, is one
sentence naming the file (and the line, where there is one), exit 2: never an internal
error, and never a silent build with the defaults."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_run import invoke

GOOD = {"title": "Good", "uid": "good", "schemaVersion": 39, "panels": []}


def _project(tmp_path: Path, config: str | bytes = "[orgs.a]\n") -> Path:
    root = tmp_path / "project"
    (root / "dashboards").mkdir(parents=True)
    (root / "dashboards/good.json").write_text(json.dumps(GOOD))
    config_file = root / "dashgen.toml"
    if isinstance(config, bytes):
        config_file.write_bytes(config)
    else:
        config_file.write_text(config)
    return root


def _assert_config_error(root: Path, *needles: str) -> str:
    result = invoke(root, "build")
    assert result.code == 2, result.output
    assert "dashgen.toml" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output
    assert not (root / "build").exists()
    return result.output


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'grafana_url = "\xff"\n', 1),
        (b'[orgs.a]\nfolder = "F"\n\n# caf\xe9\n', 4),
        ("[orgs.a]\n".encode("utf-16"), 1),
        (bytes(range(256)), 2),  # (byte 10 is a line break)
    ],
)
def test_a_config_that_is_not_utf8_names_its_line(tmp_path: Path, data: bytes, line: int) -> None:
    root = _project(tmp_path, data)
    _assert_config_error(root, f"line {line}: is not UTF-8 text", "save it as UTF-8")


def test_a_byte_order_mark_is_no_content(tmp_path: Path) -> None:
    root = _project(tmp_path, b'\xef\xbb\xbf[orgs.a]\nfolder = "F"\n')
    result = invoke(root, "build")
    assert result.code == 0, result.output
    assert (root / "build/a/good.json").is_file()


def _folder(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dangling(path: Path) -> None:
    path.symlink_to("nowhere.toml")


def _loop(path: Path) -> None:
    path.symlink_to(path.name)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (_folder, "is a folder, not a file"),
        (_fifo, "is not a regular file"),
        (_dangling, "broken symlink"),
        (_loop, "symlink loop"),
    ],
)
def test_a_config_name_that_is_no_readable_file_is_an_error_not_the_defaults(
    tmp_path: Path, make: Callable[[Path], None], needle: str
) -> None:
    root = _project(tmp_path)
    (root / "dashgen.toml").unlink()
    make(root / "dashgen.toml")
    _assert_config_error(root, needle)


@pytest.mark.parametrize(
    ("paths", "needle"),
    [
        ('sources = "a\\u0000b"', "paths.sources must name a folder"),
        ('output = ""', "paths.output must name a folder"),
        ('sources = "/etc"', "paths.sources = '/etc' is an absolute path"),
        ('output = "~/build"', "is an absolute path"),
        ('templates = "dashgen.toml"', "paths.templates (dashgen.toml) is a file, not a folder"),
    ],
)
def test_paths_that_cannot_work_are_config_errors(tmp_path: Path, paths: str, needle: str) -> None:
    root = _project(tmp_path, f"[paths]\n{paths}\n[orgs.a]\n")
    _assert_config_error(root, needle)


@pytest.mark.parametrize("key", ["sources", "output", "templates"])
def test_a_path_that_is_a_symlink_loop_is_a_config_error(tmp_path: Path, key: str) -> None:
    root = _project(tmp_path, f'[paths]\n{key} = "loop"\n[orgs.a]\n')
    (root / "loop").symlink_to("loop")
    _assert_config_error(root, f"paths.{key}", "is a symlink loop")


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ("[orgs." + "a" * 300 + "]\n", "org name must be at most 190 characters"),
        ('[orgs."a\\u0001b"]\n', "no control character"),
        ('[orgs.a]\nfolder_uid = "a/b"\n', "orgs.a.folder_uid 'a/b' is not a folder uid"),
        ('[orgs.a]\nfolder_uid = "' + "u" * 41 + '"\n', "is not a folder uid"),
        (
            '[orgs.a.folders.lib]\ntitle = "Lib"\nuid = "a b"\n',
            "orgs.a.folders.\"lib\".uid 'a b' is not a folder uid",
        ),
    ],
)
def test_org_settings_grafana_or_the_file_system_cannot_take(
    tmp_path: Path, config: str, needle: str
) -> None:
    root = _project(tmp_path, config)
    _assert_config_error(root, needle)

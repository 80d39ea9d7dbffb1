"""Finding and reading the project's config file (``dashgen.toml``, else ``[tool.dashgen]``
in ``pyproject.toml``): every way the file itself can be wrong is a ``ConfigError`` (exit 2)
naming it, and its line where there is one; and the checks of its ``[paths]``, which look
at the file system. ``dashgen.config`` turns the table into a ``Config``.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from dashgen.errors import ConfigError

CONFIG_FILE_NAME = "dashgen.toml"
PYPROJECT_FILE_NAME = "pyproject.toml"
# Where a project's config may live, in the order they are looked for.
CONFIG_FILE_NAMES = (CONFIG_FILE_NAME, PYPROJECT_FILE_NAME)
_BOM = b"\xef\xbb\xbf"


def find_config_table(root: Path) -> tuple[Path, dict[str, Any], str] | None:
    """(file, its dashgen table, the prefix of its keys), or None: no config, the defaults."""
    dashgen_toml = root / CONFIG_FILE_NAME
    if _present(dashgen_toml):
        return dashgen_toml, read_toml(dashgen_toml), ""
    pyproject = root / PYPROJECT_FILE_NAME
    if _present(pyproject):
        tool = read_toml(pyproject).get("tool", {})
        if isinstance(tool, dict) and "dashgen" in tool:
            table = tool["dashgen"]
            if not isinstance(table, dict):
                raise ConfigError(["tool.dashgen must be a table"], pyproject)
            return pyproject, table, "tool.dashgen."
    return None


def _present(path: Path) -> bool:
    """Whether the name exists at all (a broken link too): a config file that is there but
    cannot be read is an error, never a silent fall back to the defaults."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ConfigError([f"cannot read it: {exc.strerror}"], path) from None
    return True


def read_toml(path: Path) -> dict[str, Any]:
    return parse_toml(read_config_bytes(path), path)


def read_config_bytes(path: Path) -> bytes:
    """The bytes of a config file that is a readable regular file (never a FIFO: reading one
    would wait for a writer forever)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ConfigError([_unreadable(exc)], path) from None
    if stat.S_ISDIR(mode):
        raise ConfigError(["is a folder, not a file: remove it or put the config in it"], path)
    if not stat.S_ISREG(mode):
        raise ConfigError(
            ["is not a regular file (a named pipe, socket or device): replace it by a file"], path
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError([_unreadable(exc)], path) from None


def _unreadable(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "cannot read it: it is a symlink loop (its links lead back to each other)"
    if isinstance(exc, FileNotFoundError):
        return "cannot read it: it is a broken symlink (its target does not exist)"
    return f"cannot read it: {exc.strerror or type(exc).__name__}"


def parse_toml(data: bytes, path: Path) -> dict[str, Any]:
    """TOML of UTF-8 text (a byte order mark, as some Windows editors write, is dropped)."""
    data = data.removeprefix(_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            [
                f"line {line}: is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be "
                "decoded): save it as UTF-8"
            ],
            path,
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"invalid TOML: {exc}"], path) from None


def path_setting(
    value: str | None, default: str, key: str, prefix: str, problems: list[str]
) -> str:
    """A ``[paths]`` value: a relative path (the config is shared: an absolute one holds
    one machine's layout) with no control character; the default when unset or wrong."""
    prefix = f"{prefix}paths."
    if value is None:
        return default
    if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        problems.append(
            f"{prefix}{key} must name a folder (relative to the project root, like "
            f'"{default}"), got {value!r}'
        )
        return default
    if Path(value).is_absolute() or value.startswith("~"):
        problems.append(
            f"{prefix}{key} = {value!r} is an absolute path: write it relative to the project "
            f'root (like "{default}"), so that the config works in every checkout'
        )
        return default
    return value


def _resolved(path: Path, key: str, problems: list[str]) -> Path | None:
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # RuntimeError: a symlink loop (Python 3.11)
        problems.append(f"{key} ({path}) is a symlink loop (its links lead back to each other)")
        return None


def check_paths(root: Path, dirs: dict[str, Path], prefix: str, problems: list[str]) -> None:
    """The output folder may neither be, nor sit inside, nor hold the sources folder: a
    build would read its own output as sources, or remove sources as stale outputs. None of
    the folders may be a symlink loop; the templates folder, when there, is a folder."""
    found = {key: _resolved(path, f"{prefix}{key}", problems) for key, path in dirs.items()}
    templates = found["templates"]
    if templates is not None and templates.exists() and not templates.is_dir():
        problems.append(
            f"{prefix}templates ({_shown(templates, root).rstrip('/')}) is a file, not a "
            "folder: point it at the folder that holds your Jinja templates"
        )
    output, sources = found["output"], found["sources"]
    if output is None or sources is None:
        return
    if output == sources:
        relation = "is the sources folder"
    elif output.is_relative_to(sources):
        relation = "is inside the sources folder"
    elif sources.is_relative_to(output):
        relation = "holds the sources folder"
    else:
        return
    problems.append(
        f"{prefix}output ({_shown(output, root)}) {relation} ({_shown(sources, root)}): "
        f'give the output a folder of its own outside the sources, such as "build"'
    )


def _shown(path: Path, root: Path) -> str:
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
    return f"{relative}/" if relative != "." else "the project root"


# --- where a key is: tomllib gives no positions, so the text is scanned for them --------

_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line of each key and table of a TOML text (what defines it first: its ``key =``,
    its ``[header]``, or the first header or dotted key under it). The text is valid TOML
    (tomllib read it); strings, comments and arrays are skipped as TOML reads them."""
    scanner = _Scanner(text)
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    while scanner.skip_space(newlines=True):
        if scanner.peek() == "[":
            scanner.position += 2 if scanner.text.startswith("[[", scanner.position) else 1
            table = scanner.key()
            _define(lines, table, scanner.line)
            scanner.skip_line()
        else:
            start = scanner.position
            scanner.assignment(table, lines)
            scanner.position = max(scanner.position, start + 1)
    return lines


def _define(lines: dict[tuple[str, ...], int], path: tuple[str, ...], line: int) -> None:
    for end in range(1, len(path) + 1):
        lines.setdefault(path[:end], line)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text, self.position, self.line = text, 0, 1

    def peek(self) -> str:
        return self.text[self.position : self.position + 1]

    def skip_space(self, *, newlines: bool) -> bool:
        """Past blanks (and comments and line breaks, ``newlines``); False at the end."""
        while self.position < len(self.text):
            char = self.text[self.position]
            if char == "#":
                end = self.text.find("\n", self.position)
                self.position = len(self.text) if end < 0 else end
            elif char == "\n" and newlines:
                self.line += 1
                self.position += 1
            elif char in " \t\r" or (char == "\n" and newlines):
                self.position += 1
            else:
                return True
        return False

    def skip_line(self) -> None:
        end = self.text.find("\n", self.position)
        self.position = len(self.text) if end < 0 else end

    def key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self.skip_space(newlines=False)
            char = self.peek()
            if char in ('"', "'"):
                parts.append(self.string())
            else:
                start = self.position
                while self.peek() and self.peek() in _BARE:
                    self.position += 1
                parts.append(self.text[start : self.position])
            self.skip_space(newlines=False)
            if self.peek() != ".":
                return tuple(parts)
            self.position += 1

    def string(self) -> str:
        """A string at the position (its value for a key; skipped past either way)."""
        quote = self.text[self.position]
        triple = quote * 3
        if self.text.startswith(triple, self.position):
            end = self.text.find(triple, self.position + 3)
            while quote == '"' and end > 0 and _escaped(self.text, end):
                end = self.text.find(triple, end + 1)
            end = len(self.text) if end < 0 else end
            while self.text.startswith(quote, end + 3):  # up to two quotes may end it
                end += 1
            self.line += self.text.count("\n", self.position, end)
            self.position = end + 3
            return ""
        end = self.text.find(quote, self.position + 1)
        while quote == '"' and end > 0 and _escaped(self.text, end):
            end = self.text.find(quote, end + 1)
        end = len(self.text) if end < 0 else end
        raw = self.text[self.position + 1 : end]
        self.position = end + 1
        if quote == '"' and "\\" in raw:
            try:
                return str(tomllib.loads(f'k = "{raw}"')["k"])
            except tomllib.TOMLDecodeError:
                return raw
        return raw

    def assignment(self, table: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> None:
        path = (*table, *self.key())
        _define(lines, path, self.line)
        self.skip_space(newlines=False)
        if self.peek() == "=":
            self.position += 1
        self.value(path, lines)

    def value(self, path: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> None:
        self.skip_space(newlines=False)
        char = self.peek()
        if char in ('"', "'"):
            self.string()
        elif char == "{":  # an inline table: its keys, on this line
            self.position += 1
            while self.skip_space(newlines=True) and self.peek() != "}":
                if self.peek() == ",":
                    self.position += 1
                    continue
                self.assignment(path, lines)
            self.position += 1
        elif char == "[":  # an array: its items (inline tables in it are not keys here)
            self.position += 1
            while self.skip_space(newlines=True) and self.peek() != "]":
                if self.peek() == ",":
                    self.position += 1
                else:
                    self.value((*path, "[]"), {})
            self.position += 1
        else:  # a number, date, boolean: up to a separator
            while self.peek() and self.peek() not in ",]}\n#":
                self.position += 1


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - 1 - backslashes >= 0 and text[index - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def with_lines(problems: list[str], path: Path) -> list[str]:
    """Each problem that starts with (or is the ``unknown key`` of) a key of the text, as
    ``line N: problem``: the longest key its words start with, as the messages spell keys
    (``orgs.prod.folder``, ``inputs."DS PROM"``)."""
    try:
        lines = key_lines(read_config_bytes(path).removeprefix(_BOM).decode("utf-8"))
    except (ConfigError, UnicodeDecodeError):  # changed since it was read: no lines then
        return problems
    # each part as it is, or quoted (messages quote what is no bare key, or no identifier)
    spelled = sorted(
        (
            (
                re.compile(
                    r"\.".join(f'(?:{re.escape(p)}|"{re.escape(p)}")' for p in path) + r"(?![\w.-])"
                ),
                line,
            )
            for path, line in lines.items()
        ),
        key=lambda item: -len(item[0].pattern),
    )
    located = []
    for problem in problems:
        words = problem.removeprefix("unknown key ")
        line = next((line for key, line in spelled if key.match(words)), None)
        located.append(f"line {line}: {problem}" if line else problem)
    return located

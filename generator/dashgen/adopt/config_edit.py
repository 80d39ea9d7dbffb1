"""What import and pull need from the config, printed as TOML or written into it.

Written with ``--write-config`` into the project's config file (``dashgen.toml``, or the
``[tool.dashgen]`` table of ``pyproject.toml``; a new ``dashgen.toml`` when there is none)
with tomlkit, a style-preserving TOML library: TOML forbids a table twice, so adding a key to
an existing ``[orgs.<org>.vars]`` means editing that table in place, and tomlkit does it
while keeping every comment, blank line and key order of the user's file. Only keys are
added, never changed or removed; the result is loaded again before it replaces the file,
and a config that would not load is not written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from dashgen.build.outputs import write_atomically
from dashgen.config import CONFIG_FILE_NAME, PYPROJECT_FILE_NAME, Config, load_config
from dashgen.errors import ConfigError


@dataclass
class ConfigChanges:
    """Keys to add. ``org`` None: the global ``[vars]``."""

    org: str | None
    vars: dict[str, str] = field(default_factory=dict)
    # dir → title, uid, parent uid
    folders: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # globs the org must also select
    create_org: bool = False  # the config does not declare the org yet

    def __bool__(self) -> bool:
        return bool(self.vars or self.folders or self.sources or self.create_org)


def config_path(config: Config) -> Path:
    return config.config_file or config.root / CONFIG_FILE_NAME


def suggestion(config: Config, changes: ConfigChanges) -> str:
    """The TOML lines to add, as they would appear in the project's config file."""
    document = tomlkit.document()
    _apply(document, changes)
    text = tomlkit.dumps(document).strip()
    if config_path(config).name == PYPROJECT_FILE_NAME:
        text = text.replace("[orgs.", "[tool.dashgen.orgs.")
        text = text.replace("[vars]", "[tool.dashgen.vars]")
    return text


def write_changes(config: Config, changes: ConfigChanges) -> Path:
    """Add the keys to the project's config file; ``ConfigError`` when that cannot be done."""
    path = config_path(config)
    try:
        original = path.read_text(encoding="utf-8") if path.exists() else ""
        document = tomlkit.parse(original)
    except (OSError, tomlkit.exceptions.TOMLKitError) as exc:
        raise ConfigError([f"cannot edit: {exc}"], path) from exc
    table: Any = document
    if path.name == PYPROJECT_FILE_NAME:
        table = _child(_child(document, "tool", [], super_table=True), "dashgen", [])
    _apply(table, changes)
    write_atomically(path, tomlkit.dumps(document).encode())
    try:
        load_config(config.root)
    except ConfigError:
        write_atomically(path, original.encode())
        raise
    return path


def _apply(table: Any, changes: ConfigChanges) -> None:
    created: list[Any] = []
    _apply_to(table, changes, created)
    if created:
        # tomlkit puts no blank line between a new table and a table that follows it
        created[-1].add(tomlkit.nl())


def _apply_to(table: Any, changes: ConfigChanges, created: list[Any]) -> None:
    if changes.org is None:
        _add_keys(_child(table, "vars", created), changes.vars)
        return
    orgs = _child(table, "orgs", created, super_table=True)
    real = changes.create_org and bool(changes.sources)
    org = _child(orgs, changes.org, created, super_table=not real)
    if changes.sources:
        existing = org.get("sources")
        if existing is None and changes.create_org:
            org["sources"] = tomlkit.array()
            existing = org["sources"]
        if existing is not None:
            for glob in changes.sources:
                if glob not in existing:
                    existing.append(glob)
    if changes.vars:
        _add_keys(_child(org, "vars", created), changes.vars)
    if changes.folders:
        folders = _child(org, "folders", created)
        for directory, (title, uid, parent) in changes.folders.items():
            if directory in folders:
                continue
            setting = tomlkit.inline_table()
            setting["title"] = title
            if uid:
                setting["uid"] = uid
            if parent:
                setting["parent"] = parent
            folders[directory] = setting


def _add_keys(table: Any, values: dict[str, str]) -> None:
    for key, value in values.items():
        if key not in table:
            table[key] = value


def _child(parent: Any, key: str, created: list[Any], *, super_table: bool = False) -> Any:
    existing = parent.get(key)
    if isinstance(existing, Table | dict):
        return existing
    table = tomlkit.table(is_super_table=super_table)
    parent.add(key, table)
    if not super_table:
        created.append(parent[key])
    return parent[key]

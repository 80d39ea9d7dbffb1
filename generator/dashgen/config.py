"""Project configuration: ``dashgen.toml`` or ``[tool.dashgen]`` in ``pyproject.toml``.

Every problem in the file is collected and raised once as a ``ConfigError``; a project
without any configuration gets the defaults. The file never holds secrets.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen.config_file import (  # noqa: F401 (re-exported: where the config lives)
    CONFIG_FILE_NAME,
    CONFIG_FILE_NAMES,
    PYPROJECT_FILE_NAME,
    check_paths,
    find_config_table,
    path_setting,
    with_lines,
)
from dashgen.config_folders import check_nesting
from dashgen.config_values import (
    optional_bool,
    optional_str,
    reject_unknown,
    string_table,
    sub_table,
    type_name,
    vars_table,
)
from dashgen.durations import parse_duration
from dashgen.errors import ConfigError
from dashgen.urls import clean_grafana_url, grafana_url_problem

DEFAULT_ORG = "_default"

_TOP_LEVEL_KEYS = {"grafana_url", "grafana", "project", "paths", "vars", "orgs", "build", "inputs"}
_PATH_KEYS = {"sources": "dashboards", "templates": "templates", "output": "build"}
_ORG_KEYS = {"folder", "folder_uid", "folder_parent", "sources", "vars", "inputs", "folders"}
_BUILD_KEYS = {"convert_legacy_rows", "source_timeout_s"}
# [build] source_timeout_s: how long one source may run (one org's load of it) before it is
# stopped and reported; Python sources run in worker processes that can be stopped.
DEFAULT_SOURCE_TIMEOUT_S = 60.0
MAX_SOURCE_TIMEOUT_S = 86400
_GRAFANA_KEYS = {"timeout_s", "api", "deadline"}
# [grafana] api, --api, env DASHGEN_API: which dashboard API publishes (grafana-apis.md §9).
API_CHOICES = ("auto", "classic", "k8s")
API_ENV = "DASHGEN_API"
MAX_TIMEOUT_S = 3600.0
# `project`: goes into every version message (one word), so prune tells projects apart.
# Grafana's rule for a folder's uid (the one of dashboards): [orgs.X] folder_uid, folders.
FOLDER_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
FOLDER_UID_MAX = 40
# Grafana's MaxNestedFolderDepth (grafana-api.md §5), the root's children being level 1;
# Git Sync syncs as many (grafana-apis.md §8.2)
MAX_FOLDER_DEPTH = 4
ORG_NAME_MAX = 190
PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class GrafanaSettings:
    """``[grafana]``: how dashgen talks to Grafana (more keys join this table over time)."""

    # Seconds to wait for each answer (connect, read, write); None: the client's default.
    timeout_s: float | None = None
    api: str | None = None  # one of API_CHOICES; None: not set (auto)
    # A command's whole time with Grafana (dashgen.grafana.deadline); None: not set (the
    # default), 0: no deadline.
    deadline_s: float | None = None


@dataclass(frozen=True)
class OrgConfig:
    name: str
    folder: str | None = None
    folder_uid: str | None = None
    sources: tuple[str, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)
    # [orgs.<org>.inputs]: Share > Export input name → value, over [inputs] for this org
    inputs: Mapping[str, str] = field(default_factory=dict)
    # [orgs.<org>.folders]: directory under the sources dir → its Grafana folder (title, uid);
    # a title of "" is General
    folders: Mapping[str, FolderSetting] = field(default_factory=dict)
    # [orgs.<org>] folder_parent: the uid of the folder the org's own folder sits in
    folder_parent: str | None = None

    def folder_tree(self) -> dict[str, tuple[str | None, str | None]]:
        """Folder uid → (title or None, parent uid or None) of every folder the config
        names: the org's, each ``folders`` mapping's, and the parents they name."""
        named = [(self.folder, self.folder_uid, self.folder_parent)]
        named += [(s.title, s.uid, s.parent) for _, s in sorted(self.folders.items())]
        tree: dict[str, tuple[str | None, str | None]] = {}
        for title, uid, parent in named:
            target = derived_folder_uid(title, uid)
            if target is None:
                continue
            known_title, known_parent = tree.get(target, (None, None))
            tree[target] = (known_title or title or None, known_parent or parent)
        for _title, parent in list(tree.values()):
            if parent is not None:
                tree.setdefault(parent, (None, None))
        return tree

    def folder_parents(self) -> dict[str, str]:
        """Folder uid → parent folder uid, for the nested folders the config names."""
        return {uid: parent for uid, (_, parent) in self.folder_tree().items() if parent}

    def folder_of(self, source_name: str) -> tuple[str | None, str | None]:
        """(folder title, folder uid) for a source (path relative to the sources dir): the
        deepest ``folders`` directory holding it, else the org's ``folder``/``folder_uid``."""
        directory = source_name.rpartition("/")[0]
        while directory:
            setting = self.folders.get(directory)
            if setting is not None:
                return setting.title or None, setting.uid
            directory = directory.rpartition("/")[0]
        return self.folder, self.folder_uid


@dataclass(frozen=True)
class FolderSetting:
    title: str  # "" = General
    uid: str | None = None
    parent: str | None = None  # the uid of the folder it sits in; None: the root


def derived_folder_uid(title: str | None, uid: str | None) -> str | None:
    """The folder uid a (title, uid) setting addresses: the uid, else one derived from the
    title (lower case, other characters as ``-``, at most 40); None is General."""
    if uid:
        return uid
    if not title:
        return None
    slug = re.sub(r"[^a-z0-9_-]+", "-", title.lower()).strip("-")
    return slug[:FOLDER_UID_MAX] or None


@dataclass(frozen=True)
class Config:
    root: Path
    config_file: Path | None
    sources_dir: Path
    templates_dir: Path
    output_dir: Path
    grafana_url: str | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)
    orgs: Mapping[str, OrgConfig] = field(default_factory=dict)
    # [build] convert_legacy_rows: flatten legacy `rows` (schemaVersion < 16) into grid panels
    convert_legacy_rows: bool = False
    # [inputs]: Share > Export input name (an `__inputs` entry) → value, for every org
    inputs: Mapping[str, str] = field(default_factory=dict)
    # `dashgen build --input NAME=VALUE`: over [inputs] and [orgs.<org>.inputs] (not in the file)
    input_overrides: Mapping[str, str] = field(default_factory=dict)
    # [build] source_timeout_s: seconds one source may run before it is stopped (an error)
    source_timeout_s: float = DEFAULT_SOURCE_TIMEOUT_S
    grafana: GrafanaSettings = field(default_factory=GrafanaSettings)  # [grafana]
    # `project`: this project's name in Grafana's version history; what `publish --prune`
    # deletes is limited to dashboards whose dashgen version names it (None: not set)
    project: str | None = None

    def org(self, name: str) -> OrgConfig:
        """The declared org, or an implicit one: every source, General folder, no vars."""
        return self.orgs.get(name) or OrgConfig(name=name)

    def default_targets(self) -> tuple[str, ...]:
        """The orgs a build covers when none is named: all declared ones, or ``_default``."""
        return tuple(self.orgs) or (DEFAULT_ORG,)


def default_config(root: Path) -> Config:
    root = root.resolve()
    return Config(
        root=root,
        config_file=None,
        sources_dir=root / _PATH_KEYS["sources"],
        templates_dir=root / _PATH_KEYS["templates"],
        output_dir=root / _PATH_KEYS["output"],
    )


def load_config(root: Path) -> Config:
    """Read the project's config; raise ``ConfigError`` listing every problem at once."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise ConfigError([f"project root {root} is not a directory"])
    found = find_config_table(root)
    if found is None:
        return default_config(root)
    config_file, table, prefix = found
    problems: list[str] = []
    config = _parse(root, config_file, table, prefix, problems)
    if problems:
        raise ConfigError(with_lines(problems, config_file), config_file)
    return config


def _parse(
    root: Path, config_file: Path, table: dict[str, Any], prefix: str, problems: list[str]
) -> Config:
    reject_unknown(table, _TOP_LEVEL_KEYS, prefix, problems)
    grafana_url = _grafana_url(table, prefix, problems)
    project = _project(table, prefix, problems)
    paths = sub_table(table, "paths", prefix, problems)
    reject_unknown(paths, set(_PATH_KEYS), f"{prefix}paths.", problems)
    dirs = {
        key: root
        / path_setting(
            optional_str(paths, key, f"{prefix}paths.", problems), default, key, prefix, problems
        )
        for key, default in _PATH_KEYS.items()
    }
    global_vars = vars_table(table, prefix, problems)
    build = sub_table(table, "build", prefix, problems)
    reject_unknown(build, _BUILD_KEYS, f"{prefix}build.", problems)
    convert_legacy_rows = optional_bool(build, "convert_legacy_rows", f"{prefix}build.", problems)
    source_timeout_s = _timeout(build, "source_timeout_s", f"{prefix}build.", problems)
    check_paths(root, dirs, f"{prefix}paths.", problems)
    inputs = string_table(table, "inputs", prefix, problems)
    grafana = _parse_grafana(
        sub_table(table, "grafana", prefix, problems), f"{prefix}grafana.", problems
    )
    orgs_table = sub_table(table, "orgs", prefix, problems)
    orgs = {
        name: _parse_org(name, value, f"{prefix}orgs.{name}", problems)
        for name, value in orgs_table.items()
    }
    return Config(
        root=root,
        config_file=config_file,
        sources_dir=dirs["sources"],
        templates_dir=dirs["templates"],
        output_dir=dirs["output"],
        grafana_url=grafana_url,
        vars=global_vars,
        orgs=orgs,
        convert_legacy_rows=bool(convert_legacy_rows),
        inputs=inputs,
        source_timeout_s=source_timeout_s,
        grafana=grafana,
        project=project,
    )


def _grafana_url(table: dict[str, Any], prefix: str, problems: list[str]) -> str | None:
    """``grafana_url``: checked like --grafana-url, and never with credentials (no secrets
    belong in the config)."""
    url = optional_str(table, "grafana_url", prefix, problems)
    if url is None:
        return None
    problem = grafana_url_problem(url)
    if problem is not None:
        problems.append(f"{prefix}grafana_url {problem}")
        return None
    return clean_grafana_url(url)


def _project(table: dict[str, Any], prefix: str, problems: list[str]) -> str | None:
    project = optional_str(table, "project", prefix, problems)
    if project is not None and not PROJECT_NAME.match(project):
        problems.append(
            f"{prefix}project must be one word of letters, digits, '.', '_' or '-' (at most 64), "
            f"got {project!r}"
        )
        return None
    return project


def _parse_grafana(table: dict[str, Any], prefix: str, problems: list[str]) -> GrafanaSettings:
    reject_unknown(table, _GRAFANA_KEYS, prefix, problems)
    timeout = table.get("timeout_s")
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout <= MAX_TIMEOUT_S
    ):
        problems.append(
            f"{prefix}timeout_s must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT_S:.0f}, got {timeout!r}"
        )
        timeout = None
    api = table.get("api")
    if api is not None and api not in API_CHOICES:
        problems.append(f"{prefix}api must be one of {', '.join(API_CHOICES)}, got {api!r}")
        api = None
    deadline_s = None
    if "deadline" in table:
        try:
            deadline_s = parse_duration(table["deadline"]) or 0.0
        except ValueError as error:
            problems.append(f"{prefix}deadline: {error}")
    return GrafanaSettings(
        timeout_s=float(timeout) if timeout is not None else None, api=api, deadline_s=deadline_s
    )


def _parse_org(name: str, value: Any, key: str, problems: list[str]) -> OrgConfig:
    if not name or name.startswith((".", "_")) or "/" in name or "\\" in name:
        problems.append(f"{key}: org name must not be empty, start with '.' or '_', or hold '/'")
    elif len(name) > ORG_NAME_MAX or any(ord(c) < 32 or ord(c) == 127 for c in name):
        # (Grafana's column is 190 characters; build/<org>/ must be a folder name too)
        shown = key if len(key) <= 70 else f"{key[:70]}…"
        problems.append(
            f"{shown}: org name must be at most {ORG_NAME_MAX} characters with no control character"
        )
    if not isinstance(value, dict):
        problems.append(f"{key} must be a table, got {type_name(value)}")
        return OrgConfig(name=name)
    reject_unknown(value, _ORG_KEYS, f"{key}.", problems)
    sources = value.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.append(f"{key}.sources must be a list of glob strings")
        sources = []
    org = OrgConfig(
        name=name,
        folder=optional_str(value, "folder", f"{key}.", problems),
        folder_uid=_folder_uid(
            optional_str(value, "folder_uid", f"{key}.", problems), f"{key}.folder_uid", problems
        ),
        sources=tuple(sources),
        vars=vars_table(value, f"{key}.", problems),
        inputs=string_table(value, "inputs", f"{key}.", problems),
        folders=_folders(value, f"{key}.", problems),
        folder_parent=_folder_uid(
            optional_str(value, "folder_parent", f"{key}.", problems),
            f"{key}.folder_parent",
            problems,
        ),
    )
    check_nesting(org, key, problems)
    return org


def _folders(table: dict[str, Any], prefix: str, problems: list[str]) -> dict[str, FolderSetting]:
    """``[orgs.<org>.folders]``: ``"dir" = "Title"`` or ``"dir" = { title = "…", uid = "…" }``."""
    folders: dict[str, FolderSetting] = {}
    for directory, value in sub_table(table, "folders", prefix, problems).items():
        key = f"{prefix}folders.{json.dumps(directory)}"
        name = directory.strip("/")
        if not name or name.startswith(".") or "\\" in name or ".." in name.split("/"):
            problems.append(f'{key}: must be a directory under the sources dir, like "team-a"')
            continue
        if isinstance(value, str):
            folders[name] = FolderSetting(title=value)
        elif isinstance(value, dict) and set(value) <= {"title", "uid", "parent"}:
            title, uid, parent = value.get("title", ""), value.get("uid"), value.get("parent")
            if not isinstance(title, str) or not all(
                v is None or isinstance(v, str) for v in (uid, parent)
            ):
                problems.append(f"{key}: title, uid and parent must be strings")
                continue
            folders[name] = FolderSetting(
                title=title,
                uid=_folder_uid(uid, f"{key}.uid", problems),
                parent=_folder_uid(parent, f"{key}.parent", problems),
            )
        else:
            problems.append(
                f'{key} must be a folder title or {{ title = "...", uid = "...", parent = "..." }}'
            )
    return folders


def _folder_uid(uid: str | None, key: str, problems: list[str]) -> str | None:
    """A folder uid as Grafana takes one (the rule of dashboard uids); None when unset."""
    if uid and not FOLDER_UID.match(uid):
        problems.append(
            f"{key} {uid!r} is not a folder uid: at most 40 letters, digits, '-' and '_'"
        )
        return None
    return uid or None


def _timeout(table: dict[str, Any], key: str, prefix: str, problems: list[str]) -> float:
    value = table.get(key)
    if value is None:
        return DEFAULT_SOURCE_TIMEOUT_S
    valid = isinstance(value, int | float) and not isinstance(value, bool)
    # at most a day: the workers' watchdog waits in poll(), whose milliseconds overflow
    # past 24 days ("OverflowError: timeout is too large")
    if not valid or not math.isfinite(value) or not 0 < value <= MAX_SOURCE_TIMEOUT_S:
        shown = repr(value) if valid else type_name(value)
        problems.append(
            f"{prefix}{key} must be a number of seconds greater than 0 and at most "
            f"{MAX_SOURCE_TIMEOUT_S} (a day; default {DEFAULT_SOURCE_TIMEOUT_S:g}), got {shown}"
        )
        return DEFAULT_SOURCE_TIMEOUT_S
    return float(value)

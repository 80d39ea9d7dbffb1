"""The file and directory names ``dashgen pull`` gives what it reads.

A name comes from a title (``slug``), which need not be unique: two dashboards of one
folder may share a title (Grafana 11.3+), two folders may slug alike (``Team``, ``team!``),
and a later pull meets the names earlier ones gave out. So a name is taken when this pull
already gave it out, when the project holds it for another dashboard (``dashgen.pulled.json``,
the last build's manifest, or the uid of a View JSON file there) or, for a directory, when
``[orgs.<org>.folders]`` maps it to another folder; the next candidate is ``<name>-<uid>``,
then ``<name>-<uid>-2``... (uids differ in case, slugs do not). A directory the config
already maps to the folder is used again, so that a folder keeps its directory.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

import orjson

from dashgen.adopt.importer import relative_dir
from dashgen.config import Config, FolderSetting, derived_folder_uid

SLUG_MAX = 60
_SUFFIXES = (".json", ".json.j2", ".dashboard.py")


def slug(text: str) -> str:
    """A file or folder name from a title: lower case, accents dropped (``Ü`` is ``u``),
    ``-`` for other characters."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    name = re.sub(r"[^a-z0-9_]+", "-", plain).strip("-")
    return name[:SLUG_MAX].rstrip("-")


def target_folder_uid(title: str | None, uid: str | None) -> str | None:
    """The folder uid a (title, uid) setting publishes to (a title alone derives one)."""
    return derived_folder_uid(title or None, uid)


class PullNames:
    """Names for one pull into ``destination`` (a directory under the sources dir)."""

    def __init__(
        self,
        config: Config,
        destination: Path,
        folders: Mapping[str, FolderSetting],
        owners: Mapping[str, str],
    ) -> None:
        self.config = config
        self.base = relative_dir(config, destination)  # POSIX, "" for the sources dir
        self.folders = folders  # the org's [orgs.<org>.folders]
        self.owners = owners  # source (POSIX, from the project root) → the uid it holds
        self.stems: set[tuple[str, str]] = set()  # (subdirectory, stem) given out
        self.directories: dict[str, str] = {}  # folder uid → subdirectory

    def stem(self, subdir: str, wanted: str, uid: str) -> str:
        for candidate in _candidates(wanted, uid):
            if (subdir, candidate) not in self.stems and not self._file_taken(
                subdir, candidate, uid
            ):
                self.stems.add((subdir, candidate))
                return candidate
        raise AssertionError("unreachable: candidates never end")

    def directory(self, folder_uid: str, title: str) -> str:
        if folder_uid not in self.directories:
            self.directories[folder_uid] = self._directory(folder_uid, title)
        return self.directories[folder_uid]

    def _directory(self, folder_uid: str, title: str) -> str:
        given = set(self.directories.values())
        prefix = f"{self.base}/" if self.base else ""
        for key, setting in sorted(self.folders.items()):
            name = key[len(prefix) :] if key.startswith(prefix) else ""
            if (
                name
                and "/" not in name
                and name not in given
                and self._maps_to(setting, folder_uid)
            ):
                return name
        wanted = slug(title) or slug(folder_uid) or "folder"
        for candidate in _candidates(wanted, folder_uid):
            setting = self.folders.get(self._key(candidate))
            if candidate not in given and (setting is None or self._maps_to(setting, folder_uid)):
                return candidate
        raise AssertionError("unreachable: candidates never end")

    @staticmethod
    def _maps_to(setting: FolderSetting, folder_uid: str) -> bool:
        return target_folder_uid(setting.title, setting.uid) == folder_uid

    def _key(self, name: str) -> str:
        return f"{self.base}/{name}" if self.base else name

    def _file_taken(self, subdir: str, stem: str, uid: str) -> bool:
        relative = "/".join(p for p in (self.base, subdir, stem) if p)
        for suffix in _SUFFIXES:
            path = self.config.sources_dir / (relative + suffix)
            shown = os.path.relpath(path, self.config.root).replace(os.sep, "/")
            owner = self.owners.get(shown)
            if owner is None and suffix == ".json":
                owner = _json_uid(path)
            if owner is not None and owner != uid:
                return True
        return False


def _candidates(wanted: str, uid: str) -> Iterator[str]:
    yield wanted
    with_uid = f"{wanted}-{slug(uid) or 'uid'}"
    yield with_uid
    number = 2
    while True:
        yield f"{with_uid}-{number}"
        number += 1


def _json_uid(path: Path) -> str | None:
    """The uid a View JSON (or resource) file holds, if it is one."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    wrapped, metadata = document.get("dashboard"), document.get("metadata")
    for found in (
        document.get("uid"),
        wrapped.get("uid") if isinstance(wrapped, dict) else None,
        metadata.get("name") if isinstance(metadata, dict) else None,
    ):
        if isinstance(found, str) and found:
            return found
    return None

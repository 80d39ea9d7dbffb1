"""``build/manifest.json``: what the last successful build wrote, for publish and watch."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from dashgen.build.commit import CommitError, complete_pending_commit, has_pending_commit
from dashgen.build.compiled import CompiledDashboard
from dashgen.build.lock import output_lock
from dashgen.build.outputs import output_path
from dashgen.config import Config, derived_folder_uid
from dashgen.errors import BuildError
from dashgen.model.normalize import dumps
from dashgen.model.v2 import SCHEMA_V1

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class BuiltDashboard:
    org: str
    uid: str
    title: str
    source: Path  # relative to the project root
    path: Path  # absolute output file
    content_hash: str  # normalize.content_hash of the output
    folder: str | None = None
    folder_uid: str | None = None
    # "v1" (the classic model), or the version of a schema v2 dashboard's apiVersion
    # ("v2", "v2beta1", ...): its output file is then the v2 spec (elements + layout)
    schema: str = SCHEMA_V1

    @property
    def is_v2(self) -> bool:
        return self.schema != SCHEMA_V1

    def text(self) -> bytes:
        """The dashboard's JSON text: its output file's."""
        return self.path.read_bytes()

    def load(self, text: bytes | None = None) -> dict[str, Any]:
        """The dashboard parsed (``text``: what ``text()`` gave, when it was read already)."""
        return orjson.loads(self.text() if text is None else text)

    @property
    def target_folder_uid(self) -> str | None:
        """The Grafana folder it goes to: its folder uid, else one derived from the title.

        None is General. The derived uid is stable (lower-case title, other characters as
        ``-``, at most 40), so the same title always addresses the same folder.
        """
        return derived_folder_uid(self.folder, self.folder_uid)

    def manifest_entry(self) -> dict[str, Any]:
        return self._entry

    @cached_property
    def _entry(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "uid": self.uid,
            "title": self.title,
            "source": self.source.as_posix(),
            "path": f"{self.org}/{self.uid}.json",
            "content_hash": self.content_hash,
            "folder": self.folder,
            "folder_uid": self.folder_uid,
            "schema": self.schema,
        }


def read_manifest(output_dir: Path) -> list[BuiltDashboard]:
    """The dashboards of the last successful build in ``output_dir`` ([] when none).

    A commit that a killed build left half-way is completed first, so what is read is
    always one whole build."""
    path = Path(output_dir) / MANIFEST_NAME
    recover(Path(output_dir))
    try:
        document = orjson.loads(path.read_bytes())
        base = Path(output_dir)  # base / relative parses only the relative part (1,000 paths)
        return [_from_entry(entry, base) for entry in document["dashboards"]]
    except FileNotFoundError:
        return []
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise BuildError(f"{path}: unreadable build manifest ({exc}); run dashgen build") from exc


def manifest_bytes(dashboards: Iterable[BuiltDashboard]) -> bytes:
    """The manifest file's bytes (sorted by org, uid)."""
    entries = [d.manifest_entry() for d in sorted(dashboards, key=manifest_order)]
    return dumps({"format": MANIFEST_FORMAT, "dashboards": entries}).encode()


def recover(output_dir: Path) -> None:
    """Complete a commit a killed build left half-way (``dashgen.build.commit``), if any."""
    if not has_pending_commit(output_dir):
        return
    with output_lock(output_dir):
        try:
            complete_pending_commit(output_dir)
        except CommitError as error:
            raise BuildError(
                f"{error.path}: cannot complete the build that was interrupted in "
                f"{output_dir} ({error}); fix that, then run dashgen build"
            ) from None


def manifest_order(dashboard: BuiltDashboard) -> tuple[str, str]:
    return dashboard.org, dashboard.uid


def _from_entry(entry: dict[str, Any], output_dir: Path) -> BuiltDashboard:
    return BuiltDashboard(
        org=entry["org"],
        uid=entry["uid"],
        title=entry["title"],
        source=Path(entry["source"]),
        path=output_dir / entry["path"],
        content_hash=entry["content_hash"],
        folder=entry.get("folder"),
        folder_uid=entry.get("folder_uid"),
        schema=entry.get("schema", SCHEMA_V1),
    )


class ManifestEntries:
    """The manifest entry of each dashboard one build compiled (made once: the build's
    result and its manifest both ask for every one)."""

    def __init__(self, config: Config, output_dir: str) -> None:
        self.config = config
        self.output_dir = output_dir
        self._made: dict[tuple[tuple[str, str], int], BuiltDashboard] = {}
        root, sources = os.path.join(str(config.root), ""), str(config.sources_dir)
        inside = sources.startswith(root)
        self._sources_prefix = sources[len(root) :].replace(os.sep, "/") + "/" if inside else ""

    def of(self, key: tuple[str, str], dashboard: CompiledDashboard) -> BuiltDashboard:
        """The entry of ``dashboard``, compiled from source ``key`` = (org, rel)."""
        made = self._made.get((key, id(dashboard)))
        if made is not None:
            return made
        org_name, rel = key
        folder, folder_uid = self.config.org(org_name).folder_of(self._source_name(rel))
        if folder is None and folder_uid is None:  # the config names none: the resource's
            folder_uid = dashboard.folder_uid
        made = self._made[(key, id(dashboard))] = BuiltDashboard(
            org=org_name,
            uid=dashboard.uid,
            title=dashboard.title,
            source=Path(rel),
            path=Path(output_path(self.output_dir, org_name, dashboard.uid)),
            content_hash=dashboard.content_hash,
            folder=folder,
            folder_uid=folder_uid,
            schema=dashboard.schema,
        )
        return made

    def _source_name(self, rel: str) -> str:
        """A source's path relative to the sources dir (``rel`` is relative to the root)."""
        prefix = self._sources_prefix
        if prefix and rel.startswith(prefix) and "/.." not in rel:
            return rel[len(prefix) :]  # what relpath gives, without its system calls
        absolute = os.path.join(str(self.config.root), rel)
        return os.path.relpath(absolute, str(self.config.sources_dir)).replace(os.sep, "/")

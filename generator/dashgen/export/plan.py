"""What an export writes: every file's relative path and bytes, decided before any write.

Bytes are ``model.normalize.dumps`` of each resource (sorted keys, indent 2, trailing
newline), the same text the build writes, so an export of the same build is
byte-identical, file by file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen.build import BuiltDashboard
from dashgen.errors import UsageError
from dashgen.export.folders import folders_of
from dashgen.export.layout_gcx import gcx_documents
from dashgen.export.layout_git_sync import git_sync_documents
from dashgen.model.normalize import dumps

FORMATS = ("gcx", "git-sync")
API_VERSIONS = ("v1", "v1beta1", "v2")
V2 = "v2"


@dataclass(frozen=True)
class ExportOptions:
    format: str  # one of FORMATS
    to: Path  # absolute: the folder the export owns
    api_version: str = "v1"  # of classic-model dashboards; v2: every dashboard must be v2
    org_folders: bool = False  # True: each org's files under <to>/<org>/
    parents: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # org -> nesting
    # org -> folder uid -> title, for parents no dashboard sits in (the config's folders)
    folder_titles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportPlan:
    files: dict[str, bytes]  # posix path relative to ``to`` -> content
    dashboards: int
    folders: int
    orgs: tuple[str, ...]


def plan_export(
    dashboards: Sequence[BuiltDashboard],
    orgs: Sequence[str],
    options: ExportOptions,
    *,
    project: str | None = None,
) -> ExportPlan:
    """The files of an export of ``dashboards`` (those of ``orgs``), nothing written yet."""
    by_org: dict[str, list[BuiltDashboard]] = defaultdict(list)
    for built in sorted(dashboards, key=lambda b: (b.org, b.uid)):
        if built.org in orgs:
            by_org[built.org].append(built)
    versions = _versions([b for org in orgs for b in by_org[org]], options.api_version)
    files: dict[str, bytes] = {}
    folder_count = 0
    for org in orgs:
        built_here = by_org[org]
        folders = folders_of(built_here, options.parents.get(org), options.folder_titles.get(org))
        folder_count += len(folders)
        pairs = [(built, versions[(built.org, built.uid)]) for built in built_here]
        documents: dict[str, dict[str, Any]]
        if options.format == "gcx":
            documents = gcx_documents(pairs, folders, project=project)
        else:
            documents = git_sync_documents(pairs, folders)
        # config.py keeps org names fit for a directory (the build's build/<org>/ too)
        prefix = f"{org}/" if options.org_folders else ""
        for path, document in documents.items():
            files[prefix + path] = dumps(document).encode()
    count = sum(len(by_org[org]) for org in orgs)
    return ExportPlan(dict(sorted(files.items())), count, folder_count, tuple(orgs))


def _versions(dashboards: Sequence[BuiltDashboard], requested: str) -> dict[tuple[str, str], str]:
    """The apiVersion's version of each dashboard: a schema v2 dashboard's own (v2, v2beta1
    ...), else ``requested``; ``v2`` asks that every dashboard be v2, as dashgen does not
    convert between v1 and v2."""
    if requested not in API_VERSIONS:
        raise UsageError(f"--api-version {requested}: expected one of {', '.join(API_VERSIONS)}")
    classic = [built for built in dashboards if not built.is_v2]
    if requested == V2 and classic:
        shown = ", ".join(f"{b.uid} ({b.source.as_posix()})" for b in classic[:5])
        more = f" and {len(classic) - 5} more" if len(classic) > 5 else ""
        raise UsageError(
            f"--api-version v2: {len(classic)} dashboard(s) use the classic (v1) model: "
            f"{shown}{more}; dashgen does not convert v1 to v2. Export them as v1 (the "
            "default; schema v2 dashboards are always written as their own v2 version), "
            "or write those sources in schema v2"
        )
    return {(b.org, b.uid): (b.schema if b.is_v2 else requested) for b in dashboards}

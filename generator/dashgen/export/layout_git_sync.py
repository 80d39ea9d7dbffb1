"""The Git Sync layout (grafana-apis.md §8.2): the repository tree Git Sync reads.

A directory per folder, named by the folder's uid (stable: the uid never changes with the
title), holding ``_folder.json`` (a Folder resource with that uid and the title; without a
title Git Sync names the folder after the directory), and one Dashboard resource per
dashboard, ``<uid>.json`` (Git Sync takes titles from the content, not the file name).
Dashboards of the General folder sit at the root. Nesting is the directory tree, so no
file carries a ``grafana.app/folder`` annotation, and none a version message or manager
annotations: Git Sync writes its own. Git Sync syncs at most ``GIT_SYNC_MAX_DEPTH``
nested folders; a deeper folder is an error rather than a tree Git Sync would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashgen.build import BuiltDashboard
from dashgen.errors import ExportError
from dashgen.export.envelope import dashboard_envelope, folder_envelope
from dashgen.export.folders import ExportFolder, chain, safe_name

GIT_SYNC_MAX_DEPTH = 4  # "up to 4 nested folders" (Git Sync usage limits, §8.2)
FOLDER_FILE = "_folder.json"


def git_sync_documents(
    dashboards: Sequence[tuple[BuiltDashboard, str]],
    folders: Mapping[str, ExportFolder],
) -> dict[str, dict[str, Any]]:
    """Relative path → resource, for one org's (dashboard, apiVersion's version) pairs."""
    directories = {uid: _directory(uid, folders) for uid in folders}
    documents: dict[str, dict[str, Any]] = {}
    for uid, folder in sorted(folders.items()):
        documents[f"{directories[uid]}/{FOLDER_FILE}"] = folder_envelope(uid, folder.title)
    for built, version in dashboards:
        name = safe_name(built.uid, "dashboard uid")
        folder_uid = built.target_folder_uid
        path = f"{directories[folder_uid]}/{name}.json" if folder_uid else f"{name}.json"
        # Git Sync reads every _folder.json as a folder's file, the root's too (§8.2)
        if path in documents or f"{name}.json" == FOLDER_FILE:
            raise ExportError(
                f"dashboard uid {built.uid!r} ({built.source.as_posix()}) would be written "
                f"as {path}, the name of the folder file Git Sync reads: give the dashboard "
                "another uid"
            )
        documents[path] = dashboard_envelope(built.uid, built.load(), version)
    return documents


def _directory(uid: str, folders: Mapping[str, ExportFolder]) -> str:
    uids = chain(uid, folders)
    if len(uids) > GIT_SYNC_MAX_DEPTH:
        title = folders[uid].title or uid
        raise ExportError(
            f"folder {title!r} (uid {uid}) is nested {len(uids)} deep ({' / '.join(uids)}); "
            f"Git Sync syncs at most {GIT_SYNC_MAX_DEPTH} nested folders: move it up"
        )
    return "/".join(uids)

"""The gcx layout (grafana-apis.md §8.1): what ``gcx resources pull`` writes and ``push`` reads.

One file per resource, ``<plural>.<version>.<group>/<metadata.name>.json`` under gcx's
``--path`` (default ``./resources``): ``dashboards.v1.dashboard.grafana.app/<uid>.json``
and ``folders.v1.folder.grafana.app/<uid>.json``. Folders are files of kind Folder, not
directories; a dashboard names its folder with the ``grafana.app/folder`` annotation and
a nested folder its parent the same way. Each dashboard carries dashgen's version message
(``grafana.app/message``: ``dashgen <hash> [project <name>]``, without the git sha so the
files do not change with every commit), so Grafana's history says what gcx pushed.

A folder dashgen knows only by its uid (no title in the build) gets no file: gcx would
rename the folder in Grafana to whatever title the file gave it; such a folder is
expected to exist, as publish expects it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashgen.build import BuiltDashboard
from dashgen.export.envelope import (
    DASHBOARD_GROUP,
    FOLDER_GROUP,
    FOLDER_VERSION,
    dashboard_envelope,
    folder_envelope,
)
from dashgen.export.folders import ExportFolder, safe_name
from dashgen.publish.provenance import version_message


def gcx_documents(
    dashboards: Sequence[tuple[BuiltDashboard, str]],
    folders: Mapping[str, ExportFolder],
    *,
    project: str | None,
) -> dict[str, dict[str, Any]]:
    """Relative path → resource, for one org's (dashboard, apiVersion's version) pairs."""
    documents: dict[str, dict[str, Any]] = {}
    for uid, folder in sorted(folders.items()):
        if folder.title is None:
            continue
        path = f"folders.{FOLDER_VERSION}.{FOLDER_GROUP}/{uid}.json"
        documents[path] = folder_envelope(uid, folder.title, parent_uid=folder.parent_uid)
    for built, version in dashboards:
        name = safe_name(built.uid, "dashboard uid")
        path = f"dashboards.{version}.{DASHBOARD_GROUP}/{name}.json"
        documents[path] = dashboard_envelope(
            built.uid,
            built.load(),
            version,
            folder_uid=built.target_folder_uid,
            message=version_message(built.content_hash, project=project),
        )
    return documents

"""The folders an org's dashboards sit in, as the export writes them.

The build knows each dashboard's folder title and uid (``BuiltDashboard.folder`` and
``target_folder_uid``); ``parents`` (folder uid → parent folder uid: the config's
``parent``/``folder_parent``) nests them, and ``titles`` (folder uid → title, the config's)
names the ancestors no dashboard sits in directly. Only the folders the dashboards sit in
and their ancestors are exported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dashgen.build import BuiltDashboard
from dashgen.errors import ExportError

# A file or directory name the export derives from a uid: Grafana's uid characters (§4.6)
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ExportFolder:
    uid: str
    title: str | None  # None: dashgen knows the folder only by its uid
    parent_uid: str | None = None


def folders_of(
    dashboards: Iterable[BuiltDashboard],
    parents: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> dict[str, ExportFolder]:
    """Folder uid → folder, for the folders ``dashboards`` sit in (and their parents).

    One uid with two titles is an error: the folder file can hold only one, and the
    export must not pick one silently."""
    parents, titles = parents or {}, titles or {}
    named_titles: dict[str, dict[str, str]] = {}  # uid -> title -> a source that names it
    for built in sorted(dashboards, key=lambda b: (b.source.as_posix(), b.uid)):
        uid = built.target_folder_uid
        if uid is None:
            continue
        named = named_titles.setdefault(uid, {})
        if built.folder:
            named.setdefault(built.folder, built.source.as_posix())
    for uid in list(named_titles):
        ancestor, seen = parents.get(uid), {uid}
        while ancestor is not None and ancestor not in seen:  # chain() names a loop
            seen.add(ancestor)
            named_titles.setdefault(ancestor, {})
            ancestor = parents.get(ancestor)
    folders: dict[str, ExportFolder] = {}
    for uid, named in sorted(named_titles.items()):
        if not named and titles.get(uid):
            named = {titles[uid]: "dashgen.toml"}
        if len(named) > 1:
            shown = " and ".join(f"{title!r} ({source})" for title, source in sorted(named.items()))
            raise ExportError(
                f"folder uid {uid!r} has two titles in the build, {shown}: give that folder "
                "one title in dashgen.toml ([orgs.<org>] folder or [orgs.<org>.folders])"
            )
        safe_name(uid, "folder uid")
        folders[uid] = ExportFolder(uid, next(iter(named), None), parents.get(uid))
    return folders


def chain(uid: str, folders: Mapping[str, ExportFolder]) -> list[str]:
    """The folder uids from the root down to ``uid`` (itself last)."""
    path: list[str] = []
    current: str | None = uid
    while current is not None:
        if current in path:
            loop = " -> ".join([*reversed(path), current])
            raise ExportError(f"folders nest in a loop ({loop}): a folder cannot hold itself")
        path.append(current)
        folder = folders.get(current)
        current = folder.parent_uid if folder else None
    return list(reversed(path))


def safe_name(name: str, what: str) -> str:
    """``name`` as a file or directory name; one that could leave its folder is an error."""
    if not _SAFE_NAME.fullmatch(name) or name in {".", ".."}:
        raise ExportError(
            f"{what} {name!r} cannot name a file: only letters, digits, '-', '_' and '.' "
            "(as Grafana's uids)"
        )
    return name

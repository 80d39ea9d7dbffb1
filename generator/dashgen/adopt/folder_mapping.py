"""The ``[orgs.<org>.folders]`` entries an import or pull adds: each adopted source's
directory mapped to the folder its dashboard lives in (title, uid, and the parent folder's
uid when it is nested), and for a pull the folders above those too, up to the root, so
that the config alone gives the tree back (publish and export nest folders from it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dashgen.adopt.config_edit import ConfigChanges
from dashgen.config import FolderSetting, OrgConfig, derived_folder_uid

if TYPE_CHECKING:
    from dashgen.adopt.importer import AdoptedSource


@dataclass(frozen=True)
class FolderPlace:
    """A folder above a pulled dashboard's: the directory its mapping gets (below the
    destination), its title, uid and parent's uid (None: the root)."""

    subdir: str
    title: str
    uid: str
    parent: str | None


def folders_not_mapped(adopted_sources: Sequence[AdoptedSource]) -> None:
    """Without an org there is no [orgs.<org>.folders] to map a folder in (a v2 resource
    keeps its folder annotation in the file, which the build reads)."""
    for adopted in adopted_sources:
        title, uid = adopted.incoming.folder or ("", None)
        if uid and not adopted.is_v2:
            shown = f"folder {title!r} (uid {uid})" if title else f"the folder of uid {uid}"
            adopted.notes.append(
                f"it is in {shown} in Grafana, which the config does not map: name the "
                "org (--org NAME) to add its directory to [orgs.NAME.folders]"
            )


def folder_changes(
    adopted_sources: Sequence[AdoptedSource], org: OrgConfig, changes: ConfigChanges, to: str
) -> None:
    """Map directories to the folders their dashboards live in, until every adopted
    source resolves to its folder (a parent's entry can change its children's)."""
    pulled = [a for a in adopted_sources if a.incoming.folder is not None]
    while True:
        folders = {**org.folders, **{d: FolderSetting(*f) for d, f in changes.folders.items()}}
        resolved = dataclasses.replace(org, folders=folders)
        wrong = [a for a in pulled if not _same_folder(resolved.folder_of(a.name), a)]
        added = False
        for adopted in wrong:
            directory = adopted.name.rpartition("/")[0]
            # a directory the config already maps (to another folder) keeps its setting:
            # config_edit never rewrites one, so the dashboard is said to be misplaced
            if directory and directory not in changes.folders and directory not in org.folders:
                title, uid = adopted.incoming.folder or ("", None)
                changes.folders[directory] = (title, uid, adopted.incoming.folder_parent)
                added = True
        if not added:
            break
    _ancestor_changes(adopted_sources, org, changes, to)
    for adopted in pulled:
        _parent_note(adopted, org)
    for adopted in wrong:
        title = (adopted.incoming.folder or ("", None))[0]
        shown = f"folder {title!r}" if title else "General"
        adopted.notes.append(
            f"it is in {shown} in Grafana but the config publishes it to "
            f"{resolved.folder_of(adopted.name)[0] or 'General'!r}: pull into a "
            "subdirectory (--to) or change the org's folder settings"
        )


def _ancestor_changes(
    adopted_sources: Sequence[AdoptedSource], org: OrgConfig, changes: ConfigChanges, to: str
) -> None:
    """Map the folders above the pulled ones (no dashboard of this pull need sit in
    them) to directories too, with their parents: the config then holds the whole tree,
    titles included, up to the root. A folder the config already maps keeps its entry."""
    mapped = {
        _folder_uid(s.title, s.uid)
        for s in [*org.folders.values(), *(FolderSetting(*f) for f in changes.folders.values())]
    } | {_folder_uid(org.folder, org.folder_uid)}
    for adopted in adopted_sources:
        for place in adopted.incoming.ancestors:
            directory = "/".join(p for p in (to, place.subdir) if p)
            if place.uid in mapped or directory in org.folders or directory in changes.folders:
                continue
            changes.folders[directory] = (place.title, place.uid, place.parent)
            mapped.add(place.uid)


def _parent_note(adopted: AdoptedSource, org: OrgConfig) -> None:
    """A note when the config's existing entry for the dashboard's folder gives it another
    parent than Grafana's (an entry written before, never rewritten here)."""
    title, uid = adopted.incoming.folder or ("", None)
    directory = adopted.name.rpartition("/")[0]
    while directory and directory not in org.folders:
        directory = directory.rpartition("/")[0]
    setting = org.folders.get(directory) if directory else None
    if setting is None or uid is None or _folder_uid(setting.title, setting.uid) != uid:
        return
    parent = adopted.incoming.folder_parent
    if setting.parent != parent:
        where = f"sits in folder {parent}" if parent else "is at the root"
        fix = f'parent = "{parent}"' if parent else "no parent"
        adopted.notes.append(
            f"its folder {title!r} (uid {uid}) {where} in Grafana, but the entry "
            f'"{directory}" of [orgs.{org.name}.folders] says otherwise: give it {fix}'
        )


def _same_folder(current: tuple[str | None, str | None], adopted: AdoptedSource) -> bool:
    title, uid = adopted.incoming.folder or ("", None)
    return _folder_uid(title, uid) == _folder_uid(*current)


def _folder_uid(title: str | None, uid: str | None) -> str | None:
    return derived_folder_uid(title or None, uid)

"""Publishing into nested folders (grafana-api.md §5, grafana-apis.md §5): the folders the
config gives a ``parent`` (``[orgs.X.folders]``) or ``folder_parent`` (``[orgs.X]``).

Parents first: a missing folder is created in its parent once the parent is there (classic
``parentUid``, ``/apis`` the ``grafana.app/folder`` annotation). A folder that exists under
another parent is not moved (moving is the operator's decision, and moves what it holds):
one warning names it, and its dashboards go to it where it is. A Grafana without nested
folders (before 10, or the feature off) creates the folder at the root, ignoring the
parent: that is an error naming it, never a silent flat folder. When no folder of the
batch has a parent nothing here runs, so the one-level case sends what it always sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashgen.errors import DashgenError, may_have_landed

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

FOLDER_MAY_EXIST = (
    "the folder may have been created all the same (an answer was lost): check Grafana"
)
Tree = dict[str, tuple[str | None, str | None]]  # folder uid → (title, parent uid)


def folder_failed(
    session: OrgSession, uid: str, sentence: str, error: DashgenError, *, creating: bool
) -> None:
    """Folder ``uid``'s error; after a create that may have landed it says so (a create is
    retried: its fixed uid makes that safe)."""
    may_exist = creating and may_have_landed(error)
    session.folder_errors[uid] = f"{sentence}; {FOLDER_MAY_EXIST}" if may_exist else sentence


def nested_uids(session: OrgSession) -> set[str]:
    """The folder uids the config nests (each has a parent)."""
    tree = session.config.org(session.org).folder_tree()
    return {uid for uid, (_, parent) in tree.items() if parent}


def ensure_nested(
    session: OrgSession, folders: dict[str, str | None], *, create: bool
) -> dict[str, str | None]:
    """Ensure the folders of ``folders`` (uid → title) that the config nests, parents
    first; return the others (ensured as before, by the caller)."""
    from dashgen.publish.lock import LOCK_FOLDER_UID

    tree = session.config.org(session.org).folder_tree()
    nested = sorted(uid for uid in folders if tree.get(uid, (None, None))[1])
    nested = [uid for uid in nested if uid != LOCK_FOLDER_UID]
    if not nested:
        return folders
    for uid in nested:
        session.folder_errors.pop(uid, None)
    for uid in nested:
        _ensure(session, uid, folders[uid] or tree[uid][0], tree, create=create, below=())
    done = {*nested, *session.ready_folders, *session.folder_errors}  # (parents ensured too)
    return {uid: title for uid, title in folders.items() if uid not in done}


def _ensure(
    session: OrgSession,
    uid: str,
    title: str | None,
    tree: Tree,
    *,
    create: bool,
    below: tuple[str, ...],
) -> bool:
    """True once folder ``uid`` exists (its parents first); a failure is its folder error."""
    if uid in session.ready_folders:
        return True
    if uid in session.folder_errors or uid in below:  # (config.py refuses loops)
        return False
    parent = tree.get(uid, (None, None))[1]
    if parent is not None and not _ensure(
        session, parent, tree.get(parent, (None, None))[0], tree, create=create, below=(*below, uid)
    ):
        why = session.folder_errors.get(parent)
        if why is not None or create:
            said = f": {why}" if why else ""
            session.folder_errors[uid] = f"its parent folder (uid {parent}) is not there{said}"
            return False
        # a plan (nothing created): the folder itself may still be there, elsewhere
    assert session.backend is not None
    shown = f"{title or uid!r} (uid {uid})"
    doing, creating = session.doing(f"ensuring folder {shown}"), False
    try:
        live = session.backend.get_folder(uid)
        if live is None and (creating := create):
            live = session.backend.create_folder(uid, title or uid, parent_uid=parent)
            if parent and live is not None and (live.get("parentUid") or None) != parent:
                session.folder_errors[uid] = (
                    f"Grafana created folder {shown} at the root, not in folder {parent}: it "
                    "has no nested folders (Grafana 11 and later nest them); drop the "
                    "parent from dashgen.toml or turn nested folders on, then move the folder"
                )
                return False
        elif live is not None and (live.get("parentUid") or None) != parent:
            where = f"in folder {live['parentUid']}" if live.get("parentUid") else "at the root"
            session.folder_warnings.append(
                f"folder {shown} is {where} in Grafana, not in folder {parent} as "
                "dashgen.toml says: dashgen does not move folders (move it in Grafana, or "
                "change its parent in dashgen.toml); its dashboards go to it where it is"
            )
    except DashgenError as error:
        folder_failed(session, uid, session.explain(error, doing), error, creating=creating)
        return False
    if live is None:
        return False
    session.ready_folders.add(uid)
    return True

"""Nested folders in the config: the checks of ``parent`` (``[orgs.X.folders]``) and
``folder_parent`` (``[orgs.X]``), each problem naming the key that gives the parent.

A parent is named by its uid. One the config maps itself (a ``folders`` entry or the org's
``folder``) brings its title and its own parent; any other is known only by its uid and is
taken to sit at the root (it must exist in Grafana, or dashgen creates it titled by its uid).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashgen.config import OrgConfig


def check_nesting(org: OrgConfig, key: str, problems: list[str]) -> None:
    """Append a problem for each parent that cannot be: General's, a second parent for one
    folder, a loop, or a folder deeper than Grafana's ``MAX_FOLDER_DEPTH`` levels."""
    from dashgen.config import MAX_FOLDER_DEPTH, derived_folder_uid

    given = [(f"{key}.folder_parent", org.folder, org.folder_uid, org.folder_parent)]
    given += [
        (f"{key}.folders.{json.dumps(directory)}.parent", s.title, s.uid, s.parent)
        for directory, s in sorted(org.folders.items())
    ]
    parent_of: dict[str, tuple[str, str]] = {}  # folder uid → (parent uid, the key saying so)
    for where, title, uid, parent in given:
        if parent is None:
            continue
        target = derived_folder_uid(title, uid)
        if target is None:
            problems.append(f"{where}: General (the root) sits in no folder; drop the parent")
        elif parent == target:
            problems.append(f"{where}: folder {target!r} cannot sit in itself")
        elif target in parent_of and parent_of[target][0] != parent:
            problems.append(
                f"{where}: folder {target!r} is given two parents, {parent_of[target][0]!r} "
                f"({parent_of[target][1]}) and {parent!r}: a folder sits in one folder"
            )
        else:
            parent_of.setdefault(target, (parent, where))
    in_loops: set[str] = set()
    for target, (_, where) in sorted(parent_of.items(), key=lambda item: item[1][1]):
        if target in in_loops:
            continue
        chain = [target]
        while chain[-1] in parent_of and parent_of[chain[-1]][0] not in chain:
            chain.append(parent_of[chain[-1]][0])
        if chain[-1] in parent_of:  # the next parent is already in the chain: a loop
            shown = " -> ".join([*chain, parent_of[chain[-1]][0]])
            problems.append(f"{where}: folders nest in a loop ({shown})")
            in_loops.update(chain)
        elif len(chain) > MAX_FOLDER_DEPTH:
            shown = " / ".join(reversed(chain))
            problems.append(
                f"{where}: folder {target!r} would be nested {len(chain)} levels deep "
                f"({shown}); Grafana nests folders at most {MAX_FOLDER_DEPTH} levels"
            )

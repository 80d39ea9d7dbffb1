"""Which file-system changes matter to ``dashgen watch``.

Only files inside the watched trees (sources, templates) and the project config file count.
The output folder, the folders discovery never searches (``dashgen.sources.discovery``:
VCS, virtualenvs, caches, every dot-folder), bytecode and editor litter never do: a save
in vim alone touches ``.x.swp``, ``x~`` and a probe file named ``4913`` besides the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change

from dashgen.sources.discovery import is_skipped_dir

IGNORED_NAME_PATTERN = re.compile(
    r"""
      \.py[cod]$            # bytecode
    | \.sw[a-p]$ | \.swx$   # vim swap files
    | ~$                    # backups (vim, emacs)
    | ^\.\#                 # emacs lock files
    | ^\#.*\#$              # emacs auto-save
    | ^4913$                # vim probes whether it may create files with this name
    | \.___jb_...___$       # JetBrains safe-write temporaries
    | ^\.DS_Store$
    | ^flycheck_
    """,
    re.VERBOSE,
)


def is_editor_or_tool_litter(relative: Path) -> bool:
    """True for a path (relative to a watched root) that no build can depend on."""
    # The last part too: an event on the folder itself, or a dot-file, which is never a source.
    if any(is_skipped_dir(part) for part in relative.parts):
        return True
    return bool(IGNORED_NAME_PATTERN.search(relative.name))


@dataclass(frozen=True)
class WatchScope:
    """What the watcher looks at: whole trees, plus single files watched through their folder."""

    trees: tuple[Path, ...]
    files: tuple[Path, ...]
    excluded: tuple[Path, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "trees", tuple(p.resolve() for p in self.trees))
        object.__setattr__(self, "files", tuple(p.resolve() for p in self.files))
        object.__setattr__(self, "excluded", tuple(p.resolve() for p in self.excluded))

    @property
    def file_folders(self) -> tuple[Path, ...]:
        """Folders of the single files that no tree already covers (watched non-recursively)."""
        folders: list[Path] = []
        for file in self.files:
            folder = file.parent
            if not self._in_tree(file) and folder not in folders:
                folders.append(folder)
        return tuple(folders)

    def existing_trees(self) -> tuple[Path, ...]:
        return tuple(tree for tree in self.trees if tree.is_dir())

    def includes(self, path: Path) -> bool:
        if path in self.files:
            return True
        if any(path.is_relative_to(excluded) for excluded in self.excluded):
            return False
        for tree in self.trees:
            if path.is_relative_to(tree):
                # The tree itself counts: a templates/ folder created later must be watched.
                return not is_editor_or_tool_litter(path.relative_to(tree))
        return False

    def _in_tree(self, path: Path) -> bool:
        return any(path.is_relative_to(tree) for tree in self.trees)

    def __call__(self, change: Change, raw_path: str) -> bool:
        """The ``watch_filter`` callable watchfiles expects."""
        return self.includes(Path(raw_path))

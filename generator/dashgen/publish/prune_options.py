"""What ``--prune`` asks for (``PruneOptions``) and what it needs (the project's name): the
part of ``dashgen.publish.prune`` every publish imports; the pruning itself is imported
only by a publish that prunes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dashgen.config import Config
from dashgen.errors import UsageError

DEFAULT_PRUNE_MAX = 10
DEFAULT_PRUNE_SHARE = 0.25


def require_project(config: Config) -> None:
    """Prune needs the project's name: it is how dashgen tells its dashboards apart."""
    if not config.project:
        where = config.config_file.name if config.config_file else "dashgen.toml"
        raise UsageError(
            f'--prune needs the project\'s name: add project = "<name>" to {where}. dashgen '
            "writes it into every version message, so that prune deletes only what this "
            "project published, never another project's dashboards in the same org"
        )


@dataclass(frozen=True)
class PruneOptions:
    max_deletions: int | None = None  # --prune-max; None: max(10, 25% of the project's)
    yes: bool = False  # --yes: go beyond the limit
    keep_edited: bool = False  # --prune-keep-edited: kept dashboards do not fail the run

    def limit(self, built: int, deleting: int) -> int:
        if self.max_deletions is not None:
            return self.max_deletions
        return max(DEFAULT_PRUNE_MAX, math.floor(DEFAULT_PRUNE_SHARE * (built + deleting)))

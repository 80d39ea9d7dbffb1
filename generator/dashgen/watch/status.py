"""What ``dashgen watch`` reports, as data (``dashgen.cli.watch_text`` makes it text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from dashgen.config import DEFAULT_ORG

if TYPE_CHECKING:
    from dashgen.build import BuildResult, BuiltDashboard
    from dashgen.publish.events import PublishEvent


class StatusKind(StrEnum):
    BUILT = "built"  # a build that ended without errors
    FAILED = "failed"  # a build with errors: the last good output stays
    CONFIG_ERROR = "config-error"  # the edited config is invalid: the last good one stays
    WATCHING = "watching"
    PUBLISHED = "published"
    PUBLISH_FAILED = "publish-failed"


@dataclass(frozen=True)
class WatchStatus:
    kind: StatusKind
    result: BuildResult | None = None
    # relative to the project root; empty for the initial build
    changed: tuple[Path, ...] = ()
    initial: bool = False
    recovered: bool = False
    config_reloaded: bool = False
    publish_events: tuple[PublishEvent, ...] = ()
    message: str = ""
    at: datetime = field(default_factory=datetime.now)

    @property
    def rebuilt_names(self) -> list[str]:
        return [dashboard_name(d) for d in self.result.rebuilt] if self.result else []


def dashboard_name(dashboard: BuiltDashboard) -> str:
    if dashboard.org == DEFAULT_ORG:
        return dashboard.uid
    return f"{dashboard.org}/{dashboard.uid}"

"""Publishing from ``dashgen watch``: one org, only the dashboards a rebuild produced."""

from __future__ import annotations

from collections.abc import Sequence

from dashgen.build import BuiltDashboard
from dashgen.config import Config
from dashgen.events import PublishReport
from dashgen.publish import Connection, publish


class OrgPublisher:
    """Sends rebuilt dashboards through the same publisher as ``dashgen publish``."""

    def __init__(self, config: Config, org: str, connection: Connection) -> None:
        self.config = config
        self.org = org
        self.connection = connection

    def __call__(self, dashboards: Sequence[BuiltDashboard]) -> PublishReport:
        return publish(
            self.config,
            [self.org],
            connection=self.connection,
            dashboards=dashboards,
            only_uids={d.uid for d in dashboards},
        )

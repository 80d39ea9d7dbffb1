"""Publishing from ``dashgen watch``: one org, only the dashboards a rebuild produced."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from dashgen.build import BuiltDashboard
from dashgen.config import Config
from dashgen.events import PublishReport
from dashgen.publish import Connection, OrgSession


class OrgPublisher:
    """Sends rebuilt dashboards through the same publisher as ``dashgen publish``.

    Holds one ``OrgSession`` for the life of the watch: the token, the pooled client and
    the org check once, each folder ensured once; a save then costs only its dashboards'
    own requests. Close it (or use it as a context manager) when the watch stops.
    """

    def __init__(
        self, config: Config, org: str, connection: Connection, *, force: bool = False
    ) -> None:
        self.config = config
        self.org = org
        self.connection = connection
        self.session = OrgSession(config, org, connection=connection, force=force)
        # Safety net for callers that never close: the client's connections go with us.
        self._finalizer = weakref.finalize(self, self.session.close)

    def __call__(self, dashboards: Sequence[BuiltDashboard]) -> PublishReport:
        return self.session.publish([d for d in dashboards if d.org == self.org])

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> OrgPublisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

"""What an ``OrgSession`` learns about its Grafana itself: the version (logged) and the
``min_refresh_interval`` every comparison applies (grafana-api.md §14.1), read once per
session: on classic with the first reads of its first batch (``dashgen.publish.prefetch``),
on /apis when first needed (an unchanged republish never needs it)."""

from __future__ import annotations

import logging
import threading

from dashgen.grafana.backend import DashboardBackend
from dashgen.model.normalize import DEFAULT_MIN_REFRESH_INTERVAL
from dashgen.publish.prefetch import Prefetch

logger = logging.getLogger("dashgen.publish.session")


class ServerFacts:
    backend: DashboardBackend | None
    prefetch: Prefetch
    _min_refresh_interval: str | None
    _server_version: str | None
    _learning: threading.Lock  # one read of the server at a time

    @property
    def min_refresh_interval(self) -> str:
        if self._min_refresh_interval is None:
            if self.backend is None:
                return DEFAULT_MIN_REFRESH_INTERVAL
            self._learn_server()
        assert self._min_refresh_interval is not None
        return self._min_refresh_interval

    @property
    def server_version(self) -> str | None:
        """e.g. "12.0.0"; None before open, or when Grafana does not say."""
        if self._min_refresh_interval is None and self.backend is not None:
            self._learn_server()
        return self._server_version

    def lazy_min_refresh_interval(self) -> str:
        return self.min_refresh_interval

    def needs_server_info(self) -> bool:
        """Not read yet in this session (classic fetches it with a batch's first reads)."""
        return self._min_refresh_interval is None and self.backend is not None

    def learn_server(self) -> None:
        """Read the server's settings now, if not read yet (``min_refresh_interval``)."""
        if self.needs_server_info():
            self._learn_server()

    def _learn_server(self) -> None:
        """The server's version and ``min_refresh_interval`` (one request, never fails:
        usually fetched with the batch's other first reads, ``dashgen.publish.prefetch``).
        Dashboards that need it at once (/apis asks when first needed) wait for one read."""
        with self._learning:
            if self._min_refresh_interval is None:
                self._read_server()

    def _read_server(self) -> None:
        assert self.backend is not None
        info = self.prefetch.take("server", self.backend.server_info)
        self._server_version = info.version
        self._min_refresh_interval = DEFAULT_MIN_REFRESH_INTERVAL
        if info.min_refresh_interval is not None:
            self._min_refresh_interval = info.min_refresh_interval
        else:
            logger.warning(
                "Grafana at %s does not say its min_refresh_interval; assuming Grafana's "
                "default %s (a dashboard refreshing more often is stored with that refresh)",
                self.backend.display_url,
                DEFAULT_MIN_REFRESH_INTERVAL,
            )

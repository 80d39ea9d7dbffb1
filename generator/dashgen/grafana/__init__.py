"""Everything that talks HTTP to Grafana. Nothing above this package sees httpx.

- ``client``: the one HTTP client (auth, TLS, retries, typed errors) and ``Connection``;
- ``admin``: orgs, users, service accounts, API keys;
- ``server``: what a Grafana says about itself (version, ``min_refresh_interval``);
- ``classic``: everything specific to the classic dashboard API (``/api/dashboards/db``,
  versions, folders, search), behind ``ClassicDashboards``.
"""

from dashgen.grafana.client import Connection, GrafanaClient, RetryPolicy

__all__ = ["Connection", "GrafanaClient", "RetryPolicy"]

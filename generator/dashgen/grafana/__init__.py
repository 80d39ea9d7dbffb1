"""Everything that talks HTTP to Grafana. Nothing above this package sees httpx."""

from dashgen.grafana.client import GrafanaClient, RetryPolicy

__all__ = ["GrafanaClient", "RetryPolicy"]

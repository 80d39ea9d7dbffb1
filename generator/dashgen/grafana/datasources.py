"""An org's datasources (``GET /api/datasources``, grafana-api.md §14.12).

Org-scoped like every token call; a Viewer may list names and uids. The same route answers
on Grafana 13 next to ``/apis``, so both dashboard backends read datasources through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashgen.grafana.answers import Shape
from dashgen.grafana.client import GrafanaClient

DATASOURCES = Shape(
    "the datasources",
    kind="list",
    items=Shape(
        "a datasource",
        optional={"uid": str, "name": str, "type": str, "isDefault": bool},
    ),
)


@dataclass(frozen=True)
class Datasource:
    uid: str
    name: str
    type: str  # plugin id, e.g. "prometheus"
    is_default: bool = False

    def describe(self) -> str:
        return f"{self.name!r} (uid {self.uid})"


def list_datasources(client: GrafanaClient) -> list[Datasource]:
    """Every datasource of the token's org, in Grafana's order (by name)."""
    answer = client.get("/api/datasources", expect=DATASOURCES) or []
    return [
        Datasource(
            uid=str(item.get("uid") or ""),
            name=str(item.get("name") or ""),
            type=str(item.get("type") or ""),
            is_default=bool(item.get("isDefault")),
        )
        for item in answer
        if item.get("uid") or item.get("name")
    ]

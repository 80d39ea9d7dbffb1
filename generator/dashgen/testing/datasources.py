"""Data sources of an org (grafana-api.md §14.12; ``pkg/api/datasources.go``, 10.x-12.x).

Names and uids are unique per org (409 otherwise); one data source per org is the default
(adding a default one clears the flag elsewhere). Callers hold ``state.lock``.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing.dashboards import validate_uid
from dashgen.testing.model import Datasource
from dashgen.testing.state import State
from dashgen.testing.wire import message

# Core plugins: plugin id → the name Grafana shows as typeName (unknown plugins show "").
TYPE_NAMES = {
    "alertmanager": "Alertmanager",
    "cloudwatch": "CloudWatch",
    "elasticsearch": "Elasticsearch",
    "grafana-azure-monitor-datasource": "Azure Monitor",
    "grafana-postgresql-datasource": "PostgreSQL",
    "grafana-pyroscope-datasource": "Grafana Pyroscope",
    "grafana-testdata-datasource": "TestData",
    "graphite": "Graphite",
    "influxdb": "InfluxDB",
    "jaeger": "Jaeger",
    "loki": "Loki",
    "mssql": "Microsoft SQL Server",
    "mysql": "MySQL",
    "postgres": "PostgreSQL",
    "prometheus": "Prometheus",
    "stackdriver": "Google Cloud Monitoring",
    "tempo": "Tempo",
    "zipkin": "Zipkin",
}
GENERIC_LOGO = "public/img/icn-datasource.svg"


def create(
    state: State,
    org_id: int,
    name: str,
    plugin_type: str,
    *,
    uid: str | None = None,
    access: str = "proxy",
    url: str = "",
    user: str = "",
    database: str = "",
    basic_auth: bool = False,
    basic_auth_user: str = "",
    with_credentials: bool = False,
    is_default: bool = False,
    json_data: dict[str, Any] | None = None,
    secure_fields: tuple[str, ...] = (),
    read_only: bool = False,
) -> Datasource:
    in_org = [ds for ds in state.datasources.values() if ds.org_id == org_id]
    if any(ds.name == name for ds in in_org):
        raise message(409, "data source with the same name already exists")
    if uid:
        validate_uid(uid)
        if any(ds.uid == uid for ds in in_org):
            raise message(409, "data source with the same uid already exists")
    if is_default:
        for other in in_org:
            other.is_default = False
    datasource = Datasource(
        id=state.next_datasource_id(),
        uid=uid or state.new_uid(),
        org_id=org_id,
        name=name,
        type=plugin_type,
        access=access or "proxy",
        url=url,
        user=user,
        database=database,
        basic_auth=basic_auth,
        basic_auth_user=basic_auth_user,
        with_credentials=with_credentials,
        is_default=is_default,
        json_data=dict(json_data or {}),
        secure_json_fields=dict.fromkeys(secure_fields, True),
        read_only=read_only,
    )
    state.datasources[datasource.id] = datasource
    return datasource


def in_org(state: State, org_id: int) -> list[Datasource]:
    """The org's data sources, sorted by name case-insensitively (``DataSourceList``)."""
    found = [ds for ds in state.datasources.values() if ds.org_id == org_id]
    return sorted(found, key=lambda ds: ds.name.lower())


def list_item(ds: Datasource) -> dict[str, Any]:
    """``DataSourceListItemDTO``."""
    return {
        "id": ds.id,
        "uid": ds.uid,
        "orgId": ds.org_id,
        "name": ds.name,
        "type": ds.type,
        "typeName": TYPE_NAMES.get(ds.type, ""),
        "typeLogoUrl": _logo(ds.type),
        "access": ds.access,
        "url": ds.url,
        "user": ds.user,
        "database": ds.database,
        "basicAuth": ds.basic_auth,
        "isDefault": ds.is_default,
        "jsonData": dict(ds.json_data),
        "readOnly": ds.read_only,
    }


def full(ds: Datasource) -> dict[str, Any]:
    """``dtos.DataSource`` (secure fields only say which are set, never their values)."""
    return {
        "id": ds.id,
        "uid": ds.uid,
        "orgId": ds.org_id,
        "name": ds.name,
        "type": ds.type,
        "typeLogoUrl": _logo(ds.type),
        "access": ds.access,
        "url": ds.url,
        "user": ds.user,
        "database": ds.database,
        "basicAuth": ds.basic_auth,
        "basicAuthUser": ds.basic_auth_user,
        "withCredentials": ds.with_credentials,
        "isDefault": ds.is_default,
        "jsonData": dict(ds.json_data),
        "secureJsonFields": dict(ds.secure_json_fields),
        "version": ds.version,
        "readOnly": ds.read_only,
        "apiVersion": "",
    }


def _logo(plugin_type: str) -> str:
    if plugin_type in TYPE_NAMES:
        return f"public/app/plugins/datasource/{plugin_type}/img/logo.svg"
    return GENERIC_LOGO

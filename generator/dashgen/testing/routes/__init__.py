"""The emulator's routes, one module per API area; ``all_routes`` lists them for a profile."""

from __future__ import annotations

from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.router import Route
from dashgen.testing.routes import (
    accounts,
    admin_users,
    apis_dashboards,
    apis_discovery,
    apis_folders,
    dashboards,
    datasources,
    folders,
    imports,
    library,
    orgs,
    permissions,
    search,
    site,
    users,
    versions,
)


def all_routes(profile: GrafanaProfile) -> tuple[Route, ...]:
    routes = (
        site.ROUTES
        + orgs.ROUTES
        + users.ROUTES
        + admin_users.ROUTES
        + accounts.ROUTES
        + dashboards.ROUTES
        + permissions.ROUTES
        + versions.ROUTES
        + imports.ROUTES
        + folders.ROUTES
        + search.ROUTES
        + library.ROUTES
        + datasources.ROUTES
    )
    if profile.api_key_routes:
        routes = routes + accounts.API_KEY_ROUTES
    if profile.id_routes:
        routes = routes + versions.ID_ROUTES + datasources.ID_ROUTES + folders.ID_ROUTES
    if profile.serves_apis:  # grafana-apis.md §1: 11.2 answers /apis with 404
        routes = routes + apis_dashboards.ROUTES + apis_folders.ROUTES + apis_discovery.ROUTES
    return tuple(routes)

"""The emulator's routes, one module per API area; ``all_routes`` lists them for a profile."""

from __future__ import annotations

from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.router import Route
from dashgen.testing.routes import (
    accounts,
    dashboards,
    folders,
    imports,
    library,
    orgs,
    search,
    versions,
)


def all_routes(profile: GrafanaProfile) -> tuple[Route, ...]:
    routes = (
        orgs.ROUTES
        + accounts.ROUTES
        + dashboards.ROUTES
        + versions.ROUTES
        + imports.ROUTES
        + folders.ROUTES
        + search.ROUTES
        + library.ROUTES
    )
    if profile.id_routes:
        routes = routes + versions.ID_ROUTES
    return routes

"""What clients call first (grafana-api.md §14.12): ``/api/health``, ``/api/frontend/settings``,
and the HTML index page Grafana's single-page app answers outside ``/api``."""

from __future__ import annotations

import json
from typing import Any

from dashgen.testing import datasources
from dashgen.testing.model import Datasource
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response

COMMIT = "emulator"
EDITION = "Open Source"
HTML_TYPE = "text/html; charset=UTF-8"


def health(ctx: Context) -> Response:
    """``apiHealthHandler``: no authentication, a pretty-printed body (``EncodePretty``)."""
    body = {"commit": COMMIT, "database": "ok", "version": ctx.profile.build_version}
    text = json.dumps(body, indent=2, sort_keys=True)
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    return Response(200, raw=text.encode(), headers=headers)


def build_info(ctx: Context) -> dict[str, Any]:
    version = ctx.profile.build_version
    return {
        "hideVersion": False,
        "version": version,
        "versionString": f"Grafana v{version} ({COMMIT})",
        "commit": COMMIT,
        "commitShort": COMMIT,
        "buildstamp": 0,
        "edition": EDITION,
        "latestVersion": "",
        "hasUpdate": False,
        "env": "production",
    }


def _frontend_datasource(ds: Datasource) -> dict[str, Any]:
    return {
        "type": ds.type,
        "name": ds.name,
        "uid": ds.uid,
        "id": ds.id,
        "url": f"/api/datasources/proxy/uid/{ds.uid}",
        "isDefault": ds.is_default,
        "access": ds.access,
        "meta": {"id": ds.type, "name": datasources.TYPE_NAMES.get(ds.type, ds.type)},
        "jsonData": dict(ds.json_data),
        "readOnly": ds.read_only,
    }


def frontend_settings(ctx: Context) -> Response:
    """``GET /api/frontend/settings`` (any signed-in identity): a subset of Grafana's answer,
    with ``buildInfo`` and the server's ``minRefreshInterval``."""
    found = datasources.in_org(ctx.state, ctx.caller.org_id)
    default = next((ds.name for ds in found if ds.is_default), "-- Grafana --")
    host = ctx.request.header("Host") or "localhost:3000"
    settings = {
        "appUrl": f"http://{host}/",
        "appSubUrl": "",
        "buildInfo": build_info(ctx),
        "minRefreshInterval": ctx.state.min_refresh_interval,
        "datasources": {ds.name: _frontend_datasource(ds) for ds in found},
        "defaultDatasource": default,
        "allowOrgCreate": False,
        "anonymousEnabled": False,
        "authProxyEnabled": False,
        "disableLoginForm": False,
        "featureToggles": {"nestedFolders": ctx.profile.nested_folders},
        "licenseInfo": {"expiry": 0, "stateInfo": "", "edition": EDITION, "enabledFeatures": {}},
        "unifiedAlertingEnabled": True,
    }
    return Response(200, settings)


def index_page(ctx: Context, status: int) -> Response:
    """The single-page app's index.html, as Grafana answers any path outside ``/api``."""
    boot = {"settings": {"appSubUrl": "", "buildInfo": build_info(ctx)}, "user": {}}
    text = (
        '<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8" />\n'
        '    <title>Grafana</title>\n    <base href="/" />\n  </head>\n'
        '  <body class="theme-dark app-grafana">\n    <div id="reactRoot"></div>\n'
        f"    <script>window.grafanaBootData = {json.dumps(boot)};</script>\n"
        "  </body>\n</html>\n"
    )
    return Response(status, raw=text.encode(), headers={"Content-Type": HTML_TYPE})


ROUTES = [
    Route("GET", "/api/health", health, public=True),
    Route("GET", "/api/frontend/settings", frontend_settings),
]

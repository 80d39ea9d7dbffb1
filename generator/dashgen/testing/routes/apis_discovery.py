"""``GET /apis``, ``/apis/<group>``, ``/apis/<group>/<version>`` (grafana-apis.md §1.1, §1.2).

The groups are ``dashboard.grafana.app`` and ``folder.grafana.app`` with the versions the
profile serves, the first being the preferred one; other App Platform groups are not
emulated. Resource lists name only what the emulator implements (the real lists also have
``librarypanels``, ``search``, ``dashboards/history``…, UNCONFIRMED per version), with the
verbs it implements (``patch`` too, ``apis_patch``; no ``watch``, ``deletecollection``).
Discovery needs an authenticated caller (k8s: ``system:authenticated``). The profile's
``apis_failure`` "denied" and "unregistered" answer the dashboards resource with a 403 or
404 while discovery still lists the group.

Two 404s, as kube-apiserver answers them (measured on a kind cluster, v1.36: a group no
cluster has and an unserved version of a served group give the bare text, an unknown
resource in a served version a Status with empty ``details``; UNCONFIRMED through Grafana's
HTTP server, which hands ``/apis`` to the same k8s handler chain): a group or version this
Grafana does not serve is Go's ``http.NotFound`` (``404 page not found``, text/plain, from
the apiserver's not-found handler); any other unknown path inside a served group version is
go-restful's 404 through the apiserver's ``serviceErrorHandler``,
``NewGenericServerResponse(404, …)``: ``the server could not find the requested resource``
with ``"details": {}``.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing import apis_access, k8s_status
from dashgen.testing.apis_objects import DASHBOARD_GROUP, FOLDER_GROUP
from dashgen.testing.k8s_status import Kind
from dashgen.testing.profiles import GrafanaProfile
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import ApiError, Response

VERBS = ["create", "delete", "get", "list", "patch", "update"]


def group_versions(profile: GrafanaProfile, group: str) -> tuple[str, ...]:
    if group == DASHBOARD_GROUP:
        return profile.apis_dashboard_versions
    if group == FOLDER_GROUP:
        return profile.apis_folder_versions
    return ()


def _group(profile: GrafanaProfile, group: str) -> dict[str, Any]:
    versions = [
        {"groupVersion": f"{group}/{version}", "version": version}
        for version in group_versions(profile, group)
    ]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def not_found() -> ApiError:
    """An unknown resource (or sub-path) of a served group version."""
    return k8s_status.status_error(
        404, "NotFound", "the server could not find the requested resource", {}
    )


def page_not_found() -> ApiError:
    """A group or group version not served: ``http.NotFound``, not a Status."""
    error = ApiError(404, None)
    error.response = Response(
        404,
        raw=b"404 page not found\n",
        headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"},
    )
    return error


def method_not_allowed() -> ApiError:
    """A served path asked with a method it has no route for (go-restful's 405)."""
    return k8s_status.status_error(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        {},
    )


def unknown_path(profile: GrafanaProfile, path: str, other_method: bool) -> ApiError:
    """The answer to a path under ``/apis`` that no route serves with this method;
    ``other_method``: a route serves the path with another method."""
    parts = path.split("/")  # "", "apis", group, version, …
    if len(parts) >= 4 and parts[3] in group_versions(profile, parts[2]):
        return method_not_allowed() if other_method else not_found()
    return page_not_found()


def enter_served(
    ctx: Context, group: str, kind: Kind, verb: str, name: str | None
) -> tuple[apis_access.Caller, str]:
    """The caller in the path's namespace and the path's version of ``group``; a version this
    Grafana does not serve is an unknown resource (404) to any authenticated caller."""
    version = ctx.params["version"]
    if version not in group_versions(ctx.profile, group):
        apis_access.identify(ctx)
        raise page_not_found()
    if group == DASHBOARD_GROUP and ctx.profile.apis_failure == "unregistered":
        apis_access.identify(ctx)
        raise not_found()
    caller = apis_access.enter_namespace(ctx, kind, verb, name, ctx.params["namespace"])
    if group == DASHBOARD_GROUP and ctx.profile.apis_failure == "denied":
        raise k8s_status.denied(kind, name, caller.login, verb, caller.namespace, "")
    return caller, version


def list_groups(ctx: Context) -> Response:
    apis_access.identify(ctx)
    groups = [_group(ctx.profile, g) for g in (DASHBOARD_GROUP, FOLDER_GROUP)]
    return Response(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})


def get_group(ctx: Context) -> Response:
    apis_access.identify(ctx)
    group = ctx.params["group"]
    if not group_versions(ctx.profile, group):
        raise page_not_found()
    return Response(200, {"kind": "APIGroup", "apiVersion": "v1", **_group(ctx.profile, group)})


def _resource(name: str, kind: str, verbs: list[str]) -> dict[str, Any]:
    singular = "" if "/" in name else kind.lower()
    return {
        "name": name,
        "singularName": singular,
        "namespaced": True,
        "kind": kind,
        "verbs": verbs,
    }


def get_version(ctx: Context) -> Response:
    apis_access.identify(ctx)
    group, version = ctx.params["group"], ctx.params["version"]
    if version not in group_versions(ctx.profile, group):
        raise page_not_found()
    if group == DASHBOARD_GROUP:
        resources = [
            _resource("dashboards", "Dashboard", VERBS),
            _resource("dashboards/dto", "DashboardWithAccessInfo", ["get"]),
        ]
    else:
        resources = [_resource("folders", "Folder", VERBS)]
    body = {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}",
        "resources": resources,
    }
    return Response(200, body)


ROUTES = [
    Route("GET", "/apis", list_groups, public=True),
    Route("GET", "/apis/{group}", get_group, public=True),
    Route("GET", "/apis/{group}/{version}", get_version, public=True),
]

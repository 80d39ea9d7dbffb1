"""Data source routes, org-scoped (grafana-api.md §14.12). Any member reads them (the
contract: a Viewer can list names and uids); adding and deleting need an org Admin."""

from __future__ import annotations

from collections.abc import Callable

from dashgen.testing import datasources
from dashgen.testing.auth import require_role
from dashgen.testing.binding import ANY, BOOL, STRING, STRING_MAP, Field, bind
from dashgen.testing.model import Datasource
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response, message

# AddDataSourceCommand's JSON fields.
ADD_FIELDS = (
    Field("name", STRING, required=True),
    Field("type", STRING, required=True),
    Field("access", STRING),
    Field("url", STRING),
    Field("user", STRING),
    Field("database", STRING),
    Field("basicAuth", BOOL),
    Field("basicAuthUser", STRING),
    Field("withCredentials", BOOL),
    Field("isDefault", BOOL),
    Field("jsonData", ANY),
    Field("secureJsonData", STRING_MAP),
    Field("uid", STRING),
)


def _found(ctx: Context, wanted: Callable[[Datasource], bool]) -> Datasource:
    require_role(ctx.caller, "Viewer", "datasources:read", ctx.state)
    for ds in datasources.in_org(ctx.state, ctx.caller.org_id):
        if wanted(ds):
            return ds
    raise message(404, "Data source not found")


def _by_uid(ctx: Context) -> Datasource:
    return _found(ctx, lambda ds: ds.uid == ctx.params["uid"])


def _by_name(ctx: Context) -> Datasource:
    return _found(ctx, lambda ds: ds.name == ctx.params["name"])


def list_datasources(ctx: Context) -> Response:
    require_role(ctx.caller, "Viewer", "datasources:read", ctx.state)
    found = datasources.in_org(ctx.state, ctx.caller.org_id)
    return Response(200, [datasources.list_item(ds) for ds in found])


def get_by_uid(ctx: Context) -> Response:
    return Response(200, datasources.full(_by_uid(ctx)))


def get_by_name(ctx: Context) -> Response:
    return Response(200, datasources.full(_by_name(ctx)))


def get_by_id(ctx: Context) -> Response:
    """The deprecated id route (gone with the other id routes in 13.0)."""
    raw = ctx.params["ds_id"]
    if not raw.isdigit():
        raise message(400, "id is invalid")
    return Response(200, datasources.full(_found(ctx, lambda ds: ds.id == int(raw))))


def get_id_by_name(ctx: Context) -> Response:
    """GET /api/datasources/id/:name (``GetDataSourceIdByName``): ``{"id": N}``."""
    return Response(200, {"id": _by_name(ctx).id})


def add_datasource(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "datasources:create", ctx.state)
    body = bind(ctx.request.body, ADD_FIELDS)
    json_data = body["jsonData"] if isinstance(body["jsonData"], dict) else {}
    created = datasources.create(
        ctx.state,
        ctx.caller.org_id,
        body["name"],
        body["type"],
        uid=body["uid"] or None,
        access=body["access"],
        url=body["url"],
        user=body["user"],
        database=body["database"],
        basic_auth=body["basicAuth"],
        basic_auth_user=body["basicAuthUser"],
        with_credentials=body["withCredentials"],
        is_default=body["isDefault"],
        json_data=json_data,
        secure_fields=tuple(body["secureJsonData"] or ()),
    )
    answer = {
        "datasource": datasources.full(created),
        "id": created.id,
        "message": "Datasource added",
        "name": created.name,
    }
    return Response(200, answer)


def _delete(ctx: Context, ds: Datasource) -> Response:
    if ds.read_only:
        raise message(403, "Cannot delete read-only data source")
    del ctx.state.datasources[ds.id]
    return Response(200, {"message": "Data source deleted", "id": ds.id})


def delete_by_uid(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "datasources:delete", ctx.state)
    return _delete(ctx, _by_uid(ctx))


def delete_by_name(ctx: Context) -> Response:
    require_role(ctx.caller, "Admin", "datasources:delete", ctx.state)
    return _delete(ctx, _by_name(ctx))


def delete_by_id(ctx: Context) -> Response:
    """DELETE /api/datasources/:id (deprecated; ``DeleteDataSourceById`` answers
    ``response.Success``, a message without the id)."""
    require_role(ctx.caller, "Admin", "datasources:delete", ctx.state)
    raw = ctx.params["ds_id"]
    try:
        wanted = int(raw)
    except ValueError:
        raise message(400, "id is invalid") from None
    if wanted <= 0:
        raise message(400, "Missing valid datasource id")
    _delete(ctx, _found(ctx, lambda ds: ds.id == wanted))
    return Response(200, {"message": "Data source deleted"})


ROUTES = [
    Route("GET", "/api/datasources", list_datasources),
    Route("POST", "/api/datasources", add_datasource),
    Route("GET", "/api/datasources/uid/{uid}", get_by_uid),
    Route("DELETE", "/api/datasources/uid/{uid}", delete_by_uid),
    Route("GET", "/api/datasources/name/{name}", get_by_name),
    Route("DELETE", "/api/datasources/name/{name}", delete_by_name),
    Route("GET", "/api/datasources/id/{name}", get_id_by_name),
]
ID_ROUTES = [
    Route("GET", "/api/datasources/{ds_id}", get_by_id),
    Route("DELETE", "/api/datasources/{ds_id}", delete_by_id),
]

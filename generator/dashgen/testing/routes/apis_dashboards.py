"""``/apis/dashboard.grafana.app/<v>/namespaces/<ns>/dashboards[/<name>[/dto]]``
(grafana-apis.md §3, §4, §6, §7.1).

GET one (``?resourceVersion=`` reads a saved version: the current one, any version's, or
``0`` for "any"; another is 404), LIST (selectors, paging, history), POST, PUT, DELETE and
``dryRun``; the rules are in ``apis_writes``, ``apis_lists`` and ``apis_objects``.
"""

from __future__ import annotations

from typing import Any

from dashgen.testing import (
    apis_access,
    apis_delete,
    apis_lists,
    apis_objects,
    apis_partial,
    apis_patch,
    apis_table,
    apis_validate,
    apis_writes,
    gojson,
    permissions,
)
from dashgen.testing.apis_access import Caller
from dashgen.testing.apis_table import DASHBOARD_COLUMNS, dashboard_cells
from dashgen.testing.apis_writes import Write
from dashgen.testing.k8s_meta import INTERNAL_ID_LABEL
from dashgen.testing.k8s_status import (
    DASHBOARD_KIND,
    already_exists,
    bad_request,
    not_found,
    status_error,
)
from dashgen.testing.model import Dashboard, VersionRecord
from dashgen.testing.router import Context, Route
from dashgen.testing.routes.apis_discovery import enter_served
from dashgen.testing.wire import Response

BASE = "/apis/dashboard.grafana.app/{version}/namespaces/{namespace}/dashboards"


def _enter(ctx: Context, verb: str, name: str | None = None) -> tuple[Caller, str]:
    caller, version = enter_served(ctx, apis_objects.DASHBOARD_GROUP, DASHBOARD_KIND, verb, name)
    if version == "v2" and ctx.profile.apis_v2_unregistered:
        raise status_error(
            500,
            "InternalError",
            'no kind "Dashboard" is registered for version "dashboard.grafana.app/v2" in '
            'scheme "pkg/runtime/scheme.go:110"',
        )
    return caller, version


def _render(ctx: Context, caller: Caller, dashboard: Dashboard, version: str) -> dict[str, Any]:
    return apis_objects.dashboard_object(ctx.state, dashboard, version, caller.namespace)


def _written(
    ctx: Context, caller: Caller, dashboard: Dashboard, write: apis_writes.Write, status: int
) -> Response:
    """A write's answer. A stored write's bytes come from, and fill, the per-revision
    encoding a LIST serves (the same bytes ``_render`` would give): the LIST after a batch
    of writes then encodes nothing again. A dry run's object is not stored: no cache."""
    body = _render(ctx, caller, dashboard, write.version)
    if write.dry_run:
        return Response(status, body)
    raw = apis_objects.encoded_dashboard(ctx.state, dashboard, write.version, caller.namespace)
    return Response(status, body, headers={"Content-Type": "application/json"}, raw=raw)


def _readable(ctx: Context, caller: Caller, name: str, verb: str = "get") -> Dashboard:
    apis_access.require_member(ctx, caller, DASHBOARD_KIND, verb)
    dashboard = ctx.state.dashboard(caller.org_id, name)
    if dashboard is None:
        raise not_found(DASHBOARD_KIND, name)
    level = permissions.dashboard_level(ctx.state, caller.identity, dashboard)
    if level < permissions.VIEW:
        raise apis_access.deny(caller, DASHBOARD_KIND, verb, name)
    return dashboard


def get_dashboard(ctx: Context) -> Response:
    name = ctx.params["name"]
    caller, version = _enter(ctx, "get", name)
    target = apis_partial.negotiated(ctx.request.header("Accept"), ctx.profile.apis_metadata_lists)
    dashboard = _readable(ctx, caller, name)
    wanted = ctx.request.arg("resourceVersion") or ""
    body = None
    if wanted in ("", "0", dashboard.k8s.resource_version):
        body = _render(ctx, caller, dashboard, version)
    for record in dashboard.versions if body is None else ():
        if record.resource_version == wanted:
            body = apis_objects.history_object(dashboard, record, version, caller.namespace)
            break
    if body is None:
        raise not_found(DASHBOARD_KIND, name)
    if target.full:
        return Response(200, body)
    return apis_table.answer_object(
        ctx.request, target, body, DASHBOARD_COLUMNS, dashboard_cells, f"*{version}.Dashboard"
    )


def get_dto(ctx: Context) -> Response:
    """``DashboardWithAccessInfo``: the object plus ``access`` (§4.1)."""
    name = ctx.params["name"]
    caller, version = _enter(ctx, "get", name)
    dashboard = _readable(ctx, caller, name)
    level = permissions.dashboard_level(ctx.state, caller.identity, dashboard)
    can_edit = level >= permissions.EDIT
    body = _render(ctx, caller, dashboard, version)
    body["access"] = {
        "slug": dashboard.slug,
        "url": dashboard.url,
        "isPublic": False,
        "canSave": can_edit,
        "canEdit": can_edit,
        "canAdmin": level >= permissions.ADMIN,
        "canStar": True,
        "canDelete": can_edit,
        "annotationsPermissions": {
            "dashboard": {"canAdd": can_edit, "canEdit": can_edit, "canDelete": can_edit},
            "organization": {"canAdd": can_edit, "canEdit": can_edit, "canDelete": can_edit},
        },
    }
    return Response(200, body)


def list_dashboards(ctx: Context) -> Response:
    caller, version = _enter(ctx, "list")
    apis_access.require_member(ctx, caller, DASHBOARD_KIND, "list")
    served = apis_partial.negotiated(ctx.request.header("Accept"), ctx.profile.apis_metadata_lists)
    go_type = f"*{version}.DashboardList"
    labels = apis_lists.parse_labels(ctx.request.arg("labelSelector") or "")
    fields = apis_lists.parse_fields(ctx.request.arg("fieldSelector") or "")
    apis_lists.validate_options(ctx.request)
    size = apis_lists.limit(ctx.request.arg("limit"))
    token = ctx.request.arg("continue")
    visible = sorted(
        (
            d
            for d in ctx.state.dashboards.values()
            if d.org_id == caller.org_id
            and permissions.dashboard_level(ctx.state, caller.identity, d) >= permissions.VIEW
        ),
        key=lambda d: d.uid,
    )
    current_rv = ctx.state.current_resource_version()
    if any(r.key == apis_lists.HISTORY_LABEL for r in labels):
        dashboard, records = _history(labels, fields, visible)
        shown_of: dict[int, dict[str, Any]] = {}  # (built once: weighed, then answered)

        def weigh(record: VersionRecord) -> int:
            assert dashboard is not None  # (records is empty without it)
            built = apis_objects.history_object(dashboard, record, version, caller.namespace)
            shown_of[id(record)] = built
            return len(gojson.dumps(built))

        page, metadata = apis_lists.page(records, size, token, current_rv, weigh)
        shown = [shown_of[id(r)] for r in page]
    else:
        chosen = [
            d
            for d in visible
            if apis_lists.matches(labels, _labels(d))
            and apis_lists.matches(fields, _fields(caller, d))
        ]
        page_of, metadata = apis_lists.page(
            chosen,
            size,
            token,
            current_rv,
            lambda d: len(apis_objects.encoded_dashboard(ctx.state, d, version, caller.namespace)),
        )
        if served.kind == apis_partial.PARTIAL_LIST:  # metadata only (apis_partial)
            partial = [apis_objects.encoded_metadata(d, version, caller.namespace) for d in page_of]
            return apis_partial.partial_list(served.version, metadata, partial)
        if not served.full:
            return apis_table.answer_list(
                ctx.request,
                served,
                lambda: [_render(ctx, caller, d, version) for d in page_of],
                metadata,
                DASHBOARD_COLUMNS,
                dashboard_cells,
                go_type,
            )
        # Only the page is built, each item from its encoding cached per revision.
        encoded = [
            apis_objects.encoded_dashboard(ctx.state, d, version, caller.namespace) for d in page_of
        ]
        return _list_answer(version, metadata, encoded)
    transformed = apis_table.transformed_list(
        ctx.request, served, shown, metadata, DASHBOARD_COLUMNS, dashboard_cells, go_type
    )
    if transformed is not None:
        return transformed
    return _list_answer(version, metadata, [gojson.dumps(item) for item in shown])


def _list_answer(version: str, metadata: dict[str, Any], items: list[bytes]) -> Response:
    """A DashboardList, assembled from its items' encodings (a page is ~9 MB)."""
    head = gojson.dumps(
        {"kind": "DashboardList", "apiVersion": f"{apis_objects.DASHBOARD_GROUP}/{version}"}
    )
    raw = b"".join(
        (head[:-1], b',"metadata":', gojson.dumps(metadata), b',"items":[', b",".join(items), b"]}")
    )
    return Response(200, headers={"Content-Type": "application/json"}, raw=raw)


def _labels(dashboard: Dashboard) -> dict[str, str]:
    return {INTERNAL_ID_LABEL: str(dashboard.id), **dashboard.k8s.labels}


def _fields(caller: Caller, dashboard: Dashboard) -> dict[str, str]:
    return {"metadata.name": dashboard.uid, "metadata.namespace": caller.namespace}


def _history(
    labels: list[apis_lists.Requirement],
    fields: list[apis_lists.Requirement],
    visible: list[Dashboard],
) -> tuple[Dashboard | None, list[VersionRecord]]:
    """``labelSelector=grafana.app/get-history=true&fieldSelector=metadata.name=<name>`` (§6)."""
    history = [r for r in labels if r.key == apis_lists.HISTORY_LABEL]
    if len(labels) != 1 or history[0].operator != "=" or history[0].values != ("true",):
        raise bad_request("invalid history label selector: expected grafana.app/get-history=true")
    names = [f for f in fields if f.key == "metadata.name" and f.operator == "="]
    if len(names) != 1:
        raise bad_request("history requires a fieldSelector on metadata.name")
    name = names[0].values[0]
    dashboard = next((d for d in visible if d.uid == name), None)
    if dashboard is None:
        return None, []
    return dashboard, sorted(dashboard.versions, key=lambda r: r.version, reverse=True)


def _write(ctx: Context, caller: Caller, version: str, options_kind: str) -> Write:
    dry_run, strict = apis_validate.options(ctx, options_kind)
    return Write(caller=caller, version=version, dry_run=dry_run, strict=strict)


def post_dashboard(ctx: Context) -> Response:
    caller, version = _enter(ctx, "create")
    apis_writes.check_can_write(ctx, caller, None, "create")
    write = _write(ctx, caller, version, "CreateOptions")
    written = apis_validate.read_body(
        ctx, DASHBOARD_KIND, version, ctx.profile, strict=write.strict
    )
    apis_validate.check_namespace_matches(written, caller.namespace)
    name = apis_validate.assign_name(ctx, written, DASHBOARD_KIND)
    if ctx.state.dashboard(caller.org_id, name) is not None:
        apis_validate.validate_basic(ctx.profile, name, written, ctx.state.min_refresh_interval)
        raise already_exists(DASHBOARD_KIND, name)
    created = apis_writes.create(ctx, write, written, name)
    return _written(ctx, caller, created, write, 201)


def put_dashboard(ctx: Context) -> Response:
    name = ctx.params["name"]
    caller, version = _enter(ctx, "update", name)
    existing = ctx.state.dashboard(caller.org_id, name)
    apis_writes.check_can_write(ctx, caller, existing, "update" if existing else "create")
    write = _write(ctx, caller, version, "UpdateOptions")
    written = apis_validate.read_body(
        ctx, DASHBOARD_KIND, version, ctx.profile, strict=write.strict
    )
    apis_validate.check_name_matches(written, name)
    apis_validate.check_namespace_matches(written, caller.namespace)
    if existing is None:
        if written.resource_version:
            raise not_found(DASHBOARD_KIND, name)
        created = apis_writes.create(ctx, write, written, name)
        return _written(ctx, caller, created, write, 201)
    updated = apis_writes.update(ctx, write, written, existing)
    return _written(ctx, caller, updated, write, 200)


def delete_dashboard(ctx: Context) -> Response:
    name = ctx.params["name"]
    caller, version = _enter(ctx, "delete", name)
    apis_access.require_member(ctx, caller, DASHBOARD_KIND, "delete")
    existing = ctx.state.dashboard(caller.org_id, name)
    if existing is None:
        raise not_found(DASHBOARD_KIND, name)
    apis_writes.check_can_write(ctx, caller, existing, "delete")
    options = apis_delete.read(ctx)
    body = _render(ctx, caller, existing, version)
    meta = body["metadata"]
    apis_delete.check_preconditions(
        options, DASHBOARD_KIND, name, meta["uid"], meta["resourceVersion"]
    )
    apis_writes.delete(ctx, options, existing)
    return Response(200, body)


def patch_dashboard(ctx: Context) -> Response:
    """PATCH (``apis_patch``): the patched object is PUT."""
    name = ctx.params["name"]
    caller, version = _enter(ctx, "patch", name)
    kind = apis_patch.patch_type(ctx)
    existing = _readable(ctx, caller, name, "patch")
    apis_writes.check_can_write(ctx, caller, existing, "patch")
    current = _render(ctx, caller, existing, version)
    return apis_patch.through_put(ctx, kind, current, put_dashboard)


ROUTES = [
    Route("GET", BASE, list_dashboards, public=True),
    Route("POST", BASE, post_dashboard, public=True),
    Route("GET", BASE + "/{name}", get_dashboard, public=True),
    Route("GET", BASE + "/{name}/dto", get_dto, public=True),
    Route("PUT", BASE + "/{name}", put_dashboard, public=True),
    Route("PATCH", BASE + "/{name}", patch_dashboard, public=True),
    Route("DELETE", BASE + "/{name}", delete_dashboard, public=True),
]

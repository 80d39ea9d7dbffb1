"""GET /api/library-elements/:uid (Grafana's library element API; see testing/library.py)."""

from __future__ import annotations

from dashgen.testing import library
from dashgen.testing.auth import require_role
from dashgen.testing.router import Context, Route
from dashgen.testing.wire import Response


def get_element(ctx: Context) -> Response:
    require_role(ctx.caller, "Viewer", "library.panels:read", ctx.state)
    element = library.get(ctx.state, ctx.caller.org_id, ctx.params["uid"])
    folder = ctx.state.folder(element.org_id, element.folder_uid or "")
    dto = element.dto(folder.title if folder else None, folder.id if folder else 0)
    return Response(200, {"result": dto})


ROUTES = [Route("GET", "/api/library-elements/{uid}", get_element)]

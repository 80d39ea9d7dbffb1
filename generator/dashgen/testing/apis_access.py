"""Who may do what on ``/apis``: authentication, namespaces and the authorizer (grafana-apis.md §2).

Authentication is the classic one (same tokens, same org selection, grafana-api.md §1); its
errors are answered in the classic JSON (§2.2 leaves the 401 body UNCONFIRMED; Grafana
registers /apis behind ``middleware.ReqSignedIn``, which answers before the k8s handler).
The namespace authorizer then compares the URL's namespace with the request's org:

- ``ParseNamespace`` as authlib ``types/namespace.go`` @46898fbc has it: ``default`` is org 1,
  ``org-<n>`` org n (n > 1, Go's ``ParseInt``: a sign and leading zeros pass, int64 range);
  ``org-1``, ``org-0``, ``org-abc``, ``org-`` answer 500 text/plain (``Internal Server
  Error: "<uri>": use default rather than org-1``, else ``invalid org id``); ``stacks-<n>``
  is org 1 of stack n, so on-prem's ``invalid namespace`` 403 (UNCONFIRMED), and a
  ``stacks-`` without a positive int64 the 500 ``invalid stack id``. Any other name
  (``foo``, ``Default``, the deprecated ``stack-<n>``) parses to org -1 without an error
  ("we can't return errors"), so the namespace authorizer denies it: 403 ``invalid org``.
- Another org's namespace is the 403 ``… in the namespace "org-M": invalid org``; the
  request's org written another way (``org-02``, ``org-+2``) is ``NamespaceMatches``'s 403
  ``invalid namespace``.
- A Grafana server admin is not blocked by the namespace check (§2.2); the emulator then
  serves the namespace's org with the admin's own role in that org (none: 403). The real
  outcome is UNCONFIRMED.

Per-resource permissions reuse the classic model (``permissions``): reading needs View on
the dashboard, writing Edit (creating: Edit somewhere, then on the target folder). Their
denials are the k8s Forbidden of §0 without an authorizer reason (UNCONFIRMED wording).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from dashgen.testing import k8s_status, permissions
from dashgen.testing.auth import Identity, authenticate
from dashgen.testing.k8s_status import Kind
from dashgen.testing.router import Context
from dashgen.testing.wire import ApiError

_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = 2**63 - 1
NO_ORG = -1  # ParseNamespace's OrgID for a namespace that names no org


def namespace_for(org_id: int) -> str:
    """authlib's ``OrgNamespaceFormatter``."""
    return "default" if org_id == 1 else f"org-{org_id}"


def _uri(ctx: Context) -> str:
    return ctx.request.uri()


def _go_int64(raw: str) -> int | None:
    """``strconv.ParseInt(raw, 10, 64)``, None for its errors."""
    if not _GO_INT.fullmatch(raw) or not -_INT64_MAX - 1 <= int(raw) <= _INT64_MAX:
        return None
    return int(raw)


def parse_namespace(ctx: Context, namespace: str) -> int | None:
    """The org of ``namespace`` (None: a stack namespace, ``NO_ORG``: none); raises the 500s
    of §2.2 for ParseNamespace's errors."""
    if namespace == "default":
        return 1
    if namespace.startswith("org-"):
        number = _go_int64(namespace.removeprefix("org-"))
        if number is None or number < 1:
            raise k8s_status.internal_error_text(_uri(ctx), "invalid org id")
        if number == 1:
            raise k8s_status.internal_error_text(_uri(ctx), "use default rather than org-1")
        return number
    if namespace.startswith("stacks-"):
        stack = _go_int64(namespace.removeprefix("stacks-"))
        if stack is None or stack < 1:
            raise k8s_status.internal_error_text(_uri(ctx), "invalid stack id")
        return None
    return NO_ORG


@dataclass(frozen=True)
class Caller:
    """The identity a request acts as, already placed in the namespace's org."""

    identity: Identity
    org_id: int
    namespace: str

    @property
    def login(self) -> str:
        return self.identity.login


def identify(ctx: Context) -> Identity:
    """The request's identity (the log records it). A context that already has one
    (seeding, ``apis_seeding``) keeps it. Its errors are Grafana's classic JSON, not a
    Status: /apis is a route group of Grafana's web server behind ``ReqSignedIn``
    (pkg/services/apiserver/service.go), whose 401 is written before the k8s handler runs."""
    if ctx.identity is None:
        ctx.identity = authenticate(ctx.request, ctx.state, ctx.profile)
    return ctx.identity


def enter_namespace(
    ctx: Context, kind: Kind, verb: str, name: str | None, namespace: str
) -> Caller:
    """Authenticate, then the namespace authorizer (§2.2)."""
    identity = identify(ctx)
    org_id = parse_namespace(ctx, namespace)
    if org_id is None:
        raise k8s_status.denied(kind, name, identity.login, verb, namespace, "invalid namespace")
    admin = identity.is_user and identity.is_server_admin
    if org_id != identity.org_id:
        if not admin:
            raise k8s_status.denied(kind, name, identity.login, verb, namespace, "invalid org")
        role = ctx.state.role_in(org_id, identity.id) if org_id != NO_ORG else None
        identity = replace(identity, org_id=org_id if role else -1, role=role)
    elif namespace != namespace_for(org_id) and not admin:
        raise k8s_status.denied(kind, name, identity.login, verb, namespace, "invalid namespace")
    return Caller(identity=identity, org_id=org_id, namespace=namespace)


def deny(caller: Caller, kind: Kind, verb: str, name: str | None) -> ApiError:
    return k8s_status.denied(kind, name, caller.login, verb, caller.namespace, "")


def require_member(ctx: Context, caller: Caller, kind: Kind, verb: str) -> None:
    if caller.identity.org_id != caller.org_id or caller.identity.role is None:
        raise deny(caller, kind, verb, None)


def require_level(
    ctx: Context, caller: Caller, level: int, minimum: int, kind: Kind, verb: str, name: str | None
) -> None:
    if level < minimum:
        raise deny(caller, kind, verb, name)


def level_anywhere(ctx: Context, caller: Caller) -> int:
    return permissions.level_anywhere(ctx.state, caller.identity, caller.org_id)

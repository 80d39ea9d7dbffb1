"""``DeleteOptions`` of a DELETE on ``/apis``: from the body when there is one, else from the
query, validated, and its ``preconditions`` checked against the stored object.

Sources (k8s.io/apiserver ``endpoints/handlers/delete.go``, ``registry/rest/delete.go``;
apimachinery ``apis/meta/v1/validation/validation.go``):

- a non-empty body is decoded as ``DeleteOptions`` (JSON; the query is then not read at
  all); an empty one reads ``dryRun``, ``gracePeriodSeconds``, ``propagationPolicy`` and
  ``orphanDependents`` from the query;
- ``ValidateDeleteOptions``: 422 ``DeleteOptions.meta.k8s.io "" is invalid`` for
  ``orphanDependents`` and ``propagationPolicy`` both set (``propagationPolicy: Invalid
  value: "<p>": orphanDependents and deletionPropagation cannot be both set``), a policy other
  than ``Foreground``, ``Background``, ``Orphan`` (``Unsupported value``), a ``dryRun`` other
  than ``All``;
- ``BeforeDelete`` (after the authorizer, before Grafana's admission): 409 ``Conflict`` on
  ``Dashboard.dashboard.grafana.app "<name>"`` (the group and *kind*, as ``BeforeDelete``
  names it) when ``preconditions.uid`` or ``preconditions.resourceVersion`` differ from the
  stored ``metadata.uid``/``resourceVersion``. That Grafana's legacy (SQL) storage modes go
  through it is UNCONFIRMED; unified storage uses the generic store.

The propagation policy changes nothing here: dashboards and folders have no dependents the
emulator tracks (a folder's dashboards go with it, §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashgen.testing import gojson, k8s_status
from dashgen.testing.k8s_status import Kind
from dashgen.testing.router import Context

POLICIES = ("Foreground", "Background", "Orphan")
OPTIONS_KIND = Kind("", "meta.k8s.io", "DeleteOptions")


@dataclass(frozen=True)
class DeleteOptions:
    dry_run: bool
    grace_period: str | None  # as sent ("0" skips Grafana's provisioned check)
    uid: str | None = None  # preconditions
    resource_version: str | None = None


def _shown(value: Any) -> str:
    return gojson.dumps(value).decode()


def read(ctx: Context) -> DeleteOptions:
    """The request's options; raises the 400/422 answers above."""
    if ctx.request.body.strip():
        try:
            body = gojson.loads(ctx.request.body)[1]
        except gojson.GoJSONError as error:
            raise k8s_status.bad_request(f"error decoding DeleteOptions: {error}") from None
        if not isinstance(body, dict):
            raise k8s_status.bad_request("decoded object cannot be converted to DeleteOptions")
        dry_run = body.get("dryRun") or []
        grace = body.get("gracePeriodSeconds")
        policy, orphan = body.get("propagationPolicy"), body.get("orphanDependents")
        pre = body.get("preconditions") or {}
    else:
        query = ctx.request
        dry_run = query.args("dryRun")
        grace = query.arg("gracePeriodSeconds")
        policy, orphan = query.arg("propagationPolicy"), query.arg("orphanDependents")
        pre = {}
    if not isinstance(dry_run, list) or not isinstance(pre, dict):
        raise k8s_status.bad_request("decoded object cannot be converted to DeleteOptions")
    causes = []
    if orphan is not None and policy is not None:
        detail = f"{_shown(policy)}: orphanDependents and deletionPropagation cannot be both set"
        causes.append(("propagationPolicy", "Invalid value", detail))
    if policy is not None and policy not in POLICIES:
        supported = ", ".join(f'"{p}"' for p in (*POLICIES, "nil"))
        causes.append(
            (
                "propagationPolicy",
                "Unsupported value",
                f"{_shown(policy)}: supported values: {supported}",
            )
        )
    if any(value != "All" for value in dry_run):
        shown = "[]string{" + ", ".join(f'"{v}"' for v in dry_run) + "}"
        causes.append(("dryRun", "Unsupported value", f'{shown}: supported values: "All"'))
    if causes:
        raise k8s_status.invalid(OPTIONS_KIND, "", causes)
    uid, rv = pre.get("uid"), pre.get("resourceVersion")
    return DeleteOptions(
        dry_run=bool(dry_run),
        grace_period=None if grace is None else str(grace),
        uid=uid if isinstance(uid, str) else None,
        resource_version=rv if isinstance(rv, str) else None,
    )


def check_preconditions(
    options: DeleteOptions, kind: Kind, name: str, uid: str, resource_version: str
) -> None:
    """``rest.BeforeDelete``'s early precondition check."""
    why = None
    if options.uid is not None and options.uid != uid:
        why = (
            f"the UID in the precondition ({options.uid}) does not match the UID in record "
            f"({uid}). The object might have been deleted and then recreated"
        )
    elif options.resource_version is not None and options.resource_version != resource_version:
        why = (
            f"the ResourceVersion in the precondition ({options.resource_version}) does not "
            f"match the ResourceVersion in record ({resource_version}). The object might have "
            "been modified"
        )
    if why is not None:
        text = f'Operation cannot be fulfilled on {kind.kind}.{kind.group} "{name}": {why}'
        details = {"name": name, "group": kind.group, "kind": kind.kind}
        raise k8s_status.status_error(409, "Conflict", text, details)

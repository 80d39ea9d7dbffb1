"""Schema v2 dashboards in a publish (grafana-apis.md §1.3, §7.1, §9).

- Before anything of a batch is sent, each dashboard's schema is told to the backend (a v2
  one is read and written on its own version's path, ``dashgen.grafana.k8s_v2``) and a
  dashboard this org's Grafana cannot take is refused with one sentence: any v2 dashboard
  on the classic API (``--api classic``, Grafana 11, or ``auto`` on a Grafana without
  ``/apis``), or one whose version the server does not serve (a 12.x without ``v2``). The
  other dashboards of the batch still publish; the run exits 1.
- A live dashboard stored in the other schema than the build's (a v2 dashboard saved in
  Grafana 13's editor over a v1 build, or a v1 build over a v2 one) is a schema change:
  nothing is converted, the write replaces its layout. It follows the drift guard: when
  dashgen wrote the live version (or with ``--force``) the update goes out and the plan
  says so (``schema_note``); anything else is drifted, with the schema named.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dashgen.build.manifest import BuiltDashboard
from dashgen.grafana.backend import LiveDashboard
from dashgen.model.v2 import SCHEMA_V1

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession

ACCEPTED_BY = (
    "Grafana 13.0 and later accept it through /apis (dashboard.grafana.app/v2), and a "
    "Grafana 12.x only where it serves that version (v2beta1, v2alpha1)"
)


def accepted(
    session: OrgSession, selected: Sequence[BuiltDashboard]
) -> tuple[list[BuiltDashboard], list[tuple[BuiltDashboard, str]]]:
    """(what this org's Grafana can take, what it cannot with why): before any write."""
    backend = session.backend
    assert backend is not None
    backend.expect_schemas({built.uid: built.schema for built in selected})
    ready: list[BuiltDashboard] = []
    refused: list[tuple[BuiltDashboard, str]] = []
    for built in selected:
        if backend.accepts_schema(built.schema):
            ready.append(built)
        else:
            refused.append((built, refusal(session, built)))
    return ready, refused


def refusal(session: OrgSession, built: BuiltDashboard) -> str:
    backend = session.backend
    assert backend is not None
    if backend.name == "classic":
        why = (session.api_description or "").partition("; ")[2]
        said = f" ({why})" if why else ""
        where = (
            f"org {session.org!r} publishes through the classic API /api/dashboards{said}, "
            "which cannot store one"
        )
    else:
        served = ", ".join(getattr(getattr(backend, "paths", None), "served", ()))
        where = (
            f"Grafana at {backend.display_url} does not serve dashboard.grafana.app/"
            f"{built.schema} (it serves {served})"
        )
    return (
        f"dashboard {built.title!r} (uid {built.uid}) from {built.source.as_posix()} is a "
        f"schema {built.schema} dashboard and {where}; not sent: {ACCEPTED_BY}"
    )


def schema_changes(built: BuiltDashboard, live: LiveDashboard) -> bool:
    """The live dashboard is stored in the other schema (v1 ↔ v2) than the build's."""
    stored = live.stored_version or SCHEMA_V1
    return stored.startswith("v2") != built.is_v2


def schema_note(built: BuiltDashboard, live: LiveDashboard) -> str:
    """What the plan says of an update that changes the schema."""
    stored = live.stored_version or SCHEMA_V1
    return (
        f"stored as {stored} in Grafana; this build has {built.schema}: publishing replaces "
        "its layout"
    )


def schema_drift(built: BuiltDashboard, live: LiveDashboard, drift: str, prefix: str) -> str:
    """The drift guard's sentence (starting with ``prefix``, the dashboard's description),
    naming the schema change too."""
    stored = live.stored_version or SCHEMA_V1
    lost = (
        "tabs, auto grids, conditional rendering and nested rows are lost"
        if stored.startswith("v2")
        else "nothing is converted"
    )
    said = (
        f"{prefix} is stored in Grafana as a schema {stored} dashboard and this build has "
        f"{built.schema}: publishing would replace its layout ({lost}); it"
    )
    return drift.replace(prefix, said, 1) if drift.startswith(prefix) else f"{said} {drift}"

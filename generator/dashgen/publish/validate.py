"""``publish --dry-run`` on a backend whose server can validate writes (``/apis``:
``?dryRun=All``, grafana-apis.md §4.5): each planned write is sent as a dry run, so the plan
says which writes Grafana would refuse and why (title, uid, folder, message, permissions),
and nothing is stored. On the classic API the plan is what it was.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from dashgen.errors import DashgenError
from dashgen.publish.dashboard import WRITES, describe, stored_form
from dashgen.publish.events import Action, PlannedDashboard
from dashgen.publish.provenance import version_message

if TYPE_CHECKING:
    from dashgen.publish.session import OrgSession


def server_checked(session: OrgSession, planned: PlannedDashboard) -> PlannedDashboard:
    """``planned``, or FAILED with Grafana's refusal when the server would refuse it."""
    backend = session.backend
    if backend is None or not backend.validates_writes or planned.action not in WRITES:
        return planned
    built = planned.built
    document, expected_hash = stored_form(session, built)
    message = version_message(expected_hash, session.git_sha, session.config.project)
    doing = session.doing(f"Grafana's dry run of saving {describe(built)}", built)
    try:
        backend.save(
            document,
            uid=built.uid,
            base_version=planned.live_version,
            folder_uid=built.target_folder_uid,
            message=message,
            dry_run=True,
        )
    except DashgenError as error:
        why = session.explain(error, doing)
        return replace(planned, action=Action.FAILED, error=f"would be refused: {why}")
    return planned

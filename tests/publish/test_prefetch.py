"""The reads a classic batch makes before planning go out together (``publish.prefetch``),
each still once, and only those the batch needs: no login read for a batch of new
dashboards (in-process emulator)."""

from __future__ import annotations

import pytest
from publish_support import (
    FOLDER_UID,
    ORG,
    Project,
    Seeded,
    make_dashboard,
    requests_of,
    requests_to,
)
from scenario import BACKEND_MODES

from dashgen.publish import Connection, publish
from dashgen.publish.lock import LOCK_FOLDER_UID

READS = (
    ("GET", "/api/search"),
    ("GET", f"/api/folders/{FOLDER_UID}"),
    ("GET", f"/api/folders/{LOCK_FOLDER_UID}"),
    ("GET", "/api/user"),
)


def _counts(seeded: Seeded) -> dict[tuple[str, str], int]:
    return {(m, p): len(requests_to(seeded.emulator, m, p)) for m, p in READS}


CLASSIC_MODES = [mode for mode in BACKEND_MODES if mode.api == "classic"]


# Classic batches only (/apis reads every dashboard in one LIST): overrides the conftest's
# backend_mode parametrisation rather than skipping the /apis modes.
@pytest.mark.parametrize("backend_mode", CLASSIC_MODES, ids=lambda mode: mode.name)
def test_each_read_goes_out_once_and_only_when_needed(
    seeded: Seeded, project: Project, connection: Connection, large_batch: None
) -> None:
    built = project.write(ORG, [make_dashboard(uid) for uid in "abc"])

    first = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert first.ok
    # New dashboards: one search, the folder and the lock looked at (then taken), no login.
    assert _counts(seeded)[("GET", "/api/search")] == 1
    assert _counts(seeded)[("GET", "/api/user")] == 0
    assert requests_of(seeded.emulator, "GET", "/api/dashboards/uid/*") == []

    seeded.emulator.clear_request_log()
    again = publish(project.config, [ORG], connection=connection, dashboards=built)

    assert {event.action.value for event in again.events} == {"unchanged"}
    assert _counts(seeded) == {read: 1 for read in READS}
    assert len(requests_of(seeded.emulator, "GET", "/api/dashboards/uid/*")) == 3

"""POST /api/dashboards/uid/:uid/restore binds ``dtos.RestoreDashboardVersionCommand``,
whose ``version`` is ``binding:"Required"``: a missing or zero version is 400 ``bad request
data`` before the dashboard is looked up (``web.Bind`` is the handler's first step)."""

from __future__ import annotations

import pytest
from emulator_api import Api

BAD = {"message": "bad request data"}


@pytest.mark.parametrize("body", [{}, {"version": 0}, {"version": None}])
def test_restore_without_a_version_400(api: Api, body: dict[str, object]) -> None:
    api.save({"title": "R", "uid": "r"})
    response = api.post("/api/dashboards/uid/r/restore", json=body)
    assert (response.status_code, response.json()) == (400, BAD)
    assert api.emulator.dashboard(1, "r").version == 1


def test_restore_without_a_version_400_before_the_lookup(api112: Api) -> None:
    response = api112.post("/api/dashboards/uid/missing/restore", json={})
    assert (response.status_code, response.json()) == (400, BAD)


def test_restore_of_an_unknown_version_still_404(api: Api) -> None:
    api.save({"title": "R", "uid": "r"})
    response = api.post("/api/dashboards/uid/r/restore", json={"version": 7})
    assert response.status_code == 404

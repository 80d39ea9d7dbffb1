"""GET /api/orgs takes ``query`` (a name prefix), ``name`` (the exact name), ``perpage``
and ``page`` as ``SearchOrgs`` does: the store adds ``name LIKE 'q%'``, ``name = ?`` and
``LIMIT perpage OFFSET perpage*page``, so pages count from 0 (the API docs: "Default value for
the perpage parameter is 1000 and for the page parameter is 0")."""

from __future__ import annotations

import pytest
from emulator_api import Api


@pytest.fixture
def orgs(api: Api) -> Api:
    for name in ("Zeta", "alpha", "Beta", "beta2", "alphabet"):
        assert api.post("/api/orgs", json={"name": name}).status_code == 200
    return api


def names(api: Api, query: str) -> list[str]:
    response = api.get(f"/api/orgs{query}")
    assert response.status_code == 200
    return [org["name"] for org in response.json()]


def test_query_is_a_name_prefix(orgs: Api) -> None:
    assert names(orgs, "?query=bet") == ["Beta", "beta2"]
    assert names(orgs, "?query=alpha") == ["alpha", "alphabet"]
    assert names(orgs, "?query=eta") == []


def test_name_is_exact(orgs: Api) -> None:
    assert names(orgs, "?name=Beta") == ["Beta"]
    assert names(orgs, "?name=beta") == []


def test_pages_count_from_zero(orgs: Api) -> None:
    everything = names(orgs, "")
    assert len(everything) == 6
    assert names(orgs, "?perpage=2") == everything[:2]
    assert names(orgs, "?perpage=2&page=0") == everything[:2]
    assert names(orgs, "?perpage=2&page=1") == everything[2:4]
    assert names(orgs, "?perpage=2&page=3") == []
    assert names(orgs, "?perpage=0") == everything

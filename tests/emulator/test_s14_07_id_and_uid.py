"""Contract §14.7: a save naming an existing id and an unused uid checks the version against
the row found by id first."""

from __future__ import annotations

import pytest
from emulator_api import MakeApi


@pytest.mark.parametrize("version", ["12.0", "11.2"])
def test_s14_7_id_with_an_unused_uid_and_a_stale_version_is_412(
    make_api: MakeApi, version: str
) -> None:
    api = make_api(version)
    saved = api.save({"title": "x", "uid": "orig"}).json()
    api.save({"title": "x", "uid": "orig", "version": 1})  # now at version 2
    stale = api.save({"title": "x", "id": saved["id"], "uid": "fresh", "version": 1})
    assert stale.status_code == 412
    assert stale.json() == {
        "status": "version-mismatch",
        "message": "The dashboard has been changed by someone else",
    }
    assert api.emulator.dashboard(1, "fresh") is None


def test_s14_7_with_the_current_version_12_creates_and_11_2_renames(make_api: MakeApi) -> None:
    for version, expect_orig in (("12.0", True), ("11.2", False)):
        api = make_api(version)
        saved = api.save({"title": "x", "uid": "orig"}).json()
        current = api.save({"title": "x", "id": saved["id"], "uid": "fresh", "version": 1})
        assert current.status_code == 200, (version, current.text)
        assert (api.emulator.dashboard(1, "orig") is not None) is expect_orig
        assert api.emulator.dashboard(1, "fresh") is not None

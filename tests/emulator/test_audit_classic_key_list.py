"""GET /api/auth/keys lists as the apikey store's ``GetAPIKeys`` does (10.x/11.x
apikeyimpl): ``expires IS NULL or expires >= now`` unless ``includeExpired`` is true
(``c.QueryBool``), ordered by name, at most 100; service-account tokens never appear."""

from __future__ import annotations

import pytest
from emulator_api import Api


def names(api: Api, query: str = "") -> list[str]:
    response = api.get(f"/api/auth/keys{query}")
    assert response.status_code == 200
    return [key["name"] for key in response.json()]


@pytest.mark.parametrize("flag", ["true", "1", "True"])
def test_expired_keys_only_with_include_expired(api112: Api, flag: str) -> None:
    api112.emulator.create_api_key(1, role="Viewer", name="live")
    gone = api112.emulator.create_api_key(1, role="Viewer", name="gone", seconds_to_live=60)
    api112.emulator.expire_token(gone)
    assert names(api112) == ["live"]
    assert names(api112, "?includeExpired=false") == ["live"]
    assert names(api112, f"?includeExpired={flag}") == ["gone", "live"]
    listed = api112.get(f"/api/auth/keys?includeExpired={flag}").json()
    assert "." not in listed[0]["expiration"]  # whole seconds, as the int64 expires column


def test_keys_ordered_by_name_without_sa_tokens(api112: Api) -> None:
    for name in ("b", "a", "C"):
        api112.emulator.create_api_key(1, role="Viewer", name=name)
    api112.emulator.create_service_account_token(1, role="Admin", name="robot")
    assert names(api112) == ["C", "a", "b"]


def test_at_most_100_keys(api112: Api) -> None:
    for number in range(101):
        api112.emulator.create_api_key(1, role="Viewer", name=f"k{number:03}")
    listed = names(api112)
    assert (len(listed), listed[-1]) == (100, "k099")

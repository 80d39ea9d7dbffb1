"""``ValidateBasicDashboardProperties`` measures the title (5000) and the version message
(500) with Go's ``len()``: UTF-8 bytes, not characters. Every mode applies them (the contract,
§2, places them with 11.x; grafana/grafana#99229 and #101554 date them to early 2025)."""

from __future__ import annotations

from emulator_api import Api

TITLE_TOO_LONG = {
    "status": "title-too-long",
    "message": "Dashboard title cannot contain more than 5 000 characters",
}
MESSAGE_TOO_LONG = {"message": "message too long, max 500 characters"}


def test_title_limit_counts_utf8_bytes(api: Api) -> None:
    response = api.save({"title": "é" * 2501})  # 2501 characters, 5002 bytes
    assert (response.status_code, response.json()) == (400, TITLE_TOO_LONG)
    assert api.save({"title": "é" * 2500}).status_code == 200  # 5000 bytes


def test_message_limit_counts_utf8_bytes(api13: Api) -> None:
    response = api13.save({"title": "M"}, body={"message": "監視" * 84})  # 168 chars, 504 bytes
    assert (response.status_code, response.json()) == (400, MESSAGE_TOO_LONG)
    assert api13.save({"title": "M", "uid": "m"}, body={"message": "é" * 250}).status_code == 200


def test_limits_apply_in_11_2_as_the_contract_says(api112: Api) -> None:
    response = api112.save({"title": "é" * 2501})
    assert (response.status_code, response.json()) == (400, TITLE_TOO_LONG)
    assert api112.save({"title": "M"}, body={"message": "m" * 501}).status_code == 400

"""grafana-apis.md §4.6: ``ValidateBasicDashboardProperties`` measures the title and the
``grafana.app/message`` annotation with Go's ``len``, in bytes: a non-ASCII text reaches the
limits in fewer characters."""

from __future__ import annotations

from apis_helpers import K8s, resource, status_of


def test_s4_6_a_title_over_5000_bytes_is_400_though_under_5000_characters(k8s: K8s) -> None:
    title = "é" * 2501  # 2501 characters, 5002 bytes
    response = k8s.create(resource("cpu", title))
    assert status_of(response) == (
        400,
        "BadRequest",
        "Dashboard title cannot contain more than 5 000 characters",
    )
    assert k8s.create(resource("cpu", "é" * 2500)).status_code == 201


def test_s4_6_a_message_over_500_bytes_is_400_though_under_500_characters(k8s: K8s) -> None:
    response = k8s.create(resource("cpu", message="€" * 167))  # 501 bytes
    assert status_of(response) == (400, "BadRequest", "message too long, max 500 characters")
    assert k8s.create(resource("cpu", message="€" * 166)).status_code == 201


def test_s4_6_the_byte_limits_hold_on_put_too(k8s: K8s) -> None:
    current = k8s.create(resource("cpu")).json()
    current["metadata"]["annotations"]["grafana.app/message"] = "ü" * 251
    assert status_of(k8s.put("cpu", current))[:2] == (400, "BadRequest")


def test_s4_6_a_v2_title_is_measured_in_bytes_too(k8s13: K8s) -> None:
    body = {
        "kind": "Dashboard",
        "metadata": {"name": "two"},
        "spec": {
            "title": "日" * 1667,
            "elements": {},
            "layout": {"kind": "GridLayout", "spec": {"items": []}},
        },
    }
    response = k8s13.create(body, version="v2")
    assert status_of(response)[:2] == (400, "BadRequest")

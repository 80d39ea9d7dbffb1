"""LIST options a generic client sends, validated as k8s's ``ValidateListOptions`` does
(``dashgen.testing.apis_lists.validate_options``): ``resourceVersionMatch`` needs a
``resourceVersion``, no ``continue``, ``Exact``/``NotOlderThan`` only, not ``Exact`` with
``0``; ``sendInitialEvents`` is for watches only. All 422 on ``ListOptions.meta.k8s.io``."""

from __future__ import annotations

from apis_helpers import K8s, resource, status_of

INVALID = 'ListOptions.meta.k8s.io "" is invalid: '


def test_s4_2_resource_version_match_without_a_resource_version(k8s: K8s) -> None:
    answer = k8s.list(params={"resourceVersionMatch": "NotOlderThan"})
    code, reason, message = status_of(answer)
    assert (code, reason) == (422, "Invalid")
    assert message == INVALID + (
        "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
        "resourceVersion is provided"
    )
    cause = answer.json()["details"]["causes"][0]
    assert cause == {
        "reason": "FieldValueForbidden",
        "message": "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is "
        "provided",
        "field": "resourceVersionMatch",
    }


def test_s4_2_resource_version_match_rules(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    rv = k8s.list().json()["metadata"]["resourceVersion"]
    for match in ("NotOlderThan", "Exact"):
        answer = k8s.list(params={"resourceVersion": rv, "resourceVersionMatch": match})
        assert answer.status_code == 200, (match, answer.text)
    code, _, message = status_of(
        k8s.list(params={"resourceVersion": rv, "resourceVersionMatch": "Newest"})
    )
    assert code == 422 and message == INVALID + (
        'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", '
        '"NotOlderThan", ""'
    )
    code, _, message = status_of(
        k8s.list(params={"resourceVersion": "0", "resourceVersionMatch": "Exact"})
    )
    assert code == 422 and message.endswith('"exact" is forbidden for resourceVersion "0"')
    both = {"resourceVersion": rv, "resourceVersionMatch": "Exact", "continue": "x", "limit": 1}
    code, _, message = status_of(k8s.list(params=both))
    assert code == 422 and "resourceVersionMatch is forbidden when continue is provided" in message


def test_s4_2_send_initial_events_is_for_watches(k8s: K8s) -> None:
    code, _, message = status_of(k8s.list(params={"sendInitialEvents": "true"}))
    assert code == 422
    assert (
        message == INVALID + "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"
    )
    folders = k8s.api.get(k8s.folders(), params={"resourceVersionMatch": "Exact"})
    assert status_of(folders)[:2] == (422, "Invalid")

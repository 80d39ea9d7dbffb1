"""grafana-apis.md §4.2: ``labelSelector`` is parsed as k8s's ``labels.Parse`` parses it (set,
equality and integer comparisons; key and value rules), so a LIST accepts what a real
apiserver accepts and refuses the rest with its 400."""

from __future__ import annotations

import pytest
from apis_helpers import K8s, resource, status_of

LABELS = {"a": {"n": "1", "t": "x"}, "b": {"n": "5"}, "c": {}}


@pytest.fixture
def labelled(k8s: K8s) -> K8s:
    for name, labels in LABELS.items():
        body = resource(name)
        body["metadata"]["labels"] = labels
        assert k8s.create(body).status_code == 201
    return k8s


def _names(k8s: K8s, selector: str) -> list[str]:
    response = k8s.list(params={"labelSelector": selector})
    assert response.status_code == 200, response.text
    return [item["metadata"]["name"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        ("n>2", ["b"]),
        ("n<2", ["a"]),
        ("n>0,n<3", ["a"]),
        ("n in(1)", ["a"]),
        ("n in (1,5)", ["a", "b"]),
        ("n notin (1)", ["b", "c"]),
        ("!n", ["c"]),
        ("n", ["a", "b"]),
        ("t!=x", ["b", "c"]),
        ("n=1,t=x", ["a"]),
        ("in=1", []),  # "in" as a key is an identifier
        ("n in (in)", []),  # and as a value
    ],
)
def test_s4_2_k8s_selectors_are_accepted(labelled: K8s, selector: str, names: list[str]) -> None:
    assert _names(labelled, selector) == names


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            "n>x",
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
            "operators, the value must be an integer",
        ),
        ("n=a b", "found 'b', expected: ',' or 'end of string'"),
        ("=1", "found '=', expected: !, identifier, or 'end of string'"),
        (
            "n gt 2",
            "unable to parse requirement: found 'gt', expected: in, notin, =, ==, !=, gt, lt",
        ),
        ("n=1,", "found '', expected: identifier after ','"),
        ("!n=1", "found '=', expected: ',' or 'end of string'"),
        ("n in 1", "unable to parse requirement: found '1' expected: '('"),
    ],
)
def test_s4_2_bad_selectors_are_400_with_k8s_words(
    labelled: K8s, selector: str, message: str
) -> None:
    response = labelled.list(params={"labelSelector": selector})
    assert status_of(response) == (400, "BadRequest", message)


@pytest.mark.parametrize("selector", ["a/b/c=1", "-n=1", "n=a$", "n in (ok,b@d)", "/n=1"])
def test_s4_2_keys_and_values_must_be_label_keys_and_values(labelled: K8s, selector: str) -> None:
    code, reason, message = status_of(labelled.list(params={"labelSelector": selector}))
    assert (code, reason) == (400, "BadRequest")
    assert message.startswith("unable to parse requirement: ") and "Invalid value" in message


def test_s4_2_a_non_integer_label_never_matches_a_comparison(k8s: K8s) -> None:
    body = resource("word")
    body["metadata"]["labels"] = {"n": "many"}
    k8s.create(body)
    assert _names(k8s, "n>0") == [] and _names(k8s, "n<9") == []


def test_s5_folder_lists_parse_the_same(k8s: K8s) -> None:
    response = k8s.api.get(k8s.folders(), params={"labelSelector": "n>x"})
    assert status_of(response)[:2] == (400, "BadRequest")
    assert k8s.api.get(k8s.folders(), params={"labelSelector": "n>1"}).status_code == 200


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        ("metadata.name=a", ["a"]),
        ("metadata.name==a,metadata.namespace=default", ["a"]),
        ("metadata.name!=a", ["b", "c"]),
        ("metadata.name=a\\,b", []),  # an escaped comma is part of the value
        ("metadata.name=a,", ["a"]),  # empty terms are skipped
        ("metadata.name= a", []),  # nothing is trimmed
    ],
)
def test_s4_2_field_selectors_are_parsed_as_k8s_does(
    labelled: K8s, selector: str, names: list[str]
) -> None:
    response = labelled.list(params={"fieldSelector": selector})
    assert response.status_code == 200, response.text
    assert [item["metadata"]["name"] for item in response.json()["items"]] == names


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("metadata.name=a=b", "invalid field selector: unescaped character in value: ="),
        ("metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        ("metadata.name =a", "field label not supported: metadata.name "),
    ],
)
def test_s4_2_bad_field_selectors_are_400(labelled: K8s, selector: str, message: str) -> None:
    response = labelled.list(params={"fieldSelector": selector})
    assert status_of(response) == (400, "BadRequest", message)

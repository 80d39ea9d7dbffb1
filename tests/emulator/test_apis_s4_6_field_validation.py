"""Unknown fields in a write and ``?fieldValidation=`` as the k8s decoder treats them
(``dashgen.testing.apis_fields``): a ``Warning`` header by default (``Warn``), 400 with
``Strict``, nothing with ``Ignore``; a v1 ``spec`` is unstructured (no unknown fields)."""

from __future__ import annotations

from typing import Any

from apis_helpers import K8s, resource, status_of


def _odd(name: str) -> dict[str, Any]:
    body = resource(name, "CPU")
    body["extra"] = 1
    body["metadata"]["bogus"] = "x"
    body["spec"]["anything"] = {"goes": True}  # common.Unstructured
    return body


def test_s4_6_unknown_fields_warn_by_default(k8s: K8s) -> None:
    answer = k8s.create(_odd("cpu"))
    assert answer.status_code == 201, answer.text
    assert answer.headers["Warning"] == (
        '299 - "unknown field \\"extra\\"", 299 - "unknown field \\"metadata.bogus\\""'
    )
    assert "extra" not in answer.json() and "bogus" not in answer.json()["metadata"]
    assert answer.json()["spec"]["anything"] == {"goes": True}
    again = k8s.put("cpu", _odd("cpu"), params={"fieldValidation": "Warn"})
    assert again.status_code == 200 and "unknown field" in again.headers["Warning"]


def test_s4_6_strict_rejects_unknown_fields_before_admission(k8s: K8s) -> None:
    body = _odd("cpu")
    body["spec"]["title"] = ""  # admission would say 400 "Dashboard title cannot be empty"
    answer = k8s.create(body, params={"fieldValidation": "Strict"})
    code, reason, message = status_of(answer)
    assert (code, reason) == (400, "BadRequest")
    assert message == (
        f'Dashboard in version "{k8s.v1}" cannot be handled as a Dashboard: strict decoding '
        'error: unknown field "extra", unknown field "metadata.bogus"'
    )
    assert k8s.get("cpu").status_code == 404


def test_s4_6_ignore_drops_them_silently_and_known_fields_never_warn(k8s: K8s) -> None:
    answer = k8s.create(_odd("cpu"), params={"fieldValidation": "Ignore"})
    assert answer.status_code == 201 and "Warning" not in answer.headers
    plain = k8s.create(resource("mem", "Memory"), params={"fieldValidation": "Strict"})
    assert plain.status_code == 201 and "Warning" not in plain.headers


def test_s4_6_a_folders_spec_is_typed(k8s: K8s) -> None:
    body = {"metadata": {"name": "ops"}, "spec": {"title": "Ops", "colour": "red"}}
    strict = k8s.api.post(k8s.folders(), json=body, params={"fieldValidation": "Strict"})
    code, _, message = status_of(strict)
    assert code == 400 and message.endswith('strict decoding error: unknown field "spec.colour"')
    warned = k8s.api.post(k8s.folders(), json=body)
    assert warned.status_code == 201
    assert warned.headers["Warning"] == '299 - "unknown field \\"spec.colour\\""'


def test_s4_6_write_options_are_validated_together(k8s: K8s) -> None:
    params = {"fieldValidation": "Loose", "dryRun": "Some", "fieldManager": "a\nb"}
    answer = k8s.create(resource("cpu"), params=params)
    code, reason, message = status_of(answer)
    assert (code, reason) == (422, "Invalid")
    assert message == (
        'CreateOptions.meta.k8s.io "" is invalid: ['
        'fieldManager: Invalid value: "a\\nb": invalid character U+000A (at position 1), '
        'dryRun: Unsupported value: []string{"Some"}: supported values: "All", '
        'fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", '
        '"Warn"]'
    )
    long = k8s.put("cpu", resource("cpu"), params={"fieldManager": "m" * 129})
    code, _, message = status_of(long)
    assert code == 422 and message == (
        'UpdateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than '
        "128 bytes"
    )
    assert k8s.create(resource("cpu"), params={"fieldManager": "kubectl-edit"}).status_code == 201

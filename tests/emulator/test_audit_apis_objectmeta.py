"""grafana-apis.md §0/§4.3: the apiserver's common metadata validation (``rest.BeforeCreate``
and ``BeforeUpdate`` run ``ValidateObjectMetaAccessor``: 422 ``Invalid``), before Grafana's
own admission (400) and before storage (409, 500)."""

from __future__ import annotations

from typing import Any

import pytest
from apis_helpers import K8s, resource, status_of

KEY_RULE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def _with_meta(body: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    body["metadata"].update(metadata)
    return body


def _folder(name: str, **metadata: Any) -> dict[str, Any]:
    return {"kind": "Folder", "metadata": {"name": name, **metadata}, "spec": {"title": "F"}}


def _invalid(response: Any, kind: str, name: str, field: str, detail: str) -> None:
    code, reason, message = status_of(response)
    assert (code, reason) == (422, "Invalid"), message
    group = "dashboard.grafana.app" if kind == "Dashboard" else "folder.grafana.app"
    assert message == f'{kind}.{group} "{name}" is invalid: {field}: {detail}'
    cause = response.json()["details"]["causes"][0]
    assert cause["field"] == field and cause["message"] == detail


@pytest.mark.parametrize(
    ("labels", "detail"),
    [
        ({"a b": "x"}, f'Invalid value: "a b": {KEY_RULE}'),
        ({"team": "ops team"}, f'Invalid value: "ops team": {VALUE_RULE}'),
        ({"team": "x" * 64}, f'Invalid value: "{"x" * 64}": must be no more than 63 bytes'),
        ({"/team": "x"}, 'Invalid value: "/team": prefix part must be non-empty'),
    ],
)
def test_s4_3_bad_labels_are_422_on_post_and_nothing_is_stored(
    k8s: K8s, labels: dict[str, str], detail: str
) -> None:
    response = k8s.create(_with_meta(resource("cpu"), labels=labels))
    _invalid(response, "Dashboard", "cpu", "metadata.labels", detail)
    assert k8s.get("cpu").status_code == 404


def test_s4_3_bad_annotation_key_is_422(k8s: K8s) -> None:
    body = resource("cpu")
    body["metadata"]["annotations"]["not a key"] = "x"
    response = k8s.create(body)
    _invalid(
        response,
        "Dashboard",
        "cpu",
        "metadata.annotations",
        f'Invalid value: "not a key": {KEY_RULE}',
    )


def test_s4_3_annotation_keys_are_checked_in_lower_case(k8s: K8s) -> None:
    body = resource("cpu")
    body["metadata"]["annotations"]["Example.COM/Owner"] = "x"
    assert k8s.create(body).status_code == 201


def test_s4_3_annotations_over_256_kib_are_422(k8s: K8s) -> None:
    body = resource("cpu")
    body["metadata"]["annotations"]["example.com/blob"] = "x" * (256 * 1024)
    response = k8s.create(body)
    _invalid(
        response,
        "Dashboard",
        "cpu",
        "metadata.annotations",
        "Too long: may not be more than 262144 bytes",
    )


@pytest.mark.parametrize(("name", "detail"), [("..", "may not be '..'"), (".", "may not be '.'")])
def test_s4_3_path_segment_names_are_422_before_grafanas_uid_rule(
    k8s: K8s, name: str, detail: str
) -> None:
    response = k8s.create(resource(name))
    _invalid(response, "Dashboard", name, "metadata.name", f'Invalid value: "{name}": {detail}')


def test_s4_3_generate_name_with_a_slash_names_both_fields(k8s: K8s) -> None:
    body = resource(None)
    body["metadata"]["generateName"] = "a/"
    response = k8s.create(body)
    code, reason, message = status_of(response)
    assert (code, reason) == (422, "Invalid")
    fields = [cause["field"] for cause in response.json()["details"]["causes"]]
    assert fields == ["metadata.generateName", "metadata.name"]
    assert "metadata.generateName: Invalid value: \"a/\": may not contain '/'" in message


def test_s4_3_metadata_422_comes_before_the_400_of_grafanas_admission(k8s: K8s) -> None:
    response = k8s.create(_with_meta(resource("cpu", ""), labels={"a b": "x"}))
    assert status_of(response)[:2] == (422, "Invalid")


def test_s4_3_metadata_422_comes_before_already_exists(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    response = k8s.create(_with_meta(resource("cpu"), labels={"a b": "x"}))
    assert status_of(response)[:2] == (422, "Invalid")


def test_s4_4_bad_labels_are_422_on_put_after_the_conflict_check(k8s: K8s) -> None:
    current = k8s.create(resource("cpu")).json()
    stale = _with_meta(resource("cpu"), labels={"a b": "x"}, resourceVersion="1")
    assert status_of(k8s.put("cpu", stale))[:2] == (409, "Conflict")
    current["metadata"]["labels"]["a b"] = "x"
    response = k8s.put("cpu", current)
    _invalid(response, "Dashboard", "cpu", "metadata.labels", f'Invalid value: "a b": {KEY_RULE}')
    assert "a b" not in k8s.get("cpu").json()["metadata"]["labels"]


def test_s4_4_upsert_checks_labels_too(k8s: K8s) -> None:
    response = k8s.put("new", _with_meta(resource("new"), labels={"a b": "x"}))
    assert status_of(response)[:2] == (422, "Invalid")
    assert k8s.get("new").status_code == 404


def test_s4_5_patch_adding_a_bad_label_is_422(k8s: K8s) -> None:
    k8s.create(resource("cpu"))
    response = k8s.api.patch(
        k8s.dashboard("cpu"),
        json={"metadata": {"labels": {"a b": "x"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status_of(response)[:2] == (422, "Invalid")


def test_s4_5_dry_run_still_checks_metadata(k8s: K8s) -> None:
    response = k8s.create(
        _with_meta(resource("cpu"), labels={"a b": "x"}), params={"dryRun": "All"}
    )
    assert status_of(response)[:2] == (422, "Invalid")


def test_s5_folders_check_metadata_on_post_and_put(k8s: K8s) -> None:
    response = k8s.api.post(k8s.folders(), json=_folder("f1", labels={"a b": "x"}))
    _invalid(response, "Folder", "f1", "metadata.labels", f'Invalid value: "a b": {KEY_RULE}')
    created = k8s.api.post(k8s.folders(), json=_folder("f1")).json()
    created["metadata"]["annotations"]["bad key!"] = "x"
    response = k8s.api.put(k8s.folders() + "/f1", json=created)
    _invalid(
        response, "Folder", "f1", "metadata.annotations", f'Invalid value: "bad key!": {KEY_RULE}'
    )


def test_s4_3_valid_prefixed_labels_and_empty_values_are_kept(k8s: K8s) -> None:
    labels = {"example.com/team": "ops", "tier": "", "a.b_c-d": "X.y_z-1"}
    created = k8s.create(_with_meta(resource("cpu"), labels=labels)).json()
    assert {k: created["metadata"]["labels"][k] for k in labels} == labels

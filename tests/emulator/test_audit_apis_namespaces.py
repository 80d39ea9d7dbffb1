"""grafana-apis.md §2.1/§2.2: namespaces as authlib's ``ParseNamespace`` (``types``) reads them
and as the namespace authorizer then judges them."""

from __future__ import annotations

import pytest
from apis_helpers import K8s, resource, status_of
from emulator_api import user_token


def _denied(response, namespace: str, why: str) -> None:
    code, reason, text = status_of(response)
    assert (code, reason) == (403, "Forbidden")
    assert text.endswith(f'in the namespace "{namespace}": {why}'), text


@pytest.mark.parametrize("namespace", ["foo", "Default", "stack-1", "orgs-2", "DEFAULT"])
def test_s2_1_a_name_that_is_no_org_is_the_403_invalid_org(k8s: K8s, namespace: str) -> None:
    token = user_token(k8s.api, "Admin")
    _denied(k8s.list(token=token, namespace=namespace), namespace, "invalid org")
    _denied(k8s.create(resource("cpu"), token=token, namespace=namespace), namespace, "invalid org")


@pytest.mark.parametrize(
    ("namespace", "why"),
    [
        ("org-2abc", "invalid org id"),
        ("org-", "invalid org id"),
        ("org-99999999999999999999", "invalid org id"),
        ("org--3", "invalid org id"),
        ("stacks-abc", "invalid stack id"),
        ("stacks-0", "invalid stack id"),
    ],
)
def test_s2_1_parse_errors_are_the_500_text(k8s: K8s, namespace: str, why: str) -> None:
    response = k8s.list(namespace=namespace)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == f'Internal Server Error: "{k8s.dashboards(namespace)}": {why}'


@pytest.mark.parametrize("written", ["org-02", "org-+2"])
def test_s2_2_the_own_org_written_another_way_is_403_invalid_namespace(
    k8s: K8s, written: str
) -> None:
    org = k8s.api.emulator.create_org("Two")
    assert org == 2
    token = user_token(k8s.api, "Admin", org=org, name="two")
    assert k8s.list(token=token, namespace="org-2").status_code == 200
    _denied(k8s.list(token=token, namespace=written), written, "invalid namespace")


def test_s2_2_another_orgs_number_written_with_a_sign_is_still_invalid_org(k8s: K8s) -> None:
    token = user_token(k8s.api, "Admin")
    _denied(k8s.list(token=token, namespace="org-+2"), "org-+2", "invalid org")

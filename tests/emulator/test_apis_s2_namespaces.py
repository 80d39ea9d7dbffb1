"""grafana-apis.md §2: namespaces, org selection and cross-org access on /apis."""

from __future__ import annotations

import httpx
import pytest
from apis_helpers import K8s, resource, status_of
from emulator_api import user_token


def test_s2_1_default_is_org_1(k8s: K8s) -> None:
    k8s.api.save({"uid": "main", "title": "Main"})
    items = k8s.list().json()["items"]
    assert [(i["metadata"]["name"], i["metadata"]["namespace"]) for i in items] == [
        ("main", "default")
    ]


def test_s2_1_org_n_is_org_dash_n_with_that_orgs_token(k8s: K8s) -> None:
    org = k8s.api.emulator.create_org("Team")
    token = user_token(k8s.api, "Admin", org=org)
    created = k8s.create(resource("team-dash"), token=token, namespace=f"org-{org}")
    assert created.status_code == 201
    assert created.json()["metadata"]["namespace"] == f"org-{org}"
    assert k8s.api.emulator.dashboard(org, "team-dash") is not None
    assert k8s.api.emulator.dashboard(1, "team-dash") is None


def test_s2_2_token_of_another_org_is_403_invalid_org(k8s: K8s) -> None:
    org = k8s.api.emulator.create_org("Team")
    token = user_token(k8s.api, "Admin", org=1, name="main-sa")
    response = k8s.list(token=token, namespace=f"org-{org}")
    code, reason, text = status_of(response)
    assert (code, reason) == (403, "Forbidden")
    assert text == (
        'dashboards.dashboard.grafana.app is forbidden: User "sa-1-main-sa" cannot list '
        'resource "dashboards" in API group "dashboard.grafana.app" in the namespace '
        f'"org-{org}": invalid org'
    )
    assert response.json()["details"] == {"group": "dashboard.grafana.app", "kind": "dashboards"}


def test_s2_2_named_request_of_another_org_names_the_dashboard(k8s: K8s) -> None:
    org = k8s.api.emulator.create_org("Team")
    token = user_token(k8s.api, "Admin", org=org)
    text = status_of(k8s.get("abc", token=token, namespace="default"))[2]
    assert text.startswith('dashboards.dashboard.grafana.app "abc" is forbidden: User "sa-2-admin"')
    assert text.endswith(
        'cannot get resource "dashboards" in API group "dashboard.grafana.app" in the '
        'namespace "default": invalid org'
    )


def test_s2_2_token_with_other_org_header_is_401(k8s: K8s) -> None:
    org = k8s.api.emulator.create_org("Team")
    token = user_token(k8s.api, "Admin", org=1)
    response = k8s.list(token=token, org=org, namespace=f"org-{org}")
    # Grafana's authentication answers before the k8s handler: its classic JSON, no Status
    assert response.status_code == 401
    body = response.json()
    assert "kind" not in body
    assert body["message"] == "API key does not belong to the requested organization"


@pytest.mark.parametrize(
    ("namespace", "why"),
    [
        ("org-1", "use default rather than org-1"),
        ("org-0", "invalid org id"),
        ("org-abc", "invalid org id"),  # (authlib types: any ParseInt error)
    ],
)
def test_s2_2_malformed_org_namespace_is_500_text(k8s: K8s, namespace: str, why: str) -> None:
    response = k8s.list(namespace=namespace)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/plain")
    path = k8s.dashboards(namespace)
    assert response.text == f'Internal Server Error: "{path}": {why}'


def test_s2_2_stack_namespace_on_prem_is_403_invalid_namespace(k8s: K8s) -> None:
    token = user_token(k8s.api, "Admin")
    code, reason, text = status_of(k8s.list(token=token, namespace="stacks-12"))
    assert (code, reason) == (403, "Forbidden") and text.endswith(": invalid namespace")


def _classic_401(response: httpx.Response) -> str:
    assert response.status_code == 401 and "kind" not in response.json()
    return str(response.json()["message"])


def test_s2_2_no_credentials_is_401(k8s: K8s) -> None:
    assert _classic_401(k8s.list(user=None)) == "Unauthorized"


def test_s2_2_bad_token_is_401(k8s: K8s) -> None:
    assert _classic_401(k8s.list(token="glsa_nope_00000000"))


def test_s2_2_basic_user_targets_org_with_header_and_namespace(k8s: K8s) -> None:
    org = k8s.api.emulator.create_org("Team")
    k8s.api.emulator.create_user("ed", "pw")
    k8s.api.emulator.add_org_user(org, "ed", "Editor")
    denied = k8s.list(user=("ed", "pw"), namespace=f"org-{org}")
    assert status_of(denied)[2].endswith("invalid org")
    allowed = k8s.list(user=("ed", "pw"), org=org, namespace=f"org-{org}")
    assert allowed.status_code == 200


def test_s2_2_server_admin_without_membership_is_forbidden(k8s: K8s) -> None:
    org = k8s.api.emulator.create_org("Team")
    response = k8s.list(namespace=f"org-{org}")  # admin is a server admin, not a member
    assert status_of(response)[:2] == (403, "Forbidden")


def test_s2_viewer_cannot_create(k8s: K8s) -> None:
    token = user_token(k8s.api, "Viewer")
    code, reason, text = status_of(k8s.create(resource("v"), token=token))
    assert (code, reason) == (403, "Forbidden")
    assert 'cannot create resource "dashboards"' in text


def test_s2_token_of_org_reads_its_own_dashboards(k8s: K8s) -> None:
    k8s.api.save({"uid": "mine", "title": "Mine"})
    token = user_token(k8s.api, "Viewer")
    assert k8s.get("mine", token=token).json()["spec"]["title"] == "Mine"

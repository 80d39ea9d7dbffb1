"""grafana-apis.md §4.6 (and grafana-api.md §14.1 on /apis): validation and save-time rewrites."""

from __future__ import annotations

from dataclasses import replace

import pytest
from apis_helpers import K8s, resource, status_of
from emulator_api import MakeApi

from dashgen.testing import profile_for


@pytest.mark.parametrize(
    ("name", "title", "message", "expected"),
    [
        ("ok", "", None, "Dashboard title cannot be empty"),
        ("ok", "x" * 5001, None, "Dashboard title cannot contain more than 5 000 characters"),
        ("ok", "T", "m" * 501, "message too long, max 500 characters"),
        ("bad.name", "T", None, "uid contains illegal characters"),
        ("a" * 41, "T", None, "uid too long, max 40 characters"),
        # title first, then message, then the name (ValidateBasicDashboardProperties order)
        ("bad.name", "", "m" * 501, "Dashboard title cannot be empty"),
        ("bad.name", "T", "m" * 501, "message too long, max 500 characters"),
    ],
)
def test_s4_6_basic_properties_are_400(
    k8s: K8s, name: str, title: str, message: str | None, expected: str
) -> None:
    response = k8s.create(resource(name, title, message=message))
    assert status_of(response) == (400, "BadRequest", expected)


def test_s4_6_title_of_spaces_is_not_trimmed(k8s: K8s) -> None:
    body = k8s.create(resource("cpu", "  CPU  ")).json()
    assert body["spec"]["title"] == "  CPU  "
    assert k8s.create(resource("blank", "   ")).status_code == 201


def test_s4_6_trimming_is_a_profile_switch(make_api: MakeApi) -> None:
    profile = replace(profile_for("13.0"), apis_trim_title=True)
    k8s = K8s(make_api("13.0", profile=profile))
    assert status_of(k8s.create(resource("blank", "   ")))[2] == "Dashboard title cannot be empty"


def test_s4_6_short_refresh_is_rejected(k8s: K8s) -> None:
    response = k8s.create(resource("cpu", refresh="1s"))
    assert status_of(response) == (400, "BadRequest", "Dashboard refresh interval is too low")
    assert k8s.create(resource("ok", refresh="10s")).json()["spec"]["refresh"] == "10s"


def test_s4_6_refresh_can_be_raised_instead(make_api: MakeApi) -> None:
    profile = replace(profile_for("12.0"), apis_short_refresh="raise")
    k8s = K8s(make_api("12.0", profile=profile))
    assert k8s.create(resource("cpu", refresh="1s")).json()["spec"]["refresh"] == "5s"


def test_s14_1_v1_specs_are_migrated_to_the_latest_schema_version(k8s: K8s) -> None:
    latest = k8s.api.emulator.profile.schema_latest
    body = k8s.create(resource("cpu", schemaVersion=30)).json()
    assert body["spec"]["schemaVersion"] == latest
    assert k8s.api.get("/api/dashboards/uid/cpu").json()["dashboard"]["schemaVersion"] == latest


def test_s14_1_classic_save_does_not_migrate(k8s: K8s) -> None:
    k8s.api.save({"uid": "cl", "title": "C", "schemaVersion": 30})
    assert k8s.get("cl").json()["spec"]["schemaVersion"] == 30


def test_s4_6_schema_version_below_minimum_is_422(k8s: K8s) -> None:
    response = k8s.create(resource("old", schemaVersion=5))
    code, reason, text = status_of(response)
    assert (code, reason) == (422, "Invalid")
    assert "dashboard schema version 5 cannot be migrated to latest version" in text
    assert response.json()["details"]["causes"][0]["field"] == "spec"


def test_s4_6_missing_schema_version_counts_as_0(k8s: K8s) -> None:
    body = resource("none")
    del body["spec"]["schemaVersion"]
    assert status_of(k8s.create(body))[:2] == (422, "Invalid")


def test_s4_6_field_validation_ignore_skips_the_422(k8s: K8s) -> None:
    response = k8s.create(resource("old", schemaVersion=5), params={"fieldValidation": "Ignore"})
    assert response.status_code == 201
    assert response.json()["spec"]["schemaVersion"] == 5


def test_s1_3_v0alpha1_is_not_migrated(k8s: K8s) -> None:
    response = k8s.create(resource("raw", schemaVersion=5, id=3), version="v0alpha1")
    assert response.status_code == 201
    assert response.json()["spec"] == {"title": "CPU", "schemaVersion": 5, "panels": []}


def test_s14_1_classic_title_trim_still_applies_on_api(k8s: K8s) -> None:
    k8s.api.save({"uid": "cl", "title": "  Padded  "})
    assert k8s.get("cl").json()["spec"]["title"] == "Padded"


def test_s4_6_migration_failure_names_the_object(k8s: K8s) -> None:
    text = status_of(k8s.create(resource("old", schemaVersion=5)))[2]
    assert text.startswith(
        'Dashboard.dashboard.grafana.app "old" is invalid: spec: Invalid value: "old": '
    )


def test_s3_3_a_non_numeric_id_is_not_a_change(k8s: K8s) -> None:
    created = k8s.create(resource("cpu", id=None)).json()
    created["spec"]["id"] = None
    assert k8s.put("cpu", created).json()["metadata"]["generation"] == 1


def test_s4_6_schema_version_above_the_latest_is_422(k8s: K8s) -> None:
    """migrate.go: no step leads down to the target, so ``GetSchemaVersion != target`` is a
    MigrationError (a 42 dashboard, as 12.2+ saves them, on a Grafana whose latest is 41)."""
    latest = k8s.api.emulator.profile.schema_latest
    response = k8s.create(resource("new", schemaVersion=latest + 1))
    code, reason, text = status_of(response)
    assert (code, reason) == (422, "Invalid")
    assert (
        f"schema migration from version {latest + 1} to {latest} failed: "
        "schema version not migrated to target version"
    ) in text
    assert k8s.create(resource("latest", schemaVersion=latest)).status_code == 201
    newer = resource("n2", schemaVersion=latest + 1)
    assert k8s.create(newer, params={"fieldValidation": "Ignore"}).status_code == 201

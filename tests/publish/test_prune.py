"""``publish --prune`` / ``diff --prune``: the real CLI and the library against an emulator
server, for every dashboard backend (``backend_mode``)."""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from publish_support import ORG
from scenario import PROJECT, BackendMode, Scenario, dashboard, make_scenario

from dashgen.model.normalize import content_hash, normalize
from dashgen.publish import PruneOptions
from dashgen.publish.events import Action
from dashgen.publish.provenance import version_message
from dashgen.publish.pulled import PulledDashboard, record_pulled
from dashgen.testing import EmulatorServer


def published(scenario: Scenario, *names: str) -> None:
    """Write these sources (under apiorg/) and publish them."""
    for name in names:
        uid = name.rpartition("/")[2]
        scenario.write_source(f"{ORG}/{name}.json", dashboard(uid))
    run = scenario.publish()
    assert run.code == 0, run.output


def rename_panel(data: dict[str, Any]) -> None:
    data["panels"][0]["title"] = "Changed in the UI"


def test_a_removed_source_is_deleted_and_its_empty_folder_too(scenario: Scenario) -> None:
    published(scenario, "keep", "gone", "team-a/alone")
    assert sorted(scenario.uids()) == ["alone", "gone", "keep"]
    assert "team-a" in scenario.emulator.folder_uids(scenario.org_id)
    scenario.remove_source(f"{ORG}/gone.json")
    scenario.remove_source(f"{ORG}/team-a/alone.json")

    run = scenario.publish("--prune")

    assert run.code == 0, run.output
    assert scenario.uids() == ["keep"]
    assert "deleted      apiorg/gone" in run.stdout
    assert "folder-deleted apiorg/team-a" in run.stdout
    folders = scenario.emulator.folder_uids(scenario.org_id)
    assert "team-a" not in folders
    assert "platform" in folders  # the build still publishes into it
    assert len(scenario.mode.deletes(scenario.emulator)) == 2
    # A second run has nothing left to do and sends no delete.
    again = scenario.publish("--prune")
    assert again.code == 0, again.output
    assert len(scenario.mode.deletes(scenario.emulator)) == 2


def test_a_source_removed_after_a_human_edit_is_kept_and_reported(scenario: Scenario) -> None:
    published(scenario, "keep", "edited")
    scenario.edit_in_ui("edited", rename_panel)
    scenario.remove_source(f"{ORG}/edited.json")

    run = scenario.publish("--prune")

    assert run.code == 1
    assert "source removed, but edited in Grafana since: kept" in run.output
    # /apis names the saver by identity (grafana.app/updatedBy "user:<uid>"), not login.
    assert ("saved by user:" if scenario.mode.is_k8s else "saved by alice") in run.output
    assert "Not pruned:" in run.stderr
    assert sorted(scenario.uids()) == ["edited", "keep"]
    assert scenario.mode.deletes(scenario.emulator) == []

    expected = scenario.publish("--prune", "--prune-keep-edited")
    assert expected.code == 0, expected.output
    assert "kept" in expected.stdout
    assert scenario.stored("edited") is not None
    assert scenario.diff("--prune").code == 1
    assert scenario.diff("--prune", "--prune-keep-edited").code == 0


def test_dashboards_made_in_the_ui_or_by_another_project_are_never_touched(
    scenario: Scenario,
) -> None:
    emulator = scenario.emulator
    emulator.create_folder(scenario.org_id, "Platform", uid="platform")
    emulator.save_dashboard(scenario.org_id, dashboard("ui-made"), message="", user="alice")
    theirs = normalize(dashboard("theirs"))
    emulator.save_dashboard(
        scenario.org_id,
        theirs,
        folder_uid="platform",  # even in a folder this project publishes to
        message=version_message(content_hash(theirs), None, "beta"),
        user="sa-dashgen-beta",
    )
    published(scenario, "mine", "mine-too")
    scenario.remove_source(f"{ORG}/mine-too.json")

    run = scenario.publish("--prune")

    assert run.code == 0, run.output
    assert sorted(scenario.uids()) == ["mine", "theirs", "ui-made"]
    assert "ui-made" not in run.output and "theirs" not in run.output
    (deleted,) = scenario.mode.deletes(emulator)
    assert fnmatchcase(deleted.path, scenario.mode.dashboard("mine-too"))


def test_dashgen_versions_without_a_project_name_are_reported_not_deleted(
    scenario: Scenario,
) -> None:
    legacy = normalize(dashboard("legacy"))
    scenario.emulator.save_dashboard(
        scenario.org_id, legacy, message=version_message(content_hash(legacy), "abc1234")
    )
    published(scenario, "mine")

    run = scenario.publish("--prune")

    assert run.code == 0, run.output
    assert "published by dashgen without a project name" in run.stderr
    assert scenario.stored("legacy") is not None


def test_a_pulled_dashboard_counts_as_this_projects(scenario: Scenario) -> None:
    emulator = scenario.emulator
    for uid in ("pulled", "pulled-then-edited"):
        emulator.save_dashboard(scenario.org_id, dashboard(uid), message="", user="alice")
        live = scenario.stored(uid)
        assert live is not None
        record_pulled(
            scenario.root,
            [PulledDashboard(ORG, uid, live.version, content_hash(live.data), f"{uid}.json")],
        )
    scenario.edit_in_ui("pulled-then-edited", rename_panel)
    published(scenario, "mine")

    run = scenario.publish("--prune")

    assert run.code == 1
    assert scenario.stored("pulled") is None
    assert scenario.stored("pulled-then-edited") is not None
    assert "after `dashgen pull` read version 1" in run.output


def test_an_empty_build_prunes_nothing(scenario: Scenario) -> None:
    published(scenario, "one", "two")
    scenario.write_config(
        f'project = "{PROJECT}"\n[orgs.{ORG}]\nfolder = "Platform"\nsources = ["nothing/**"]\n'
    )

    run = scenario.publish("--prune")

    assert run.code == 1
    assert "not pruned: the build has no dashboards for org 'apiorg'" in run.stderr
    assert sorted(scenario.uids()) == ["one", "two"]
    assert scenario.mode.deletes(scenario.emulator) == []


def test_prune_max_guard_and_yes(scenario: Scenario) -> None:
    published(scenario, "keep", *(f"old-{n}" for n in range(12)))
    for n in range(12):
        scenario.remove_source(f"{ORG}/old-{n}.json")

    # 12 to delete: more than max(10, 25% of 13).
    refused = scenario.publish("--prune")
    assert refused.code == 1
    assert "would delete 12 dashboards in org 'apiorg'" in refused.stderr
    assert "more than --prune-max 10" in refused.stderr
    assert len(scenario.uids()) == 13
    assert scenario.mode.deletes(scenario.emulator) == []

    lower = scenario.publish("--prune", "--prune-max", "3")
    assert lower.code == 1 and "more than --prune-max 3" in lower.stderr

    dry = scenario.publish("--prune", "--dry-run")
    assert dry.stdout.count("would-delete apiorg/") == 12
    assert len(scenario.uids()) == 13

    allowed = scenario.publish("--prune", "--yes")
    assert allowed.code == 0, allowed.output
    assert scenario.uids() == ["keep"]


def test_prune_max_default_grows_with_the_project(scenario: Scenario) -> None:
    names = [f"d-{n:02}" for n in range(48)]
    published(scenario, *names)
    for name in names[:12]:
        scenario.remove_source(f"{ORG}/{name}.json")

    run = scenario.publish("--prune")  # 12 of 48: within 25%

    assert run.code == 0, run.output
    assert len(scenario.uids()) == 36


def test_dry_run_and_diff_show_what_would_go(scenario: Scenario) -> None:
    published(scenario, "keep", "team-a/gone")
    scenario.remove_source(f"{ORG}/team-a/gone.json")

    dry = scenario.publish("--prune", "--dry-run")
    diff = scenario.diff("--prune")
    diff_json = scenario.diff("--prune", "--output", "json")

    assert dry.code == 0, dry.output
    assert "would-delete apiorg/gone" in dry.stdout
    assert "would-delete-folder apiorg/team-a" in dry.stdout
    assert diff.code == 1
    assert "would delete apiorg/gone" in diff.stdout
    assert "would delete folder apiorg/team-a" in diff.stdout
    statuses = {(r.get("uid"), r["status"]) for r in diff_json.json_lines()}
    assert ("gone", "would-delete") in statuses
    assert scenario.stored("gone") is not None
    assert scenario.mode.deletes(scenario.emulator) == []
    assert scenario.diff().code == 0  # without --prune nothing would change


def test_prune_needs_a_project_name(scenario: Scenario) -> None:
    scenario.write_config(f'[orgs.{ORG}]\nfolder = "Platform"\n')
    scenario.write_source(f"{ORG}/one.json", dashboard("one"))

    run = scenario.publish("--prune")

    assert run.code == 2
    assert 'add project = "<name>" to dashgen.toml' in run.stderr
    assert scenario.mode.writes(scenario.emulator) == []
    assert scenario.publish("--prune-max", "3").code == 2  # only with --prune


def test_folders_dashgen_did_not_create_or_that_hold_more_stay(scenario: Scenario) -> None:
    emulator = scenario.emulator
    emulator.create_folder(scenario.org_id, "Team A", uid="team-a")  # made by the admin
    scenario.write_config(
        f'project = "{PROJECT}"\n[orgs.{ORG}]\nfolder = "Platform"\n[orgs.{ORG}.folders]\n'
        f'"{ORG}/team-a" = {{ title = "Team A", uid = "team-a" }}\n'
        f'"{ORG}/team-b" = {{ title = "Team B", uid = "team-b" }}\n'
    )
    published(scenario, "keep", "team-a/a1", "team-b/b1")
    emulator.create_library_panel(scenario.org_id, "lib-b", "Shared", {"type": "text"}, "team-b")
    scenario.remove_source(f"{ORG}/team-a/a1.json")
    scenario.remove_source(f"{ORG}/team-b/b1.json")

    run = scenario.publish("--prune")

    assert run.code == 0, run.output
    assert scenario.uids() == ["keep"]
    folders = emulator.folder_uids(scenario.org_id)
    assert "team-a" in folders  # not created by dashgen
    assert "team-b" in folders  # a library panel is still in it
    assert scenario.mode.folder_deletes(emulator) == []


def test_managed_dashboards_are_never_deleted(scenario: Scenario) -> None:
    published(scenario, "mine", "managed")
    # Provisioning took over what dashgen had published (same content, dashgen's message).
    live = scenario.stored("managed")
    assert live is not None
    message = scenario.emulator.versions(scenario.org_id, "managed")[-1].message
    scenario.emulator.provision_dashboard(
        scenario.org_id, live.data, external_id="provisioning/managed.json", message=message
    )
    scenario.remove_source(f"{ORG}/managed.json")

    run = scenario.publish("--prune")

    assert run.code == 0, run.output
    assert scenario.stored("managed") is not None
    assert scenario.mode.deletes(scenario.emulator) == []


def test_a_delete_whose_answer_is_lost_is_not_sent_blindly(scenario: Scenario) -> None:
    published(scenario, "keep", "gone", "also-gone")
    scenario.remove_source(f"{ORG}/gone.json")
    scenario.remove_source(f"{ORG}/also-gone.json")
    faults = scenario.emulator.faults
    mode = scenario.mode
    faults.add(method="DELETE", path=mode.dashboard("gone"), kind="commit_then_fail")
    faults.add(method="DELETE", path=mode.dashboard("also-gone"), kind="status", status=503)

    report = scenario.library_publish(prune=PruneOptions())

    assert report.ok, report.failures
    deleted = sorted(e.uid for e in report.events if e.action is Action.DELETED)
    assert deleted == ["also-gone", "gone"]
    paths = [e.path for e in scenario.mode.deletes(scenario.emulator)]
    # landed: read again, not resent; did not land: sent again
    assert sum(fnmatchcase(p, mode.dashboard("gone")) for p in paths) == 1
    assert sum(fnmatchcase(p, mode.dashboard("also-gone")) for p in paths) == 2
    assert scenario.uids() == ["keep"]


def test_nothing_is_pruned_in_an_org_whose_publish_failed(scenario: Scenario) -> None:
    published(scenario, "keep", "gone")
    scenario.remove_source(f"{ORG}/gone.json")
    scenario.write_source(f"{ORG}/keep.json", dashboard("keep", "Changed title"))
    scenario.mode.add_write_fault(scenario.emulator, status=400, times=None)

    report = scenario.library_publish(prune=PruneOptions())

    assert not report.ok
    assert "were not published, so nothing was pruned" in report.prune_refusals[ORG]
    assert scenario.stored("gone") is not None


def test_prune_only_touches_the_orgs_published(scenario: Scenario) -> None:
    other = scenario.other_org_id
    scenario.write_source("otherorg/elsewhere.json", dashboard("elsewhere"))
    first = scenario.publish(org="otherorg")
    assert first.code == 0, first.output
    scenario.remove_source("otherorg/elsewhere.json")
    scenario.write_source("otherorg/still.json", dashboard("still"))
    published(scenario, "mine")

    run = scenario.publish("--prune")  # apiorg only

    assert run.code == 0, run.output
    assert "elsewhere" in scenario.uids(other)


def test_the_version_message_names_the_project(scenario: Scenario) -> None:
    published(scenario, "one")

    (record,) = scenario.emulator.versions(scenario.org_id, "one")

    assert record.message.startswith("dashgen ")
    assert record.message.endswith(f" project {PROJECT}")


def test_a_project_name_must_be_one_word(scenario: Scenario) -> None:
    scenario.write_config('project = "two words"\n')

    run = scenario.publish("--prune")

    assert run.code == 2
    assert "project must be one word" in run.stderr


def test_prune_against_grafana_11_2(
    tmp_path: Path,
    make_grafana_server: Callable[..., EmulatorServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """11.2 lists versions as a bare array and shows "Initial save" for a first version."""
    older = make_scenario(
        tmp_path, make_grafana_server, BackendMode("classic", "11.2"), monkeypatch
    )
    published(older, "keep", "gone", "edited")
    older.edit_in_ui("edited", rename_panel)
    older.remove_source(f"{ORG}/gone.json")
    older.remove_source(f"{ORG}/edited.json")

    run = older.publish("--prune", "--prune-keep-edited")

    assert run.code == 0, run.output
    assert sorted(older.uids()) == ["edited", "keep"]
    assert "after dashgen's version 1" in run.stdout

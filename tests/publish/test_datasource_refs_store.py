"""The datasource references stored beside the build (``dashgen.publish.refs_store``): a new
process checks every dashboard from that file instead of reading each output again, and a
file written by other code is ignored (the real CLI against an emulator server)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from publish_support import ORG
from scenario import Scenario
from test_datasources import seed_datasources, with_datasource

from dashgen.publish import datasources, refs_store


@pytest.fixture(autouse=True)
def new_process() -> None:
    """Each publish below starts like a new process: nothing remembered in memory."""
    refs_store._stored.clear()


def _store(scenario: Scenario) -> Path:
    return scenario.root / "build" / refs_store.FILE_NAME


def _manifest_hashes(scenario: Scenario) -> dict[str, str]:
    manifest = json.loads((scenario.root / "build" / "manifest.json").read_text())
    entries = manifest["dashboards"] if isinstance(manifest, dict) else manifest
    return {entry["uid"]: entry["content_hash"] for entry in entries}


def _claim_missing_uid(scenario: Scenario, uid: str, code: str) -> None:
    """Rewrite the stored references of ``uid`` to name a datasource the org lacks."""
    store = _store(scenario)
    stored = json.loads(store.read_text())
    refs = stored["references"][_manifest_hashes(scenario)[uid]]
    refs[0][1] = "not-in-the-org"
    stored["code"] = code
    store.write_text(json.dumps(stored))
    refs_store._stored.clear()  # the next publish is a new process


def test_a_new_process_checks_datasources_from_the_stored_references(
    scenario: Scenario,
) -> None:
    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/good.json", with_datasource("good", {"uid": "P1"}))
    scenario.write_source(f"{ORG}/other.json", with_datasource("other", {"uid": "L1"}))
    assert scenario.publish().code == 0
    stored = json.loads(_store(scenario).read_text())
    assert stored["code"] == refs_store.code_digest()
    assert set(stored["references"]) == set(_manifest_hashes(scenario).values())

    # What the file says is what the next process checks (it does not read the outputs).
    _claim_missing_uid(scenario, "good", refs_store.code_digest())
    scenario.write_source(f"{ORG}/good.json", with_datasource("good", {"uid": "P1"}, tags=["x"]))
    scenario.write_source(f"{ORG}/other.json", with_datasource("other", {"uid": "T1"}))
    run = scenario.publish()

    assert run.code == 0, run.output  # "good" changed: its new content is read, not the file
    stored = json.loads(_store(scenario).read_text())
    assert set(_manifest_hashes(scenario).values()) <= set(stored["references"])


def test_stored_references_decide_for_unchanged_content(scenario: Scenario) -> None:
    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/good.json", with_datasource("good", {"uid": "P1"}))
    assert scenario.publish().code == 0

    _claim_missing_uid(scenario, "good", refs_store.code_digest())
    # (an unchanged dashboard is not failed for a missing datasource: the warning that
    # --allow-missing-datasources prints shows which references were checked)
    run = scenario.publish("--allow-missing-datasources")

    assert run.code == 0, run.output
    assert "datasource uid 'not-in-the-org'" in run.stderr


def test_references_stored_by_other_code_are_ignored_and_replaced(scenario: Scenario) -> None:
    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/good.json", with_datasource("good", {"uid": "P1"}))
    assert scenario.publish().code == 0

    _claim_missing_uid(scenario, "good", "older dashgen")
    run = scenario.publish()

    assert run.code == 0, run.output
    assert json.loads(_store(scenario).read_text())["code"] == refs_store.code_digest()


@pytest.mark.parametrize("content", ["not json", '{"code": 1}', "[]", '{"references": {"a": 1}}'])
def test_an_unreadable_store_is_only_a_missed_shortcut(scenario: Scenario, content: str) -> None:
    seed_datasources(scenario)
    missing = {"type": "prometheus", "uid": "gone-uid"}
    scenario.write_source(f"{ORG}/bad.json", with_datasource("bad", missing))
    scenario.publish()
    _store(scenario).write_text(content)
    refs_store._stored.clear()

    run = scenario.publish()

    assert run.code == 1
    assert "datasource uid 'gone-uid' (prometheus)" in run.stderr


def test_a_new_process_checks_sound_dashboards_without_making_their_references(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/good.json", with_datasource("good", {"uid": "P1"}))
    missing = {"type": "prometheus", "uid": "gone-uid"}
    scenario.write_source(f"{ORG}/bad.json", with_datasource("bad", missing))
    scenario.publish("--allow-missing-datasources")
    refs_store._stored.clear()
    made: list[str] = []
    real = refs_store.Reference

    def counted(kind: str, value: str, *rest: object) -> datasources.Reference:
        made.append(value)
        return real(kind, value, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(refs_store, "Reference", counted)
    run = scenario.publish("--allow-missing-datasources")

    assert run.code == 0, run.output
    assert "datasource uid 'gone-uid' (prometheus)" in run.stderr  # said from the file
    assert set(made) == {"gone-uid"}  # the faulty dashboard's only


def _count_loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Path]]:
    """Each read of the store: by which thread, of which folder."""
    loads: list[tuple[str, Path]] = []
    real_load = refs_store.load

    def counted(output_dir: Path) -> dict[str, refs_store.References]:
        loads.append((threading.current_thread().name, output_dir))
        return real_load(output_dir)

    monkeypatch.setattr(refs_store, "load", counted)
    return loads


def test_a_publish_reads_the_store_once_ahead_of_the_org_check(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/good.json", with_datasource("good", {"uid": "P1"}))
    assert scenario.publish().code == 0
    _claim_missing_uid(scenario, "good", refs_store.code_digest())
    loads = _count_loads(monkeypatch)

    run = scenario.publish("--allow-missing-datasources")

    # Read once (by the preload the publish starts before its org check), and what it read
    # is what decided: the claimed missing uid is reported.
    assert loads == [("dashgen-refs", scenario.root / "build")]
    assert run.code == 0, run.output
    assert "datasource uid 'not-in-the-org'" in run.stderr
    assert not refs_store._pending


def test_a_preloaded_store_is_what_references_by_uid_returns(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashgen.build.manifest import read_manifest

    seed_datasources(scenario)
    scenario.write_source(f"{ORG}/good.json", with_datasource("good", {"uid": "P1"}))
    assert scenario.publish().code == 0
    output_dir = scenario.root / "build"
    built = read_manifest(output_dir)
    refs_store._stored.clear()
    expected = datasources.references_by_uid(output_dir, built)
    refs_store._stored.clear()
    loads = _count_loads(monkeypatch)

    refs_store.preload_references(output_dir)
    assert datasources.references_by_uid(output_dir, built) == expected
    assert datasources.references_by_uid(output_dir, built) == expected  # from memory now
    refs_store.preload_references(output_dir)  # already in memory: nothing is read

    assert loads == [("dashgen-refs", output_dir)]
    assert not refs_store._pending

"""Every real dashboard of ../shared/corpus, through the real CLI against an emulated
Grafana over HTTP, on each release dashgen supports (11.2 classic; 12.0 and 13.0 with
``--api classic`` and ``--api auto``, which goes through /apis): built once, published
(each one created), published again (no write, each one unchanged), diffed and dry-run
(nothing to change), pulled back (the same dashboards), then one source edited (one write).

What a release cannot store is published apart and must be refused with its sentence: the
schema v2 resource where no /apis v2 is served; on /apis a schemaVersion below the
migrator's minimum (1) or above its latest (42 on 12.0, whose latest is 41)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from corpus_project import (
    CORPUS_ORG,
    HISTORY_ORG,
    NOT_PUBLISHED,
    ORGS,
    REFUSED_ORG,
    V2_RESOURCE,
    CorpusProject,
    lay_out,
    manifest,
)
from publish_steps import nothing_to_change, one_edit_one_write
from publish_support import issued, posts, stored_writes
from scenario import BackendMode

from cli_run import Run, invoke
from dashgen.testing import EmulatorServer, profile_for
from dashgen.tokens import env_var_name

pytestmark = pytest.mark.corpus

RELEASES = (
    BackendMode("11.2-classic", "11.2"),
    BackendMode("12.0-classic", "12.0"),
    BackendMode("12.0-auto", "12.0", api="auto"),
    BackendMode("13.0-classic", "13.0"),
    BackendMode("13.0-auto", "13.0", api="auto"),
)
EDITED = "kube-prometheus__nodes.json"


@pytest.fixture(params=RELEASES, ids=lambda mode: mode.name)
def backend_mode(request: pytest.FixtureRequest) -> BackendMode:
    """This module's releases, in place of conftest's (``DASHGEN_API`` follows ``api``)."""
    return request.param


def through_apis(mode: BackendMode) -> bool:
    return mode.api == "auto" and mode.grafana_version >= "12"


def refused_by(mode: BackendMode, corpus_dir: Path) -> dict[str, str]:
    """The corpus files this release cannot store, with a phrase of dashgen's sentence: a
    v2 resource where /apis v2 is not served; on /apis a schemaVersion below the migrator's
    minimum or above its latest (422, apps/dashboard/pkg/migration/migrate.go)."""
    refused = {}
    if not (through_apis(mode) and mode.grafana_version >= "13"):
        refused[V2_RESOURCE] = "is a schema v2 dashboard"
    if through_apis(mode):
        profile = profile_for(mode.grafana_version)
        for row in manifest(corpus_dir):
            if row["file"] in NOT_PUBLISHED or not row["schemaVersion"].isdigit():
                continue
            version = int(row["schemaVersion"])
            if version < profile.schema_minimum:
                refused[row["file"]] = f"dashboard schema version {version} cannot be migrated"
            elif version > profile.schema_latest:
                refused[row["file"]] = "newer than this Grafana knows"
    return refused


class Published:
    """The project on disk and the emulator server it publishes to."""

    def __init__(self, project: CorpusProject, server: EmulatorServer) -> None:
        self.project, self.server = project, server
        self.org_ids = {org: server.emulator.create_org(org) for org in ORGS}

    def cli(self, *args: str, root: Path | None = None) -> Run:
        return invoke(root or self.project.root, *args)

    def publish(self, *args: str, orgs: tuple[str, ...] = (CORPUS_ORG, HISTORY_ORG)) -> Run:
        flags = [f for org in orgs for f in ("--org", org)]
        return self.cli("publish", *flags, "--grafana-url", self.server.url, *args)

    def events(self, run: Run) -> dict[tuple[str, str], dict[str, Any]]:
        return {(e["org"], e["uid"]): e for e in run.json_lines() if "uid" in e}


def built(root: Path) -> dict[tuple[str, str], str]:
    """(org, uid) → source file name, from the build's manifest (what the build made)."""
    entries = json.loads((root / "build" / "manifest.json").read_text())["dashboards"]
    return {(e["org"], e["uid"]): Path(e["source"]).name for e in entries}


@pytest.fixture
def published(
    corpus_dir: Path,
    tmp_path: Path,
    backend_mode: BackendMode,
    make_grafana_server: Callable[..., EmulatorServer],
    monkeypatch: pytest.MonkeyPatch,
) -> Published:
    project = lay_out(corpus_dir, tmp_path / "project", set(refused_by(backend_mode, corpus_dir)))
    state = Published(project, make_grafana_server(version=backend_mode.grafana_version))
    emulator = state.server.emulator
    for org, org_id in state.org_ids.items():
        token = emulator.create_service_account_token(org_id, "Editor", name="dashgen")
        monkeypatch.setenv(env_var_name(org), issued(token))
        project.seed(emulator, org_id)
    return state


def test_every_corpus_file_is_published_or_refused_for_a_reason(corpus_dir: Path) -> None:
    names = {row["file"] for row in manifest(corpus_dir)}
    assert set(NOT_PUBLISHED) | {V2_RESOURCE} <= names
    assert len(names) >= 27


def test_corpus_publishes_once_then_never_again(
    published: Published, backend_mode: BackendMode
) -> None:
    emulator = published.server.emulator
    project = published.project
    build = published.cli("build", *[f for org in ORGS for f in ("--org", org)])
    assert build.code == 0, build.output
    made = built(project.root)
    assert sorted(made.values()) == sorted([*project.published, *project.refused])

    # 1. every dashboard created, one write each
    first = published.publish("--output", "json")
    assert first.code == 0, first.output
    events = published.events(first)
    assert sorted(events) == sorted(k for k in made if k[0] != REFUSED_ORG), first.stdout
    assert {e["action"] for e in events.values()} == {"created"}, first.stdout
    writes = [(e.method, e.path.rsplit("/", 1)[-1], e.status) for e in posts(emulator)]
    assert len(writes) == len(project.published), writes
    # (no 5xx either: a classic save showing a library panel the org lacks is stored, then
    # answered 500, and dashgen, finding its write in place, would still say "created")
    assert [e.path for e in emulator.request_log if (e.status or 0) >= 500] == []
    for (org, uid), _ in events.items():
        assert emulator.dashboard(published.org_ids[org], uid) is not None, uid

    # 2. again, unchanged: nothing written at all (no dashboard, no folder, no lock)
    emulator.clear_request_log()
    again = published.publish("--output", "json")
    assert again.code == 0, again.output
    assert published.events(again).keys() == events.keys()
    assert {e["action"] for e in published.events(again).values()} == {"unchanged"}
    assert stored_writes(emulator) == [], [(e.method, e.path) for e in stored_writes(emulator)]

    # 3. diff and a dry run see nothing to change, and write nothing
    nothing_to_change(published, emulator, (CORPUS_ORG, HISTORY_ORG))

    # 4. one source edited: exactly one write
    one_edit_one_write(published, emulator, project.source(EDITED))


def test_pulled_corpus_builds_to_what_was_published(
    published: Published, backend_mode: BackendMode, tmp_path: Path
) -> None:
    """``dashgen pull`` writes new files (dashboards/<org>/<slug>.json), never the sources it
    did not write: it is checked in a second checkout, whose build must give back the
    dashboards as Grafana stores them (the build's own on the classic API; /apis stores
    v1 dashboards migrated to its latest schemaVersion, grafana-apis.md §4.6)."""
    assert published.publish().code == 0
    original = {u: _built(published.project.root, CORPUS_ORG, u) for u in _uids(published)}
    pulled_root = tmp_path / "pulled"
    (pulled_root / "dashboards").mkdir(parents=True)
    (pulled_root / "dashgen.toml").write_text(f'project = "corpus"\n[orgs.{CORPUS_ORG}]\n')
    url = published.server.url
    run = published.cli(
        "pull",
        "--org",
        CORPUS_ORG,
        "--all",
        "--write-config",
        "--grafana-url",
        url,
        root=pulled_root,
    )
    assert run.code == 0, run.output
    build = published.cli("build", "--org", CORPUS_ORG, root=pulled_root)
    assert build.code == 0, build.output
    emulator = published.server.emulator
    for uid, built in original.items():
        pulled = _built(pulled_root, CORPUS_ORG, uid)
        stored = emulator.dashboard(published.org_ids[CORPUS_ORG], uid)
        assert stored is not None
        if not through_apis(backend_mode):
            assert pulled == built, uid
        assert pulled["title"] == stored.data["title"], uid
    # the pulled checkout publishes nothing: what it holds is what Grafana has
    emulator.clear_request_log()
    again = published.cli("publish", "--org", CORPUS_ORG, "--grafana-url", url, root=pulled_root)
    assert again.code == 0, again.output
    assert stored_writes(emulator) == [], [(e.method, e.path) for e in stored_writes(emulator)]


def _uids(published: Published) -> list[str]:
    return [uid for org, uid in built(published.project.root) if org == CORPUS_ORG]


def _built(root: Path, org: str, uid: str) -> dict[str, Any]:
    return json.loads((root / "build" / org / f"{uid}.json").read_text())


def test_what_a_release_cannot_store_is_refused_with_its_reason(
    published: Published, backend_mode: BackendMode, corpus_dir: Path
) -> None:
    refused = refused_by(backend_mode, corpus_dir)
    run = published.publish("--output", "json", orgs=(REFUSED_ORG,))
    assert run.code == 1, run.output
    events = published.events(run)
    assert {e["action"] for e in events.values()} == {"failed"}
    assert len(events) == len(refused)
    errors = {Path(e["source"]).name: e.get("error") or "" for e in events.values()}
    for name, phrase in refused.items():
        assert phrase in errors[name], (name, errors[name])
    assert published.server.emulator.dashboards(published.org_ids[REFUSED_ORG]) == []
    # diff says the same (it asks Grafana's dry run for new dashboards too)
    url = published.server.url
    diff = published.cli("diff", "--org", REFUSED_ORG, "--grafana-url", url, "--output", "json")
    assert diff.code == 1, diff.output
    assert {r["status"] for r in diff.json_lines() if "uid" in r} == {"failed"}, diff.stdout

"""Third-party dashboards dashgen had never seen (tests/fixtures/real, SOURCES.tsv), through
the real CLI as a user runs it, against an emulated Grafana over HTTP on each release the
corpus test uses (11.2 classic; 12.0 and 13.0 with ``--api classic`` and ``--api auto``):
built, published (each one created), published again (no write), diffed and dry-run
(nothing to change), one source edited (one write), pulled into a second checkout whose
build gives the same dashboards and whose publish writes nothing.

What a release cannot store (on /apis a schemaVersion below the migrator's minimum or above
its latest, apps/dashboard/pkg/migration/migrate.go) is published apart and must be
refused with its sentence; a fixture that is no dashgen source must fail the build with a
sentence naming it (exit 1, no traceback)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from publish_steps import nothing_to_change, one_edit_one_write
from publish_support import issued, posts, stored_writes
from real_project import ORGS, REAL_ORG, REFUSED_ORG, RealProject, lay_out
from scenario import BackendMode

from cli_run import Run, invoke
from dashgen.testing import EmulatorServer, profile_for
from dashgen.tokens import env_var_name
from real_fixtures import REAL_DIR, dashboards, is_v2, names, schema_version, sources

pytestmark = pytest.mark.corpus

RELEASES = (
    BackendMode("11.2-classic", "11.2"),
    BackendMode("12.0-classic", "12.0"),
    BackendMode("12.0-auto", "12.0", api="auto"),
    BackendMode("13.0-classic", "13.0"),
    BackendMode("13.0-auto", "13.0", api="auto"),
)
EDITED = "grafana__home.json"


@pytest.fixture(params=RELEASES, ids=lambda mode: mode.name)
def backend_mode(request: pytest.FixtureRequest) -> BackendMode:
    return request.param


def through_apis(mode: BackendMode) -> bool:
    return mode.api == "auto" and mode.grafana_version >= "12"


def refused_by(mode: BackendMode) -> dict[str, str]:
    """The fixtures this release cannot store, with a phrase of dashgen's sentence."""
    refused: dict[str, str] = {}
    v2_served = through_apis(mode) and mode.grafana_version >= "13"
    for name in dashboards():
        if is_v2(name):
            if not v2_served:
                refused[name] = "is a schema v2 dashboard"
            continue
        version = schema_version(name)
        if not through_apis(mode) or version is None:
            continue
        profile = profile_for(mode.grafana_version)
        if version < profile.schema_minimum:
            refused[name] = f"dashboard schema version {version} cannot be migrated"
        elif version > profile.schema_latest:
            refused[name] = "newer than this Grafana knows"
    return refused


class Published:
    def __init__(self, project: RealProject, server: EmulatorServer) -> None:
        self.project, self.server = project, server
        self.org_ids = {org: server.emulator.create_org(org) for org in ORGS}

    def cli(self, *args: str, root: Path | None = None) -> Run:
        return invoke(root or self.project.root, *args)

    def publish(self, *args: str, org: str = REAL_ORG, root: Path | None = None) -> Run:
        return self.cli("publish", "--org", org, "--grafana-url", self.server.url, *args, root=root)

    def events(self, run: Run) -> dict[str, dict[str, Any]]:
        return {e["uid"]: e for e in run.json_lines() if "uid" in e}


def built(root: Path, org: str) -> dict[str, str]:
    """uid → source file name, from the build's manifest."""
    entries = json.loads((root / "build" / "manifest.json").read_text())["dashboards"]
    return {e["uid"]: Path(e["source"]).name for e in entries if e["org"] == org}


def output(root: Path, org: str, uid: str) -> dict[str, Any]:
    return json.loads((root / "build" / org / f"{uid}.json").read_text())


@pytest.fixture
def published(
    tmp_path: Path,
    backend_mode: BackendMode,
    make_grafana_server: Callable[..., EmulatorServer],
    monkeypatch: pytest.MonkeyPatch,
) -> Published:
    project = lay_out(tmp_path / "project", set(refused_by(backend_mode)))
    state = Published(project, make_grafana_server(version=backend_mode.grafana_version))
    emulator = state.server.emulator
    for org, org_id in state.org_ids.items():
        token = emulator.create_service_account_token(org_id, "Editor", name="dashgen")
        monkeypatch.setenv(env_var_name(org), issued(token))
        project.seed(emulator, org_id)
    return state


def test_every_fixture_is_listed_with_its_origin() -> None:
    listed = names()
    on_disk = sorted(p.name for p in REAL_DIR.glob("*.json"))
    assert sorted(listed) == on_disk
    assert len(listed) >= 15
    for row in sources():
        assert all(row[k] for k in ("repo", "path", "commit", "license")), row
        assert len(row["commit"]) == 40, row


def test_real_dashboards_publish_once_then_never_again(published: Published) -> None:
    emulator = published.server.emulator
    project = published.project
    build = published.cli("build", "--org", REAL_ORG, "--org", REFUSED_ORG)
    assert build.code == 0, build.output
    made = built(project.root, REAL_ORG)
    assert sorted(made.values()) == sorted(project.published)

    first = published.publish("--output", "json")
    assert first.code == 0, first.output
    events = published.events(first)
    assert sorted(events) == sorted(made), first.stdout
    assert {e["action"] for e in events.values()} == {"created"}, first.stdout
    assert len(posts(emulator)) == len(made), [(e.method, e.path) for e in posts(emulator)]
    assert [e.path for e in emulator.request_log if (e.status or 0) >= 500] == []
    for uid in made:
        assert emulator.dashboard(published.org_ids[REAL_ORG], uid) is not None, uid

    emulator.clear_request_log()
    again = published.publish("--output", "json")
    assert again.code == 0, again.output
    assert {e["action"] for e in published.events(again).values()} == {"unchanged"}, again.stdout
    assert stored_writes(emulator) == [], [(e.method, e.path) for e in stored_writes(emulator)]

    nothing_to_change(published, emulator, (REAL_ORG,))
    one_edit_one_write(published, emulator, project.source(EDITED))


def test_pulled_real_dashboards_build_to_what_was_published(
    published: Published, backend_mode: BackendMode, tmp_path: Path
) -> None:
    assert published.cli("build", "--org", REAL_ORG).code == 0
    first = published.publish()
    assert first.code == 0, first.output
    root = published.project.root
    original = {uid: output(root, REAL_ORG, uid) for uid in built(root, REAL_ORG)}
    pulled_root = tmp_path / "pulled"
    (pulled_root / "dashboards").mkdir(parents=True)
    (pulled_root / "dashgen.toml").write_text(f'project = "real"\n[orgs.{REAL_ORG}]\n')
    url = published.server.url
    run = published.cli(
        "pull", "--org", REAL_ORG, "--all", "--write-config", "--grafana-url", url, root=pulled_root
    )
    assert run.code == 0, run.output
    build = published.cli("build", "--org", REAL_ORG, root=pulled_root)
    assert build.code == 0, build.output
    assert sorted(built(pulled_root, REAL_ORG)) == sorted(original)
    emulator = published.server.emulator
    for uid, dashboard in original.items():
        pulled = output(pulled_root, REAL_ORG, uid)
        stored = emulator.dashboard(published.org_ids[REAL_ORG], uid)
        assert stored is not None
        if through_apis(backend_mode) and "schemaVersion" in stored.data:  # migrated, §4.6
            dashboard = {**dashboard, "schemaVersion": stored.data["schemaVersion"]}
        assert pulled == dashboard, uid
    emulator.clear_request_log()
    again = published.publish(root=pulled_root)
    assert again.code == 0, again.output
    assert stored_writes(emulator) == [], [(e.method, e.path) for e in stored_writes(emulator)]


def test_what_a_release_cannot_store_is_refused_with_its_reason(
    published: Published, backend_mode: BackendMode
) -> None:
    refused = refused_by(backend_mode)
    if not refused:
        pytest.skip(f"{backend_mode.name} stores every fixture")
    run = published.publish("--output", "json", org=REFUSED_ORG)
    assert run.code == 1, run.output
    events = published.events(run)
    assert {e["action"] for e in events.values()} == {"failed"}
    errors = {Path(e["source"]).name: e.get("error") or "" for e in events.values()}
    assert sorted(errors) == sorted(refused)
    for name, phrase in refused.items():
        assert phrase in errors[name], (name, errors[name])
    assert published.server.emulator.dashboards(published.org_ids[REFUSED_ORG]) == []


def test_a_real_dashboard_with_the_auto_refresh_is_stored_as_it_is(
    published: Published,
) -> None:
    """``"refresh": "auto"`` (the refresh picker's "Auto", Grafana 10.1+) is no duration,
    yet Grafana's save lets it through as it is, below any ``min_refresh_interval``
    (``validateDashboardRefreshInterval``: ``refresh == "" || refresh == "auto"`` is valid,
    grafana/grafana#85581, in 10.4.2, 11.0.x and later; the /apis check has the same): it
    is sent and stored as written, and republishing writes nothing."""
    emulator = published.server.emulator
    source = published.project.source(EDITED)
    document = json.loads(source.read_text())
    document["refresh"] = "auto"
    source.write_text(json.dumps(document, indent=2))
    first = published.publish("--output", "json")
    assert first.code == 0, first.output
    stored = emulator.dashboard(published.org_ids[REAL_ORG], document["uid"])
    assert stored is not None and stored.data["refresh"] == "auto"
    emulator.clear_request_log()
    again = published.publish("--output", "json")
    assert again.code == 0, again.output
    assert {e["action"] for e in published.events(again).values()} == {"unchanged"}
    assert stored_writes(emulator) == [], [(e.method, e.path) for e in stored_writes(emulator)]
